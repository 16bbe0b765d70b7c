// Every committee (graph.rules.COMMITTEES, as $committee_kinds): the values of $columns, for the
// rows an engagement result cites (Neo4jStore.engagement_rows).
MATCH (n:Organization)
WHERE n.kind IN $committee_kinds
RETURN [c IN $columns | n[c]] AS values
