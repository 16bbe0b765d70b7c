// The units of a scope per area and kind: how many, how many are member units on $end
// (graph.rules.is_member: not a committee, joined on or before the day), how many have a party
// organization. $areas: the scope's area keys; $kinds: its unit kinds (empty: all).
UNWIND $areas AS area
MATCH (:Area {key: area})<-[:IN_AREA]-(u:Organization)
WHERE size($kinds) = 0 OR u.kind IN $kinds
RETURN area, u.kind AS kind, count(*) AS units,
       count(CASE WHEN NOT u.kind IN $committee_kinds AND u.joined <= $end THEN 1 END) AS members,
       count(CASE WHEN u.has_party_org = true THEN 1 END) AS party_orgs
ORDER BY area, kind
