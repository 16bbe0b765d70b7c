// Benchmark only (bench/bench_neo4j_load.py): attendance rows loaded by the server itself
// from a CSV file (columns key, meeting, org, status, person, code, src_file, src_sheet,
// src_row), an upsert by key in transactions of 10,000 rows.
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MATCH (s:Organization {key: row.org})
  MATCH (t:Meeting {key: row.meeting})
  MERGE (s)-[r:ATTENDED {key: row.key}]->(t)
  SET r += row, r.src_row = toInteger(row.src_row)
} IN TRANSACTIONS OF 10000 ROWS
