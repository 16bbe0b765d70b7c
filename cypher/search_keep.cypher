// Create search entries (graph/search.py), one per row, under the $token of the keeping that
// writes them (Neo4jStore.keep_search): searches read the entries of the token marked current.
UNWIND $rows AS row
CREATE (s:SearchEntry)
SET s = row, s.token = $token
