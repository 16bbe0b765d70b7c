// Whether the search entries written under $token may become the index of $revision, asked
// under a write lock on the revision node (held until the transaction ends: keepings mark and
// sweep in turn, and a load waits): the store is still at $revision, no index is current for
// it yet (the first keeping to finish wins), and all $rows entries of $token are there.
MATCH (r:Revision {id: 'store'})
SET r.search_lock = $token
WITH r
WHERE r.n = $revision
  AND NOT EXISTS { MATCH (d:Derived {name: 'search'}) WHERE d.revision = r.n }
  AND COUNT { MATCH (s:SearchEntry) WHERE s.token = $token } = $rows
RETURN true AS free
