// Benchmark only (bench/bench_neo4j_load.py): the naive way to load one attendance row,
// run once per row, each in its own transaction.
MATCH (s:Organization {key: $row.org})
MATCH (t:Meeting {key: $row.meeting})
MERGE (s)-[r:ATTENDED {key: $row.key}]->(t)
SET r = $row
