// Per unit (see engagement_units.cypher): its latest activity of taking up a post tied to a
// committee, up to $e ("2025-03-01 post" and the like): for a post in the unit and a post on any committee held by
// the same person (any time), the later of their first days (graph.rules.days).
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH (p:Person)-[x:HOLDS]->(u)
MATCH (p)-[y:HOLDS]->(k:Organization)
WHERE k.kind IN $committee_kinds AND (x.start IS NOT NULL OR y.start IS NOT NULL)
WITH u, CASE size(x.start) WHEN 4 THEN x.start + '-01-01' WHEN 7 THEN x.start + '-01' ELSE x.start END AS a,
     CASE size(y.start) WHEN 4 THEN y.start + '-01-01' WHEN 7 THEN y.start + '-01' ELSE y.start END AS b
WITH u, CASE WHEN a IS NULL THEN b WHEN b IS NULL OR a >= b THEN a ELSE b END AS day
WHERE day <= $e
RETURN u.key AS key, max(day) + ' post' AS at_post
