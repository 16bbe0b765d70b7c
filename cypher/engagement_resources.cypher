// Per unit (see engagement_units.cypher): the resources it offers on the list by $e (published
// on or before it, or undated), and its latest resource published up to $e ("2025-03-01 resource" and the like).
MATCH (u:Organization)
WHERE u.area IN $areas AND NOT u.kind IN $committee_kinds
MATCH (r:Resource {org: u.key})
WITH u, CASE size(r.published) WHEN 4 THEN r.published + '-01-01' WHEN 7 THEN r.published + '-01'
        ELSE r.published END AS published
RETURN u.key AS key,
       sum(CASE WHEN published IS NULL OR published <= $e THEN 1 ELSE 0 END) AS resources_offered,
       max(CASE WHEN published <= $e THEN published + ' resource' END) AS at_resource
