// name: partnership_shared
// title: "Partnership: information shared between agencies"
// description: For each pair of recording agency and agency told, the number of SHARED_WITH links dated in the window.
// parameters:
//   from_date: {type: date, default: today, description: "Earliest date shared."}
//   to_date: {type: date, default: today, description: "Latest date shared."}
// unordered: [[event_ids]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   from_agency: the agency that recorded the event
//   to_agency: the agency told
//   shares: number of times information was shared
//   event_ids: the events shared
// why: Who tells whom is the partnership's own network; gaps in it are where children fall through.
MATCH (e:Event)-[:RECORDED_BY]->(src:Agency)
MATCH (e)-[s:SHARED_WITH]->(dst:Agency)
WHERE s.date >= $from_date AND s.date <= $to_date
RETURN src.id AS from_agency, dst.id AS to_agency, count(*) AS shares, collect(e.id) AS event_ids
