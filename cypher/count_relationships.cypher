// How many relationship records of one type the store holds.
MATCH ()-[r:<TYPE>]->()
RETURN count(r) AS records
