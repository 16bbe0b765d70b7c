// Every relationship record of one type: the values of $columns, in that order.
MATCH ()-[r:<TYPE>]->()
RETURN [c IN $columns | r[c]] AS values
