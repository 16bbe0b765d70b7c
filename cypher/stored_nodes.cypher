// The stored node records of one label among $keys, to compare a write with.
UNWIND $keys AS key
MATCH (n:<Label> {key: key})
RETURN properties(n) AS record
