// Each member unit of a scope on $end (graph.rules.is_member) with the committees above it (of
// $committee_kinds, in an area of $paths[area]: graph.rules.area_paths), and the links of its
// people to committees in [$start, $end] (graph.bridges.level_ties is the definition):
// [committee, person key, name, up, down], up: an own (not part-time) post in the unit and a
// part-time post on the committee; down: an own post on the committee and a post in the unit.
// Twins of graph.rules: holds (since IS NULL OR since <= $end, until IS NULL OR until >=
// left($start, size(until)), i.e. graph.rules.upper(until) >= $start) and is_part_time (marked
// so, or unmarked with a $seat_words word in the role).
CALL () {
  UNWIND $areas AS area
  UNWIND $paths[area] AS above
  WITH DISTINCT above
  MATCH (:Area {key: above})<-[:IN_AREA]-(c:Organization)
  WHERE c.kind IN $committee_kinds
  RETURN collect([above, c.key, c.name, c.kind]) AS committees_in
}
UNWIND $areas AS area
MATCH (:Area {key: area})<-[:IN_AREA]-(u:Organization)
WHERE (size($kinds) = 0 OR u.kind IN $kinds) AND NOT u.kind IN $committee_kinds AND u.joined <= $end
WITH u, area, [c IN committees_in WHERE c[0] IN $paths[area] | c[1..]] AS committees
WITH u, area, committees, COLLECT {
  MATCH (u)<-[h:HOLDS]-(p:Person)-[s:HOLDS]->(c:Organization)
  WHERE c.kind IN $committee_kinds
    AND all(x IN [s, h] WHERE (x.start IS NULL OR x.start <= $end)
                          AND (x.end IS NULL OR x.end >= left($start, size(x.end))))
  WITH c, p,
    coalesce(s.part_time, any(w IN $seat_words WHERE coalesce(s.role, '') CONTAINS w)) AS seat,
    coalesce(h.part_time, any(w IN $seat_words WHERE coalesce(h.role, '') CONTAINS w)) AS part
  RETURN [c.key, p.key, coalesce(p.name, p.key), seat AND NOT part, NOT seat]
} AS links
RETURN u.key AS unit, u.name AS name, u.kind AS kind, area, committees, links
ORDER BY unit
