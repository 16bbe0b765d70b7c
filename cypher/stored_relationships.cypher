// The stored relationship records of one type among $keys, to compare a write with.
UNWIND $keys AS key
MATCH ()-[r:<TYPE> {key: key}]->()
RETURN properties(r) AS record
