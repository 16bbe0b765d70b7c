// The marker of a load, written before its first row: until load_finish.cypher gives it a
// finished time, the load is unfinished (it failed, was killed, or is still running).
CREATE (:Load {id: $id, digest: $digest, files: $files, rows: $rows, changes: $changes, started: datetime()})
