// name: map_events
// title: "Map: events by id, with the recording agency and the address"
// description: The properties of the given events, the agency that recorded each and the address where it happened.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Event ids."}
// columns:
//   id: event id
//   kind: kind of event
//   date: when it happened
//   summary: the recorded summary
//   outcome: the recorded outcome
//   recorded_by: the recording agency's id (empty if unknown)
//   address_id: the address where it happened (empty if not recorded)
//   source_agency: the agency whose record this is
//   source_record: that agency's record id
// why: Every node on a map shows the record it comes from.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (e:Event {id: wanted})
OPTIONAL MATCH (e)-[:RECORDED_BY]->(a:Agency)
OPTIONAL MATCH (e)-[:OCCURRED_AT]->(ad:Address)
RETURN e.id AS id, e.kind AS kind, e.date AS date, e.summary AS summary, e.outcome AS outcome,
       a.id AS recorded_by, ad.id AS address_id, e.source_agency AS source_agency, e.source_record AS source_record
