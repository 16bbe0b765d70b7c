// The store's revision: a number that changes when a load starts and when it finishes.
MATCH (r:Revision {id: 'store'})
RETURN r.n AS revision
