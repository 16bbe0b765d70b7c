// The anchors of the view of an area: the area, every area below it (whatever their dates),
// and the units in them. No areas when there is no such area.
MATCH (root:Area {key: $area}) USING INDEX root:Area(key)
MATCH (root)<-[:PART_OF*0..]-(a:Area)
WITH collect(DISTINCT a) AS areas
CALL (areas) {
  UNWIND areas AS a
  MATCH (a)<-[:IN_AREA]-(o:Organization)
  RETURN collect(DISTINCT o.key) AS organizations
}
RETURN [a IN areas | a.key] AS areas, organizations
