// Per unit (see engagement_units.cypher): the joint meetings of [$s, $e] it was invited to, those
// attended (graph.rules.ATTENDED: $present counts 1, $substitute a half), by substitute, and its
// latest meeting attended up to $e ("2025-03-01 meeting" and the like). A meeting's day is the first day its date
// covers (graph.rules.days).
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH (u)-[a:ATTENDED]->(m:Meeting)
WHERE m.date IS NOT NULL
WITH u, a, CASE size(m.date) WHEN 4 THEN m.date + '-01-01' WHEN 7 THEN m.date + '-01' ELSE m.date END AS day
WITH u, a, day, $s <= day <= $e AS now
RETURN u.key AS key,
       sum(CASE WHEN now THEN 1 ELSE 0 END) AS meetings_invited,
       sum(CASE WHEN now AND a.status = $present THEN 1.0
                WHEN now AND a.status = $substitute THEN 0.5 ELSE 0.0 END) AS meetings_attended,
       sum(CASE WHEN now AND a.status = $substitute THEN 1 ELSE 0 END) AS substitutes,
       max(CASE WHEN a.status IN $attended AND day <= $e THEN day + ' meeting' END) AS at_meeting
