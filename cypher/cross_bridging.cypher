// The posts held in [$start, $end] by the people with such a post in a unit of a scope ($areas,
// $kinds) and posts in two or more organizations, by person and post key
// (graph.bridges.cross_view is the definition). Twin of graph.rules.holds: since IS NULL OR
// since <= $end, until IS NULL OR until >= left($start, size(until)) (graph.rules.upper).
UNWIND $areas AS area
MATCH (:Area {key: area})<-[:IN_AREA]-(o:Organization)<-[h:HOLDS]-(p:Person)
WHERE (size($kinds) = 0 OR o.kind IN $kinds)
  AND (h.start IS NULL OR h.start <= $end) AND (h.end IS NULL OR h.end >= left($start, size(h.end)))
WITH DISTINCT p
MATCH (p)-[x:HOLDS]->(org:Organization)
WHERE (x.start IS NULL OR x.start <= $end) AND (x.end IS NULL OR x.end >= left($start, size(x.end)))
WITH p, x, org ORDER BY x.key
WITH p, collect([org.key, coalesce(org.name, org.key), x.role]) AS posts, count(DISTINCT org) AS orgs
WHERE orgs >= 2
RETURN p.key AS person, coalesce(p.name, p.key) AS name, posts
ORDER BY person
