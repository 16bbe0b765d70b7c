// Benchmark only (bench/bench_neo4j_load.py): remove the attendance records whose keys are
// $keys (every one when $keys is null), to load them again another way.
MATCH ()-[r:ATTENDED]->()
WHERE $keys IS NULL OR r.key IN $keys
CALL (r) {
  DELETE r
} IN TRANSACTIONS OF 10000 ROWS
