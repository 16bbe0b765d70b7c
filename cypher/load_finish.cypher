// A load wrote its last row.
MATCH (l:Load {id: $id})
SET l.finished = datetime()
