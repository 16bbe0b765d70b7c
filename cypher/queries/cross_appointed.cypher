// title: 交叉任职人员 | Cross-appointed people
// description: 在两个或以上单位任职的人员及其连接的单位（双向交叉任职），截至某日在任；可限定区域（只计该区域及下级区域内单位的职务）。 | People holding posts in two or more organizations as of a date, with the organizations they bridge; optionally counting only posts in organizations within an area and the areas below it.
// param: area (text, optional) 区域名称或编码，空表示全部 | area name or code; empty: everywhere
// param: as_of (date, default today) 在任日期 | holding the post on this date
WITH COLLECT {
  MATCH (inside:Area)-[:PART_OF*0..]->(top:Area)
  WHERE toLower(trim($area)) IN [x IN [top.key, top.code, top.name] WHERE x IS NOT NULL | toLower(trim(x))]
  RETURN DISTINCT inside.key
} AS scope
MATCH (p:Person)-[h:HOLDS]->(o:Organization)
WHERE (h.start IS NULL OR h.start <= $as_of)
  AND (h.end IS NULL OR CASE WHEN size(h.end) = 7 THEN h.end + '-31' ELSE h.end END >= $as_of)
  AND ($area = '' OR EXISTS { MATCH (o)-[:IN_AREA]->(a:Area) WHERE a.key IN scope })
WITH p, o, h
ORDER BY h.role
WITH p, o, collect(h.role) AS roles
ORDER BY o.key
WITH p, collect(o.key) AS organization_keys, collect(o.name) AS organizations,
     collect(reduce(s = '', role IN roles | s + CASE WHEN s = '' THEN '' ELSE '、' END + role)) AS roles
WHERE size(organization_keys) >= 2
RETURN p.key AS person_key, p AS person, size(organization_keys) AS organization_count,
       organization_keys, organizations, roles
ORDER BY organization_count DESC, person_key
