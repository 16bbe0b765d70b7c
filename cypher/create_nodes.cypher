// Create node records of one label whose keys the store does not hold (checked first: step 2
// of a load). CREATE skips MERGE's lookup; the key constraint still refuses a second record.
// (Records it may hold already go through write_nodes.cypher.)
UNWIND $rows AS row
CREATE (n:<Label>)
SET n = row
