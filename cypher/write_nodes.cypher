// Upsert node records of one label by key: the stored properties become the row's.
UNWIND $rows AS row
MERGE (n:<Label> {key: row.key})
SET n = row
