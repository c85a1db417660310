// name: map_agencies
// title: "Map: agencies, with how many people each knows"
// description: Every agency with its kind and the number of people it holds a record of during the window.
// parameters:
//   from_date: {type: date, default: today, description: "Start of the window."}
//   to_date: {type: date, default: today, description: "End of the window."}
// columns:
//   id: agency id
//   name: agency name
//   kind: agency kind (csc, police, probation, ...)
//   people_known: people with a record at the agency open during the window
//   source_agency: the agency whose record this is
//   source_record: that agency's record id
// why: The partnership map is drawn over every agency, including those nobody talks to.
MATCH (a:Agency)
OPTIONAL MATCH (a)<-[k:KNOWN_TO]-(p:Person)
WHERE (k.since IS NULL OR k.since <= $to_date) AND (k.until IS NULL OR k.until >= $from_date)
RETURN a.id AS id, a.name AS name, a.kind AS kind, count(DISTINCT p) AS people_known,
       a.source_agency AS source_agency, a.source_record AS source_record
