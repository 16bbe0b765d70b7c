// Create relationship records of one type that the store does not hold yet, from the
// <Source> node named by the row's $source field to the <Target> node named by its $target
// field. (Records it may hold already go through replace_relationships.cypher.)
UNWIND $rows AS row
MATCH (s:<Source> {key: row[$source]}) USING INDEX s:<Source>(key)
MATCH (t:<Target> {key: row[$target]}) USING INDEX t:<Target>(key)
CREATE (s)-[r:<TYPE>]->(t)
SET r = row
