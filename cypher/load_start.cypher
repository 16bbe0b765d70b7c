// The marker of a load, written before its first row: until load_finish.cypher gives it a
// finished time, the load is unfinished (it failed, was killed, or is still running).
// The store's revision changes with it (revision.cypher), so that caches keyed on it refresh.
CREATE (:Load {id: $id, digest: $digest, files: $files, rows: $rows, changes: $changes, started: datetime()})
WITH 1 AS one
MERGE (r:Revision {id: 'store'})
SET r.n = coalesce(r.n, 0) + 1
