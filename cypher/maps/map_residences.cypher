// name: map_residences
// title: "Map: addresses of a set of people and who else lived there"
// description: The addresses where the given people lived during the window, with every LIVES_AT of anyone at those addresses that overlaps the window.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Person record ids."}
//   from_date: {type: date, default: today, description: "Start of the window."}
//   to_date: {type: date, default: today, description: "End of the window."}
// columns:
//   person_id: a person who lived at the address (one of ids, or a co-resident)
//   address_id: the address
//   from_date: when they moved in
//   to_date: when they left (empty while current)
//   source_agency: the agency whose record states it
//   source_record: that agency's record id
// why: A household is where risks and children meet; the reviews find adults nobody knew lived with the child.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
OPTIONAL MATCH (p)-[l:LIVES_AT]->(a:Address)
WITH a, l
WHERE a IS NOT NULL
  AND (l.from_date IS NULL OR l.from_date <= $to_date) AND (l.to_date IS NULL OR l.to_date >= $from_date)
WITH DISTINCT a  // LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (docs/engine-notes.md)
OPTIONAL MATCH (a)<-[m:LIVES_AT]-(q:Person)
WITH a, m, q
WHERE q IS NOT NULL
  AND (m.from_date IS NULL OR m.from_date <= $to_date) AND (m.to_date IS NULL OR m.to_date >= $from_date)
RETURN DISTINCT q.id AS person_id, a.id AS address_id, m.from_date AS from_date, m.to_date AS to_date,
       m.source_agency AS source_agency, m.source_record AS source_record
