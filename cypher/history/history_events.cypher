// name: history_events
// title: "Case history: events about a set of people, with the recording agency"
// description: One row per (event, person) for every event ABOUT one of the given people dated between $from and $to inclusive.
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the child, or one person around the child: the chronology runs this once per person; an anchored look-up is sub-millisecond where an IN-list scans)."}
//   from: {type: date, default: "1900-01-01", description: "First event date included."}
//   to: {type: date, default: "2999-12-31", description: "Last event date included."}
// columns:
//   event_id: event id
//   date: event date
//   kind: event kind
//   summary: the recording agency's summary
//   outcome: outcome as recorded
//   recorded_by: id of the agency that recorded the event
//   recorded_by_name: its name
//   recorded_by_kind: its kind
//   source_agency: source agency of the event record
//   source_record: source record id of the event
//   person_id: the person the event is about
//   involvement: how the person was involved (subject, victim, alleged_perpetrator, ...)
//   about_source_agency: source agency of the ABOUT link
//   about_source_record: its record id
// why: >
//   The chronology is the spine of every safeguarding practice review: each event in date order, with the
//   agency that recorded it and the record it came from.
MATCH (p:Person {id: $person_id})<-[a:ABOUT]-(e:Event)-[:RECORDED_BY]->(ag:Agency)
WHERE e.date >= $from AND e.date <= $to
RETURN e.id AS event_id, e.date AS date, e.kind AS kind, e.summary AS summary, e.outcome AS outcome,
       ag.id AS recorded_by, ag.name AS recorded_by_name, ag.kind AS recorded_by_kind,
       e.source_agency AS source_agency, e.source_record AS source_record,
       p.id AS person_id, a.involvement AS involvement,
       a.source_agency AS about_source_agency, a.source_record AS about_source_record
