// The schema of the Neo4j store, applied on every connect (each statement is idempotent).
// Neo4j 5.26 Community has uniqueness constraints on node and relationship properties and
// range indexes on both; existence, type and key constraints are Enterprise only.
// tests/test_neo4j_store.py checks that every label and relationship record type of
// graph/model.py has its key constraint here. The statements that look records up by key
// or by a filtered reference name these indexes (USING INDEX), so that stale statistics, e.g.
// after a big database was emptied, never turn a lookup into a scan.

// One record per key: node records...
CREATE CONSTRAINT area_key IF NOT EXISTS FOR (n:Area) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT organization_key IF NOT EXISTS FOR (n:Organization) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT agreement_key IF NOT EXISTS FOR (n:Agreement) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT meeting_key IF NOT EXISTS FOR (n:Meeting) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT project_key IF NOT EXISTS FOR (n:Project) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT need_key IF NOT EXISTS FOR (n:Need) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT resource_key IF NOT EXISTS FOR (n:Resource) REQUIRE n.key IS UNIQUE;

// ...and relationship records (posts, attendance, registrations).
CREATE CONSTRAINT holds_key IF NOT EXISTS FOR ()-[r:HOLDS]-() REQUIRE r.key IS UNIQUE;
CREATE CONSTRAINT attended_key IF NOT EXISTS FOR ()-[r:ATTENDED]-() REQUIRE r.key IS UNIQUE;
CREATE CONSTRAINT registered_key IF NOT EXISTS FOR ()-[r:REGISTERED]-() REQUIRE r.key IS UNIQUE;

// The references to areas and units that the view of an area filters on (view_in.cypher).
CREATE INDEX organization_area IF NOT EXISTS FOR (n:Organization) ON (n.area);
CREATE INDEX meeting_host IF NOT EXISTS FOR (n:Meeting) ON (n.host);
CREATE INDEX project_community IF NOT EXISTS FOR (n:Project) ON (n.community);
CREATE INDEX need_community IF NOT EXISTS FOR (n:Need) ON (n.community);
CREATE INDEX resource_org IF NOT EXISTS FOR (n:Resource) ON (n.org);
CREATE INDEX holds_org IF NOT EXISTS FOR ()-[r:HOLDS]-() ON (r.org);
CREATE INDEX holds_person IF NOT EXISTS FOR ()-[r:HOLDS]-() ON (r.person);
CREATE INDEX attended_org IF NOT EXISTS FOR ()-[r:ATTENDED]-() ON (r.org);
// The meetings a seat holder attended (engagement_ties.cypher).
CREATE INDEX attended_person IF NOT EXISTS FOR ()-[r:ATTENDED]-() ON (r.person);
CREATE INDEX registered_community IF NOT EXISTS FOR ()-[r:REGISTERED]-() ON (r.community);
CREATE INDEX registered_org IF NOT EXISTS FOR ()-[r:REGISTERED]-() ON (r.org);
// ...and the other references the explorer follows from a node to its neighbours (Store.rows).
CREATE INDEX area_parent IF NOT EXISTS FOR (n:Area) ON (n.parent);
CREATE INDEX project_need IF NOT EXISTS FOR (n:Project) ON (n.need);
CREATE INDEX attended_meeting IF NOT EXISTS FOR ()-[r:ATTENDED]-() ON (r.meeting);
CREATE INDEX attended_person IF NOT EXISTS FOR ()-[r:ATTENDED]-() ON (r.person);
CREATE INDEX registered_person IF NOT EXISTS FOR ()-[r:REGISTERED]-() ON (r.person);

// Loads in progress or done (see graph/neo4j_store.py).
CREATE CONSTRAINT load_id IF NOT EXISTS FOR (n:Load) REQUIRE n.id IS UNIQUE;

// The store's revision (one node, see load_start.cypher).
CREATE CONSTRAINT revision_id IF NOT EXISTS FOR (n:Revision) REQUIRE n.id IS UNIQUE;

// The kept search index (graph/search.py): a trigram index serving `text CONTAINS $word`.
CREATE TEXT INDEX search_text IF NOT EXISTS FOR (n:SearchEntry) ON (n.text);
