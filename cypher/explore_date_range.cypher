// The first and the last value of a date field of one node label that holds at least a month
// (an ISO day or month: years and missing values left out), e.g. the span of the joint meetings
// the app's period slider offers. One row, aggregated on the server.
MATCH (n:<Label>)
WHERE size(n.<field>) >= 7
RETURN min(n.<field>) AS first, max(n.<field>) AS last
