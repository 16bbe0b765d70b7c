// The stored node records of one label among $keys, to compare a write with (one list: much
// faster for the driver to read than a record per node).
UNWIND $keys AS key
MATCH (n:<Label> {key: key}) USING INDEX n:<Label>(key)
RETURN collect(properties(n)) AS records
