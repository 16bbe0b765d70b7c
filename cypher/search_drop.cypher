// Delete up to $rows search entries written under $token by a keeping that did not become the
// current index; run until it deletes none.
MATCH (s:SearchEntry)
WHERE s.token = $token
WITH s LIMIT $rows
DELETE s
RETURN count(*) AS deleted
