// name: map_same_as
// title: "Map: records linked as the same person"
// description: SAME_AS links (from record linkage) in either direction that touch any of the given people.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Person record ids."}
// columns:
//   person_id: the person in ids
//   other_id: the record judged to be the same person
//   probability: the linkage model's match probability
//   method: how the link was made
//   explanation: why the records were linked
//   decided_by: who confirmed it, if anyone
//   rel_key: the link's key
// why: One person recorded by two agencies is one person on the map; the SAME_AS link shows the join and why it was made.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
OPTIONAL MATCH (p)-[s:SAME_AS]-(o:Person)
WITH p, s, o
WHERE o IS NOT NULL
RETURN DISTINCT p.id AS person_id, o.id AS other_id, s.probability AS probability, s.method AS method,
       s.explanation AS explanation, s.decided_by AS decided_by, s.key AS rel_key
