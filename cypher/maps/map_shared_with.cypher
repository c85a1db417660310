// name: map_shared_with
// title: "Map: information shared by a set of events"
// description: SHARED_WITH relationships from the given events.
// parameters:
//   event_ids: {type: "list[str]", default: [], description: "Event ids."}
// columns:
//   event_id: the event whose information was shared
//   agency_id: the agency told
//   date: when it was shared
//   source_agency: the agency whose record states it
//   source_record: that agency's record id
//   kind: the relationship's kind, which with event_id and agency_id is its key
// why: Information sharing is the link the reviews most often find missing; the map shows where it happened.
UNWIND $event_ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (e:Event {id: wanted})
OPTIONAL MATCH (e)-[r:SHARED_WITH]->(a:Agency)
WITH e, r, a
WHERE a IS NOT NULL
RETURN e.id AS event_id, a.id AS agency_id, r.date AS date,
       r.source_agency AS source_agency, r.source_record AS source_record, r.kind AS kind
