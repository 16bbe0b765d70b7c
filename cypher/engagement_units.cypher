// The units of the engagement indicators (graph.indicators; EmbeddedStore.engagement_facts is
// the SQL twin, graph.engagement.facts the reference): organizations that are not committees
// (graph.rules.COMMITTEES, as $committee_kinds), located in $areas (every area for the whole
// store: the index on Organization.area is sought rather than every organization scanned).
// Every engagement_*.cypher starts from these units and returns one row per unit.
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
RETURN u.key AS key, u.code AS code, u.name AS name, u.kind AS kind, u.area AS area,
       u.has_party_org AS has_party_org, u.party_members AS party_members, u.joined AS joined
