// title: 单位参会情况 | A unit's meeting attendance
// description: 一个单位按季度的联席会议参会情况：受邀次数及出席、代参、请假、缺席次数（每条参会记录计一次）。 | One unit's joint-meeting attendance by quarter: invitations, and how many times it was present, sent a substitute, was excused or absent (each attendance record counts once).
// param: unit (text) 单位名称、简称或编码 | the unit's name, short name or code
// param: since (date, optional) 起始日期，空表示不限 | from this date; empty: from the start
// param: until (date, optional) 截止日期，空表示不限 | up to this date; empty: up to now
MATCH (u:Organization)
WHERE toLower(trim($unit)) IN [x IN [u.key, u.code, u.name] + coalesce(u.aliases, []) WHERE x IS NOT NULL | toLower(trim(x))]
MATCH (u)-[a:ATTENDED]->(m:Meeting)
WHERE ($since = '' OR CASE WHEN size(m.date) = 7 THEN m.date + '-31' ELSE m.date END >= $since)
  AND ($until = '' OR m.date <= $until)
WITH u, a, left(m.date, 4) + '-Q' + toString((toInteger(substring(m.date, 5, 2)) + 2) / 3) AS quarter
RETURN u.key AS unit_key, u AS unit, quarter,
       count(a) AS invited,
       count(CASE WHEN a.status = 'present' THEN 1 END) AS present,
       count(CASE WHEN a.status = 'substitute' THEN 1 END) AS substitute,
       count(CASE WHEN a.status = 'excused' THEN 1 END) AS excused,
       count(CASE WHEN a.status = 'absent' THEN 1 END) AS absent
ORDER BY unit_key, quarter
