// The node records of one label that a reverse reference field (an agreement's parties, a
// project's contributors) ties to one of $keys: those with a <TYPE> relationship from the
// <Source> node of that key, found from the key's index rather than by reading every record's
// list (view_nodes_any.cypher). The relationships are the field's targets (write_references_
// reverse.cypher), so this returns the same records. Returns the values of $columns, each once.
UNWIND $keys AS key
MATCH (s:<Source> {key: key})-[:<TYPE>]->(n:<Label>) USING INDEX s:<Source>(key)
WITH DISTINCT n
RETURN [c IN $columns | n[c]] AS values
