// A reference field of node records as relationships from each record to the records it
// names (row.targets). The record's relationships of this type are replaced, so a corrected
// reference moves them and writing twice leaves one.
UNWIND $rows AS row
MATCH (n:<Label> {key: row.key}) USING INDEX n:<Label>(key)
CALL (n) {
  MATCH (n)-[old:<TYPE>]->()
  DELETE old
}
WITH n, row
UNWIND row.targets AS target
MATCH (t:<Target> {key: target}) USING INDEX t:<Target>(key)
CREATE (n)-[:<TYPE>]->(t)
