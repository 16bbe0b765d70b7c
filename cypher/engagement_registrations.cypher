// Per unit (see engagement_units.cypher): registered with a community by $e and not withdrawn
// by then (its own registration: no person), its party members registered from $year_start to
// $e and not withdrawn before $s (distinct people), and its latest registration of either kind
// up to $e ("2025-03-01 registered" and the like, "2025-03-01 member" and the like). Dates as graph.rules.days and graph.rules.upper.
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH ()-[r:REGISTERED {org: u.key}]->()
WITH u, r,
     CASE size(r.date) WHEN 4 THEN r.date + '-01-01' WHEN 7 THEN r.date + '-01' ELSE r.date END AS day,
     CASE size(r.withdrawn) WHEN 4 THEN r.withdrawn + '-12-31'
          WHEN 7 THEN toString(date(r.withdrawn + '-01') + duration({months: 1}) - duration({days: 1}))
          ELSE r.withdrawn END AS withdrawn
RETURN u.key AS key,
       max(CASE WHEN r.person IS NULL AND day <= $e AND (withdrawn IS NULL OR withdrawn > $e) THEN 1 ELSE 0 END)
         AS registered,
       count(DISTINCT CASE WHEN r.person IS NOT NULL AND $year_start <= day <= $e
                           AND (withdrawn IS NULL OR withdrawn >= $s) THEN r.person END) AS members_registered,
       max(CASE WHEN r.person IS NULL AND day <= $e THEN day + ' registered' END) AS at_registered,
       max(CASE WHEN r.person IS NOT NULL AND day <= $e THEN day + ' member' END) AS at_member
