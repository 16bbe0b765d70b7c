// Every relationship record of one type that holds on $as_of (see view_nodes.cypher).
MATCH ()-[r:<TYPE>]->()
WHERE $as_of IS NULL
   OR ((r[$since] IS NULL OR r[$since] <= $as_of)
       AND (r[$until] IS NULL
            OR CASE WHEN size(r[$until]) = 7 THEN r[$until] + '-31' ELSE r[$until] END >= $as_of))
RETURN [c IN $columns | r[c]] AS values
