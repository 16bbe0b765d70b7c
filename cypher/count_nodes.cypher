// How many node records of one label the store holds.
MATCH (n:<Label>)
RETURN count(n) AS records
