// A derived result kept by derived_keep, if the store was not written since it was computed.
MATCH (r:Revision {id: 'store'})
MATCH (d:Derived {name: $name})
WHERE d.revision = r.n
RETURN d.value AS value
