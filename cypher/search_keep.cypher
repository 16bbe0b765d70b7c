// Create search entries (graph/search.py), one per row.
UNWIND $rows AS row
CREATE (s:SearchEntry)
SET s = row
