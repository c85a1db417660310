// name: partnership_untold
// title: "Partnership: events other agencies recorded about the people an agency knows, and whether it was told"
// description: For each agency, the events in the window recorded by another agency about people the agency held an open record of on the event's date, and how many of those it was told about (referred or shared).
// parameters:
//   from_date: {type: date, default: today, description: "Earliest event date."}
//   to_date: {type: date, default: today, description: "Latest event date."}
// unordered: [[event_ids]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   agency_id: the agency that knows the people
//   events_about_its_people: events recorded elsewhere about people it knew at the time
//   events_told: of those, the events it was referred or told about
//   event_ids: the events about its people
// why: An agency that knows a child but never hears of the police call-outs at the child's home (Operation Encompass) cannot act on them.
MATCH (e:Event)-[:RECORDED_BY]->(rec:Agency)
WHERE e.date >= $from_date AND e.date <= $to_date
MATCH (e)-[:ABOUT]->(p:Person)
MATCH (p)-[k:KNOWN_TO]->(ag:Agency)
WHERE ag.id <> rec.id AND k.since <= e.date AND (k.until IS NULL OR k.until >= e.date)
WITH DISTINCT ag, e
WITH ag, e, (EXISTS { MATCH (e)-[:SHARED_WITH]->(ag) } OR EXISTS { MATCH (e)-[:REFERRED_TO]->(ag) }) AS told
RETURN ag.id AS agency_id, count(e) AS events_about_its_people,
       sum(CASE WHEN told THEN 1 ELSE 0 END) AS events_told, collect(e.id) AS event_ids
