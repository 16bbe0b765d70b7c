// Delete up to $rows search entries (graph/search.py); run until it deletes none.
MATCH (s:SearchEntry)
WITH s LIMIT $rows
DELETE s
RETURN count(*) AS deleted
