// Keep a derived result computed at $revision under $name; those of older revisions go.
OPTIONAL MATCH (old:Derived)
WHERE old.revision < $revision
DETACH DELETE old
WITH count(*) AS gone
MERGE (d:Derived {name: $name})
SET d.revision = $revision, d.value = $value
