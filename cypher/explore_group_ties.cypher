// The ties of the unit network (graph/structure.py unit_network) between the units of
// explore_group_units.cypher, counted per pair of their groups: people holding posts in both,
// agreements in force with both as parties, projects begun with both as contributors, each
// held during [$start, $end]. A date's last day is graph/rules.py upper: a year to its
// 12-31, a month to its -31. $group_of maps an area key to its group.
UNWIND $groups AS pair
MATCH (o:Organization {area: pair[0]}) USING INDEX o:Organization(area)
WHERE (o.kind IN $committee_kinds OR o.joined <= $end)
  AND (size($kinds) = 0 OR o.kind IN $kinds)
CALL (o) {
  MATCH (o)<-[h:HOLDS]-(p:Person)-[k:HOLDS]->(b:Organization)
  WHERE o.key < b.key
    AND all(x IN [h, k] WHERE (x.start IS NULL OR x.start <= $end)
      AND (x.end IS NULL OR CASE size(x.end) WHEN 4 THEN x.end + '-12-31' WHEN 7 THEN x.end + '-31'
                            ELSE x.end END >= $start))
  RETURN DISTINCT 0 AS kind, p.key AS via, b AS other
  UNION
  MATCH (o)-[:PARTY_TO]->(g:Agreement)<-[:PARTY_TO]-(b:Organization)
  WHERE o.key < b.key AND (g.signed IS NULL OR g.signed <= $end)
    AND (g.expires IS NULL OR CASE size(g.expires) WHEN 4 THEN g.expires + '-12-31'
                              WHEN 7 THEN g.expires + '-31' ELSE g.expires END >= $start)
  RETURN DISTINCT 1 AS kind, g.key AS via, b AS other
  UNION
  MATCH (o)-[:CONTRIBUTES]->(j:Project)<-[:CONTRIBUTES]-(b:Organization)
  WHERE o.key < b.key AND j.start IS NOT NULL AND j.start <= $end
    AND (j.end IS NULL OR CASE size(j.end) WHEN 4 THEN j.end + '-12-31' WHEN 7 THEN j.end + '-31'
                          ELSE j.end END >= $start)
  RETURN DISTINCT 2 AS kind, j.key AS via, b AS other
}
WITH pair[1] AS grp, kind, other, $group_of[other.area] AS other_grp
WHERE other_grp IS NOT NULL
  AND (other.kind IN $committee_kinds OR other.joined <= $end)
  AND (size($kinds) = 0 OR other.kind IN $kinds)
RETURN grp, other_grp, kind, count(*) AS ties
