// A reverse reference field of node records just created (create_nodes.cypher) as
// relationships from each record it names (row.targets) to the record. A new record has no
// relationships to replace. (Records the store held go through write_references_reverse.cypher.)
UNWIND $rows AS row
MATCH (n:<Label> {key: row.key}) USING INDEX n:<Label>(key)
UNWIND row.targets AS target
MATCH (t:<Target> {key: target}) USING INDEX t:<Target>(key)
CREATE (t)-[:<TYPE>]->(n)
