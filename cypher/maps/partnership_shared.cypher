// name: partnership_shared
// title: "Partnership: information shared between agencies"
// description: Each SHARED_WITH link dated in the window, with the agency that recorded the event, the agency told, the event's date and the date shared.
// parameters:
//   from_date: {type: date, default: today, description: "Earliest date shared."}
//   to_date: {type: date, default: today, description: "Latest date shared."}
// columns:
//   from_agency: the agency that recorded the event
//   to_agency: the agency told
//   event_id: the event shared
//   event_date: when the event happened
//   shared_date: when it was shared
// why: Who tells whom is the partnership's own network; gaps in it are where children fall through.
MATCH (e:Event)-[:RECORDED_BY]->(src:Agency)
MATCH (e)-[s:SHARED_WITH]->(dst:Agency)
WHERE s.date >= $from_date AND s.date <= $to_date
RETURN src.id AS from_agency, dst.id AS to_agency, e.id AS event_id, e.date AS event_date, s.date AS shared_date
ORDER BY from_agency, to_agency, shared_date, event_id
