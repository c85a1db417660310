// name: map_event_address
// title: "Map: where one event happened"
// description: The address where the given event happened (no row when none was recorded).
// parameters:
//   event_id: {type: str, default: "", description: "An event id (the map runs this once per event: anchored on one id, LadybugDB 0.22 follows OCCURRED_AT in 0.1 ms, where a list of ids scans the relationship table, ~40 ms at 1M people)."}
// columns:
//   event_id: the event
//   address_id: the address where it happened
//   source_agency: the agency whose record this is
//   source_record: that agency's record id
// why: Every node on a map shows the record it comes from; an event's place links it to the household.
MATCH (e:Event {id: $event_id})-[:OCCURRED_AT]->(ad:Address)
RETURN e.id AS event_id, ad.id AS address_id, e.source_agency AS source_agency, e.source_record AS source_record
