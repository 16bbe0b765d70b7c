// The units of the unit network (graph/structure.py unit_network: committees, and the units
// joined on or before $end, the member rule of graph/rules.py) located in the areas of $groups
// ([area key, group] pairs), of $kinds when there are any: per group, how many and the
// smallest key. One row per group.
UNWIND $groups AS pair
MATCH (o:Organization {area: pair[0]}) USING INDEX o:Organization(area)
WHERE (o.kind IN $committee_kinds OR o.joined <= $end)
  AND (size($kinds) = 0 OR o.kind IN $kinds)
RETURN pair[1] AS grp, count(o) AS units, min(o.key) AS first
