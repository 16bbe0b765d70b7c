// Loads that were started and have not finished, oldest first.
MATCH (l:Load)
WHERE l.finished IS NULL
RETURN l.id AS id, l.digest AS digest, l.files AS files, l.rows AS rows, l.changes AS changes,
       toString(l.started) AS started
ORDER BY l.started
