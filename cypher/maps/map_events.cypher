// name: map_events
// title: "Map: events by id, with the recording agency and the address"
// description: The properties of the given events and the agency that recorded each (where each happened is map_event_address, one event at a time).
// parameters:
//   ids: {type: "list[str]", default: [], description: "Event ids."}
// columns:
//   id: event id
//   kind: kind of event
//   date: when it happened
//   summary: the recorded summary
//   outcome: the recorded outcome
//   recorded_by: the recording agency's id (empty if unknown)
//   source_agency: the agency whose record this is
//   source_record: that agency's record id
// why: Every node on a map shows the record it comes from.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (e:Event {id: wanted})
OPTIONAL MATCH (e)-[:RECORDED_BY]->(a:Agency)
RETURN e.id AS id, e.kind AS kind, e.date AS date, e.summary AS summary, e.outcome AS outcome,
       a.id AS recorded_by, e.source_agency AS source_agency, e.source_record AS source_record
