// Empty the database; the schema stays. For tests and the benchmark, never for users' data.
MATCH (n)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS
