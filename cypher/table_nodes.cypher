// Every node record of one label: the values of $columns, in that order.
MATCH (n:<Label>)
RETURN [c IN $columns | n[c]] AS values
