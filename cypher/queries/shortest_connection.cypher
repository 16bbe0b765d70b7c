// title: 两个单位之间的最短联系 | The shortest connection between two units
// description: 两个单位之间经由人员任职、共建协议、联席会议（只计出席或代参）和项目的最短联系（最多 8 步；不经过区域），列出每条最短路径及每一步。 | The shortest connections between two units through people's posts, agreements, joint meetings (attended in person or by substitute only) and projects (at most 8 steps; not through areas): every shortest path, step by step.
// param: from_unit (text) 第一个单位的名称、简称或编码 | the first unit's name, short name or code
// param: to_unit (text) 第二个单位的名称、简称或编码 | the second unit's name, short name or code
MATCH (a:Organization)
WHERE toLower(trim($from_unit)) IN [x IN [a.key, a.code, a.name] + coalesce(a.aliases, []) WHERE x IS NOT NULL | toLower(trim(x))]
MATCH (b:Organization)
WHERE toLower(trim($to_unit)) IN [x IN [b.key, b.code, b.name] + coalesce(b.aliases, []) WHERE x IS NOT NULL | toLower(trim(x))]
  AND b <> a
MATCH path = allShortestPaths((a)-[:HOLDS|PARTY_TO|ATTENDED|HOSTS|CONTRIBUTES*..8]-(b))
WHERE all(r IN relationships(path) WHERE type(r) <> 'ATTENDED' OR r.status IN $attended)
RETURN a.key AS from_key, b.key AS to_key, length(path) AS steps, path
ORDER BY from_key, to_key, [n IN nodes(path) | n.key], [r IN relationships(path) | type(r)]
