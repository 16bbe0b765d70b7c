// Per unit (see engagement_units.cypher; once per time it is listed as a contributor): projects
// claimed (started) in [$s, $e], completed (status done, ended) in it, completed on a resident
// problem (the project's category or its need's in $problems), and its latest project claimed
// and completed up to $e ("2025-03-01 project" and the like, "2025-03-01 done" and the like). Days as graph.rules.days.
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH (u)-[:CONTRIBUTES]-(p:Project)
WITH DISTINCT u, p
OPTIONAL MATCH (n:Need {key: p.need})
WITH u, p, n, size([c IN p.contributors WHERE c = u.key]) AS times,
     CASE size(p.start) WHEN 4 THEN p.start + '-01-01' WHEN 7 THEN p.start + '-01' ELSE p.start END AS started,
     CASE size(p.end) WHEN 4 THEN p.end + '-01-01' WHEN 7 THEN p.end + '-01' ELSE p.end END AS ended
WITH u, p, times, started, ended,
     coalesce(p.status = 'done' AND $s <= ended <= $e, false) AS done,
     coalesce(p.category IN $problems, false) OR coalesce(n.category IN $problems, false) AS problem
RETURN u.key AS key,
       sum(CASE WHEN $s <= started <= $e THEN times ELSE 0 END) AS projects_claimed,
       sum(CASE WHEN done THEN times ELSE 0 END) AS projects_completed,
       sum(CASE WHEN done AND problem THEN times ELSE 0 END) AS problems_closed,
       max(CASE WHEN started <= $e THEN started + ' project' END) AS at_project,
       max(CASE WHEN p.status = 'done' AND ended <= $e THEN ended + ' done' END) AS at_done
