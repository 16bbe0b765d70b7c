// title: 有效的共建协议 | Agreements in force
// description: 某日有效（已签订、未到期）且至少一个参与单位在该区域（含下级区域）的共建协议，及其全部参与单位。 | Co-building agreements in force on a date (signed, not expired) with at least one party in the area or an area below it, and all their parties.
// param: area (text, optional) 区域名称或编码，空表示全部 | area name or code; empty: everywhere
// param: on (date, default today) 有效日期 | in force on this date
WITH COLLECT {
  MATCH (inside:Area)-[:PART_OF*0..]->(top:Area)
  WHERE toLower(trim($area)) IN [x IN [top.key, top.code, top.name] WHERE x IS NOT NULL | toLower(trim(x))]
  RETURN DISTINCT inside.key
} AS scope
MATCH (g:Agreement)
WHERE g.signed <= $on
  AND (g.expires IS NULL OR CASE WHEN size(g.expires) = 7 THEN g.expires + '-31' ELSE g.expires END >= $on)
  AND ($area = '' OR EXISTS { MATCH (g)<-[:PARTY_TO]-(:Organization)-[:IN_AREA]->(a:Area) WHERE a.key IN scope })
CALL (g) {
  MATCH (g)<-[:PARTY_TO]-(o:Organization)
  WITH o ORDER BY o.key
  RETURN collect(o.key) AS party_keys, collect(o.name) AS parties
}
RETURN g.key AS agreement_key, g AS agreement, g.kind AS kind, g.signed AS signed, g.expires AS expires,
       size(party_keys) AS party_count, party_keys, parties
ORDER BY signed, agreement_key
