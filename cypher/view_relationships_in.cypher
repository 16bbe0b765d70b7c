// The relationship records of one type whose <field> is one of $keys and that hold on
// $as_of (see view_nodes.cypher). Returns the values of $columns.
UNWIND $keys AS key
MATCH ()-[r:<TYPE> {<field>: key}]->() USING INDEX r:<TYPE>(<field>)
WHERE $as_of IS NULL
   OR ((r[$since] IS NULL OR r[$since] <= $as_of)
       AND (r[$until] IS NULL
            OR CASE WHEN size(r[$until]) = 7 THEN r[$until] + '-31' ELSE r[$until] END >= $as_of))
RETURN [c IN $columns | r[c]] AS values
