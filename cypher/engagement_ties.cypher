// Per unit (see engagement_units.cypher) tied to a committee above it in [$s, $e] (the twin of
// graph.bridges.level_ties): the committees above a unit are those located on its area path
// ($paths: area key -> the keys of graph.rules.area_paths); posts held on some day of the
// period (graph.rules.holds); part-time as graph.rules.is_part_time ($seat_words). Up (a seat):
// an own post in the unit and a part-time one on the committee; down: any post in the unit and
// an own post on the committee. Returns seat (1/0), the people either way, whether a seat
// holder was present ($present, not by substitute) at a meeting of the period (null without a
// seat), and seat_community: a seat on a committee of kind $community_kind held on $e.
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH (p:Person)-[h:HOLDS]->(u)
WHERE (h.start IS NULL OR h.start <= $e)
  AND (h.end IS NULL OR CASE size(h.end) WHEN 4 THEN h.end + '-12-31'
       WHEN 7 THEN toString(date(h.end + '-01') + duration({months: 1}) - duration({days: 1}))
       ELSE h.end END >= $s)
MATCH (p)-[c:HOLDS]->(k:Organization)
WHERE k.kind IN $committee_kinds AND k.area IN coalesce($paths[u.area], [])
  AND (c.start IS NULL OR c.start <= $e)
  AND (c.end IS NULL OR CASE size(c.end) WHEN 4 THEN c.end + '-12-31'
       WHEN 7 THEN toString(date(c.end + '-01') + duration({months: 1}) - duration({days: 1}))
       ELSE c.end END >= $s)
WITH u, p, k, h, c,
     CASE WHEN h.part_time IS NOT NULL THEN h.part_time
          ELSE any(w IN $seat_words WHERE coalesce(h.role, '') CONTAINS w) END AS h_part,
     CASE WHEN c.part_time IS NOT NULL THEN c.part_time
          ELSE any(w IN $seat_words WHERE coalesce(c.role, '') CONTAINS w) END AS c_part
WITH u, p, k, NOT h_part AND c_part AS up, NOT c_part AS down,
     (h.end IS NULL OR CASE size(h.end) WHEN 4 THEN h.end + '-12-31'
          WHEN 7 THEN toString(date(h.end + '-01') + duration({months: 1}) - duration({days: 1}))
          ELSE h.end END >= $e)
     AND (c.end IS NULL OR CASE size(c.end) WHEN 4 THEN c.end + '-12-31'
          WHEN 7 THEN toString(date(c.end + '-01') + duration({months: 1}) - duration({days: 1}))
          ELSE c.end END >= $e) AS on_end
WHERE up OR down
WITH u, collect(DISTINCT p.key) AS people, collect(DISTINCT CASE WHEN up THEN p.key END) AS holders,
     any(x IN collect(up AND on_end AND k.kind = $community_kind) WHERE x) AS community_seat
CALL (holders) {
  UNWIND holders AS holder
  MATCH ()-[a:ATTENDED {person: holder}]->(m:Meeting)
  WHERE a.status = $present AND m.date IS NOT NULL
    AND $s <= CASE size(m.date) WHEN 4 THEN m.date + '-01-01' WHEN 7 THEN m.date + '-01' ELSE m.date END <= $e
  RETURN count(a) > 0 AS attends
}
RETURN u.key AS key,
       CASE WHEN size(holders) > 0 THEN 1 ELSE 0 END AS seat,
       size(people) AS cross_appointed,
       CASE WHEN size(holders) = 0 THEN null WHEN attends THEN 1 ELSE 0 END AS seat_attends,
       people,
       CASE WHEN community_seat THEN 1 ELSE 0 END AS seat_community
