// The stored relationship records of one type among $keys, to compare a write with (one list:
// much faster for the driver to read than a record per relationship).
UNWIND $keys AS key
MATCH ()-[r:<TYPE> {key: key}]->() USING INDEX r:<TYPE>(key)
RETURN collect(properties(r)) AS records
