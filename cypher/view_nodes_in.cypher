// The node records of one label whose <field> is one of $keys and that hold on $as_of
// (see view_nodes.cypher). Returns the values of $columns.
UNWIND $keys AS key
MATCH (n:<Label> {<field>: key}) USING INDEX n:<Label>(<field>)
WHERE $as_of IS NULL
   OR ((n[$since] IS NULL OR n[$since] <= $as_of)
       AND (n[$until] IS NULL
            OR CASE WHEN size(n[$until]) = 7 THEN n[$until] + '-31' ELSE n[$until] END >= $as_of))
RETURN [c IN $columns | n[c]] AS values
