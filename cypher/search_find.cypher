// The kept search entries (graph/search.py) of the current index (written under $token; an
// index kept before there were tokens has none: '') of $records whose normalized text holds
// each of $words, found through the search_text index (a trigram index serving CONTAINS); of those,
// the first $limit and their ties on how they match $query, then rank, unposted and length.
// The first of those numbers is the Cypher twin of graph.search.match_rank (0: a name or code
// is the query, 1: one starts with it, 2: else).
MATCH (s:SearchEntry)
WHERE s.text CONTAINS $first AND coalesce(s.token, '') = $token AND s.record IN $records
  AND all(word IN $words WHERE s.text CONTAINS word)
WITH s, [
  CASE WHEN $query IN s.terms THEN 0 WHEN any(t IN s.terms WHERE t STARTS WITH $query) THEN 1 ELSE 2 END,
  s.rank, s.unposted, s.length
] AS k
ORDER BY k[0], k[1], k[2], k[3]
WITH collect([s, k]) AS hits
WITH hits[..$limit] + CASE
  WHEN size(hits) <= $limit THEN []
  ELSE [h IN hits[$limit..] WHERE h[1] = hits[$limit - 1][1]]
END AS first
UNWIND first AS hit
WITH hit[0] AS s
RETURN [s.record, s.key, s.name, s.terms, s.text, s.since, s.context] AS values
