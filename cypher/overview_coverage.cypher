// Coverage of the member units of a scope in each of $periods ([label, first day, last day]):
// per period its member units and how many had an agreement, a seat, attended; and for the
// period labelled '' each member unit's flags. graph.coverage.unit_coverage is the definition;
// the twins of graph.rules written here:
// - holds (graph.rules.holds) on [q[1], q[2]]: since IS NULL OR since <= q[2], and until IS NULL
//   OR until >= left(q[1], size(until)), which is graph.rules.upper(until) >= q[1] for a day,
//   a month or a year;
// - member unit (graph.rules.is_member): not of $committee_kinds, joined on or before the day;
// - part-time post (graph.rules.is_part_time): marked so, or unmarked with a $seat_words word;
// - seat: an own (not part-time) post in the unit and a part-time post on a committee in an
//   area of $paths[area] (graph.rules.area_paths: the unit's area and the areas above it);
// - attended (graph.rules.ATTENDED): $attended.
UNWIND $areas AS area
MATCH (:Area {key: area})<-[:IN_AREA]-(u:Organization)
WHERE (size($kinds) = 0 OR u.kind IN $kinds) AND NOT u.kind IN $committee_kinds AND u.joined <= $end
WITH u, area,
  COLLECT { MATCH (u)-[:PARTY_TO]->(g:Agreement) RETURN [g.signed, g.expires] } AS agreements,
  COLLECT { MATCH (u)-[a:ATTENDED]->(m:Meeting) WHERE a.status IN $attended RETURN DISTINCT m.date } AS days,
  COLLECT {
    MATCH (u)<-[h:HOLDS]-(:Person)-[s:HOLDS]->(c:Organization)-[:IN_AREA]->(place:Area)
    WHERE c.kind IN $committee_kinds AND place.key IN $paths[area]
      AND coalesce(s.part_time, any(w IN $seat_words WHERE coalesce(s.role, '') CONTAINS w))
      AND NOT coalesce(h.part_time, any(w IN $seat_words WHERE coalesce(h.role, '') CONTAINS w))
    RETURN [h.start, h.end, s.start, s.end]
  } AS seats
UNWIND $periods AS q
WITH q, u, area, agreements, days, seats
WHERE u.joined <= q[2]
WITH q, u, area,
  any(g IN agreements WHERE (g[0] IS NULL OR g[0] <= q[2]) AND (g[1] IS NULL OR g[1] >= left(q[1], size(g[1])))) AS with_agreement,
  any(x IN seats WHERE (x[0] IS NULL OR x[0] <= q[2]) AND (x[1] IS NULL OR x[1] >= left(q[1], size(x[1])))
                   AND (x[2] IS NULL OR x[2] <= q[2]) AND (x[3] IS NULL OR x[3] >= left(q[1], size(x[3])))) AS with_seat,
  any(d IN days WHERE d <= q[2] AND d >= left(q[1], size(d))) AS came
RETURN q[0] AS period, count(*) AS members,
       count(CASE WHEN with_agreement THEN 1 END) AS agreement,
       count(CASE WHEN with_seat THEN 1 END) AS seat,
       count(CASE WHEN came THEN 1 END) AS attended,
       collect(CASE WHEN q[0] = '' THEN [u.key, u.name, u.kind, area, with_agreement, with_seat, came] END) AS units
