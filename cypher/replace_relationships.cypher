// Upsert relationship records of one type by key, from the <Source> node named by the row's
// $source field to the <Target> node named by its $target field. A stored record with the key
// is replaced, so a corrected start or end moves it and writing twice leaves one.
UNWIND $rows AS row
CALL (row) {
  MATCH ()-[old:<TYPE> {key: row.key}]->() USING INDEX old:<TYPE>(key)
  DELETE old
}
MATCH (s:<Source> {key: row[$source]}) USING INDEX s:<Source>(key)
MATCH (t:<Target> {key: row[$target]}) USING INDEX t:<Target>(key)
CREATE (s)-[r:<TYPE>]->(t)
SET r = row
