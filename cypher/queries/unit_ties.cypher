// title: 单位的关系 | A unit's ties
// description: 一个单位的全部关系（所在区域、任职人员、参会、共建协议、项目、资源、报到）及另一端的节点，按关系类型排列。 | Every tie of one unit (its area, the people holding posts in it, meetings, agreements, projects, resources, registrations) with the node at the other end, by relationship type.
// param: unit (text) 单位名称、简称或编码 | the unit's name, short name or code
MATCH (u:Organization)
WHERE toLower(trim($unit)) IN [x IN [u.key, u.code, u.name] + coalesce(u.aliases, []) WHERE x IS NOT NULL | toLower(trim(x))]
MATCH (u)-[r]-(o)
WITH u, r, o, type(r) AS relationship_type,
     CASE WHEN startNode(r) = u THEN '→' ELSE '←' END AS direction,
     coalesce(r.role, r.status) AS detail,
     coalesce(r.start, r.date, o.signed, o.date, o.start, o.published) AS since,
     coalesce(r.end, r.withdrawn, o.expires, o.end) AS until
RETURN u.key AS unit_key, u AS unit, r AS relationship, direction,
       labels(o)[0] AS other_kind, o.key AS other_key, o AS other, detail, since, until
ORDER BY unit_key, relationship_type, direction, other_key, since, detail, until
