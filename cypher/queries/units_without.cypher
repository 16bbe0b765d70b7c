// title: 参与不足的单位 | Units taking little part
// description: 区域内（含下级区域）已加入共建平台的驻区单位中，在期间内没有有效共建协议、没有席位（本职在本单位的人员在其所在社区、街道或区的党组织任委员，见 README 的「规则」）或没有出席（含代参）联席会议的单位。 | Member resident units in the area (and the areas below it) that, in the period, had no agreement in force, no seat (someone whose own post is in the unit holding a part-time post on the committee of its community, street or district; see the README's Rules) or no meeting attended (present or by substitute).
// param: area (text, optional) 区域名称或编码，空表示全部 | area name or code; empty: everywhere
// param: since (date, default today-365) 期间开始日期 | the period starts on this date
// param: until (date, default today) 期间结束日期 | the period ends on this date
WITH COLLECT {
  MATCH (inside:Area)-[:PART_OF*0..]->(top:Area)
  WHERE toLower(trim($area)) IN [x IN [top.key, top.code, top.name] WHERE x IS NOT NULL | toLower(trim(x))]
  RETURN DISTINCT inside.key
} AS scope
MATCH (u:Organization)-[:IN_AREA]->(place:Area)
WHERE u.joined IS NOT NULL AND u.joined <= $until
  AND NOT u.kind IN $committee_kinds
  AND ($area = '' OR place.key IN scope)
WITH u, place,
  EXISTS {
    MATCH (u)-[:PARTY_TO]->(g:Agreement)
    WHERE g.signed <= $until
      AND (g.expires IS NULL OR CASE WHEN size(g.expires) = 7 THEN g.expires + '-31' ELSE g.expires END >= $since)
  } AS agreement,
  EXISTS {
    MATCH (u)-[:IN_AREA]->(:Area)-[:PART_OF*0..]->(:Area)<-[:IN_AREA]-(c:Organization)<-[seat:HOLDS]-(:Person)-[own:HOLDS]->(u)
    WHERE c.kind IN $committee_kinds
      // graph.rules.is_part_time: marked so, or unmarked with a seat word in its role
      AND coalesce(seat.part_time, any(w IN $seat_words WHERE coalesce(seat.role, '') CONTAINS w))
      AND NOT coalesce(own.part_time, any(w IN $seat_words WHERE coalesce(own.role, '') CONTAINS w))
      AND all(h IN [own, seat] WHERE (h.start IS NULL OR h.start <= $until)
        AND (h.end IS NULL OR CASE WHEN size(h.end) = 7 THEN h.end + '-31' ELSE h.end END >= $since))
  } AS seat,
  EXISTS {
    MATCH (u)-[a:ATTENDED]->(m:Meeting)
    WHERE a.status IN $attended AND m.date <= $until
      AND CASE WHEN size(m.date) = 7 THEN m.date + '-31' ELSE m.date END >= $since
  } AS attended
WHERE NOT (agreement AND seat AND attended)
RETURN u.key AS unit_key, u AS unit, u.kind AS kind, place.name AS area, u.joined AS joined,
       u.has_party_org AS has_party_org,
       NOT agreement AS no_agreement, NOT seat AS no_seat, NOT attended AS no_attendance
ORDER BY unit_key
