// Delete up to $rows search entries of any keeping but the current index's ($token), under the
// lock of search_mark.cypher, while the store is still at $revision (entries written since
// may be a newer keeping's); run until it deletes none.
MATCH (r:Revision {id: 'store'})
SET r.search_lock = $token
WITH r
WHERE r.n = $revision
MATCH (s:SearchEntry)
WHERE s.token IS NULL OR s.token <> $token
WITH s LIMIT $rows
DELETE s
RETURN count(*) AS deleted
