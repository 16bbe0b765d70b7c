// Per unit (see engagement_units.cypher): the agreements it is party to (once per time it is
// listed) in force on some day of [$s, $e] (graph.rules.holds: signed on or before $e, not expired
// before $s; a month or a year runs to its last day, graph.rules.upper), and its latest
// agreement signed up to $e ("2025-03-01 agreement" and the like).
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH (u)-[:PARTY_TO]-(g:Agreement)
WHERE g.signed IS NOT NULL
WITH DISTINCT u, g
WITH u, g, size([p IN g.parties WHERE p = u.key]) AS times,
     CASE size(g.signed) WHEN 4 THEN g.signed + '-01-01' WHEN 7 THEN g.signed + '-01' ELSE g.signed END AS signed,
     CASE size(g.expires) WHEN 4 THEN g.expires + '-12-31'
          WHEN 7 THEN toString(date(g.expires + '-01') + duration({months: 1}) - duration({days: 1}))
          ELSE g.expires END AS expires
RETURN u.key AS key,
       sum(CASE WHEN signed <= $e AND (expires IS NULL OR expires >= $s) THEN times ELSE 0 END) AS agreements,
       max(CASE WHEN signed <= $e THEN signed + ' agreement' END) AS at_agreement
