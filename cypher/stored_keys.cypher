// Which of $keys name stored nodes of one label: the starts and ends of relationship records
// must exist before they are written.
UNWIND $keys AS key
MATCH (n:<Label> {key: key}) USING INDEX n:<Label>(key)
RETURN collect(key) AS keys
