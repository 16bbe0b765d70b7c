// Every node record of one label that holds on $as_of (every one when $as_of is null): its
// $since field, when it has one, is on or before that day, and its $until field on or after
// it (a month such as 2023-06 lasts to its end). Returns the values of $columns.
MATCH (n:<Label>)
WHERE $as_of IS NULL
   OR ((n[$since] IS NULL OR n[$since] <= $as_of)
       AND (n[$until] IS NULL
            OR CASE WHEN size(n[$until]) = 7 THEN n[$until] + '-31' ELSE n[$until] END >= $as_of))
RETURN [c IN $columns | n[c]] AS values
