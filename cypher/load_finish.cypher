// A load wrote its last row; the store's revision changes again.
MATCH (l:Load {id: $id})
SET l.finished = datetime()
WITH 1 AS one
MERGE (r:Revision {id: 'store'})
SET r.n = coalesce(r.n, 0) + 1
