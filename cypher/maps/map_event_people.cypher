// name: map_event_people
// title: "Map: events about a set of people and everyone else involved"
// description: Events dated in the window that are about any of the given people, with every person each event is about and how they were involved.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Person record ids."}
//   events_from: {type: date, default: today, description: "Earliest event date."}
//   events_to: {type: date, default: today, description: "Latest event date."}
// columns:
//   event_id: the event
//   person_id: a person the event is about
//   involvement: subject, victim, alleged_perpetrator, household_member, ...
//   source_agency: the agency whose record states the involvement
//   source_record: that agency's record id
// why: Incidents, referrals and appointments tie people together; a police call-out naming a child is a fact other agencies may never have heard.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
OPTIONAL MATCH (p)<-[:ABOUT]-(e:Event)
WITH DISTINCT e
WHERE e IS NOT NULL AND e.date >= $events_from AND e.date <= $events_to
OPTIONAL MATCH (e)-[ab:ABOUT]->(q:Person)
WITH e, ab, q
WHERE q IS NOT NULL
RETURN DISTINCT e.id AS event_id, q.id AS person_id, ab.involvement AS involvement,
       ab.source_agency AS source_agency, ab.source_record AS source_record
