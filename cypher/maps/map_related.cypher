// name: map_related
// title: "Map: family and household relationships of a set of people"
// description: RELATED_TO relationships in either direction that touch any of the given people and overlap the time window.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Person record ids whose relationships are wanted."}
//   from_date: {type: date, default: today, description: "Start of the window (a relationship must not have ended before it)."}
//   to_date: {type: date, default: today, description: "End of the window (a relationship must have started by then)."}
// columns:
//   person_id: the person in ids
//   other_id: the related person
//   direction: out when person_id is the relationship's start (person_id is the parent of other_id), in otherwise
//   kind: kind of relationship (parent, partner, ...)
//   from_date: when it started
//   to_date: when it ended (empty while current)
//   source_agency: the agency whose record states it
//   source_record: that agency's record id
// why: A map of a child's network starts with who the child's people are, as each agency recorded them.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
OPTIONAL MATCH (p)-[r:RELATED_TO]->(o:Person)
WITH p, r, o
WHERE o IS NOT NULL
  AND (r.from_date IS NULL OR r.from_date <= $to_date) AND (r.to_date IS NULL OR r.to_date >= $from_date)
RETURN p.id AS person_id, o.id AS other_id, 'out' AS direction, r.kind AS kind,
       r.from_date AS from_date, r.to_date AS to_date,
       r.source_agency AS source_agency, r.source_record AS source_record
UNION
UNWIND $ids AS wanted
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
OPTIONAL MATCH (p)<-[r:RELATED_TO]-(o:Person)
WITH p, r, o
WHERE o IS NOT NULL
  AND (r.from_date IS NULL OR r.from_date <= $to_date) AND (r.to_date IS NULL OR r.to_date >= $from_date)
RETURN p.id AS person_id, o.id AS other_id, 'in' AS direction, r.kind AS kind,
       r.from_date AS from_date, r.to_date AS to_date,
       r.source_agency AS source_agency, r.source_record AS source_record
