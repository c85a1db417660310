// name: domestic_abuse_child_not_told
// title: Police-attended domestic abuse where a child lives, and the child's school or health visitor was not told
// description: >
//   Domestic-abuse incidents recorded by police at an address where a child lived on the date of the
//   incident, or with a child recorded present (event_people involvement `present`), in the look-back window, where none of the child's schools, early-years settings or health
//   visitors (agencies of told_kinds the child was known to on that date) was told (SHARED_WITH) within
//   `days` days of the incident, a deadline on a Saturday or Sunday moving to the Monday (the next school
//   day). Only incidents whose deadline has passed by as_of are reported.
//   One row per (incident, child).
// parameters:
//   as_of: {type: date, default: today, description: "Date the question is asked at; shares after it do not count."}
//   days: {type: int, default: 1, description: "Days after the incident by which the school or health visitor should have been told (Operation Encompass: before the next school day); a deadline on a Saturday or Sunday moves to the Monday."}
//   deadline_on_saturday: {type: "list[date]", default: computed, description: "Incident dates whose deadline (date + days) is a Saturday: worked out from as_of, days and lookback_months."}
//   deadline_on_sunday: {type: "list[date]", default: computed, description: "Incident dates whose deadline is a Sunday: worked out."}
//   days_from_saturday: {type: int, default: computed, description: "days + 2: the deadline moved from Saturday to Monday."}
//   days_from_sunday: {type: int, default: computed, description: "days + 1: the deadline moved from Sunday to Monday."}
//   lookback_months: {type: int, default: 12, description: "Only incidents within this many months before as_of."}
//   incident_kinds: {type: "list[str]", default: [domestic_abuse_incident], description: "Event kinds that are domestic-abuse incidents."}
//   recorder_kinds: {type: "list[str]", default: [police], description: "Kinds of agency whose incidents are checked."}
//   told_kinds: {type: "list[str]", default: [education, early_years, health_visiting], description: "Kinds of the child's agencies that should be told."}
// unordered: [[child_agencies]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   pattern: domestic_abuse_child_not_told
//   event_id: the incident's event id
//   event_date: date of the incident
//   event_summary: summary as recorded
//   police_agency: agency that recorded the incident
//   police_record: its record of the incident
//   address_id: where it happened
//   postcode: the address postcode
//   child_id: child living there on that date, or recorded present at the incident
//   child_name: the child's name as recorded
//   child_dob: the child's date of birth
//   lived_since: when the child moved in (empty for a child recorded present who does not live there)
//   told_deadline: last day by which telling counted (the next school day for days = 1)
//   child_agencies: agencies of told_kinds the child was known to on the incident date (empty = none on record)
//   child_present: the incident's record says the child was present
//   path_nodes: event, address, child (event, child for a child present who does not live there)
//   path_rels: relationship types along the path
//   sources: source agency and record of the incident, its address and the child's residence
// why: >
//   Children living with domestic abuse are victims in their own right (Domestic Abuse Act 2021). Operation
//   Encompass exists so that a child's school hears of a police call-out before the next school day; a
//   child whose school or health visitor is never told carries the night into the classroom unseen.
// generated from domestic_abuse_child_not_told.cypher by python -m graphcase.links_dialect: edit the main file
MATCH (police:Agency)<-[rb:RECORDED_BY]-(e:Event)-[:OCCURRED_AT]->(addr:Address)<-[lc:LIVES_AT]-(child:Person)
WHERE e.kind IN $incident_kinds AND e.date <= $as_of AND e.date >= $as_of - to_months($lookback_months)
  AND police.kind IN $recorder_kinds
WITH e, police, addr, lc, child,  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
     CASE WHEN e.date IN $deadline_on_saturday THEN e.date + to_days($days_from_saturday)
          WHEN e.date IN $deadline_on_sunday THEN e.date + to_days($days_from_sunday)
          ELSE e.date + to_days($days) END AS deadline
WHERE deadline < $as_of AND child.role = 'child' AND lc.from_date <= e.date AND (lc.to_date IS NULL OR lc.to_date >= e.date)
OPTIONAL MATCH (child)-[kt:KNOWN_TO]->(t:Agency)
WHERE t.kind IN $told_kinds AND kt.since <= e.date AND (kt.until IS NULL OR kt.until >= e.date)
WITH e, addr, police, child, lc, deadline, collect(t.id) AS child_agencies
// told = a share with one of those agencies within the deadline; one aggregation instead of a NOT EXISTS per row
OPTIONAL MATCH (e)-[s:SHARED_WITH]->(told:Agency)
WITH e, addr, police, child, lc, deadline, child_agencies,
     sum(CASE WHEN told.id IN child_agencies AND s.date >= e.date AND s.date <= deadline
                   AND s.date <= $as_of THEN 1 ELSE 0 END) AS told_in_time
WHERE told_in_time = 0
// present: one look-up of this event's link to this child (a COUNT {} here filtered every ABOUT link twice)
OPTIONAL MATCH (e)-[ab:ABOUT]->(child)
WITH e, addr, police, child, lc, deadline, child_agencies,
     count(CASE WHEN ab.involvement = 'present' THEN 1 END) > 0 AS child_present
RETURN 'domestic_abuse_child_not_told' AS pattern, e.id AS event_id, e.date AS event_date, e.summary AS event_summary,
       police.id AS police_agency, e.source_record AS police_record, addr.id AS address_id, addr.postcode AS postcode,
       child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       child.dob AS child_dob, lc.from_date AS lived_since, deadline AS told_deadline,
       child_agencies, child_present,
       [e.id, addr.id, child.id] AS path_nodes, ['OCCURRED_AT', 'LIVES_AT'] AS path_rels,
       [e.source_agency + ':' + e.source_record, lc.source_agency + ':' + lc.source_record] AS sources
UNION
MATCH (police:Agency)<-[rb:RECORDED_BY]-(e:Event)-[ab:ABOUT]->(child:Person)
WHERE e.kind IN $incident_kinds AND e.date <= $as_of AND e.date >= $as_of - to_months($lookback_months)
  AND police.kind IN $recorder_kinds
WITH e, police, ab, child,  // a child recorded present who does not live at the incident's address
     CASE WHEN e.date IN $deadline_on_saturday THEN e.date + to_days($days_from_saturday)
          WHEN e.date IN $deadline_on_sunday THEN e.date + to_days($days_from_sunday)
          ELSE e.date + to_days($days) END AS deadline
WHERE deadline < $as_of AND child.role = 'child' AND ab.involvement = 'present'
// lives there: the child's own homes against the event's address, one hop from each (a NOT EXISTS {} over the
// two-hop path joined every LIVES_AT link of the store)
OPTIONAL MATCH (e)-[:OCCURRED_AT]->(ax:Address)
OPTIONAL MATCH (child)-[lx:LIVES_AT]->(home:Address)
WITH e, police, ab, child, deadline,
     count(CASE WHEN home = ax AND lx.from_date <= e.date AND (lx.to_date IS NULL OR lx.to_date >= e.date) THEN 1 END) AS lives_there
WHERE lives_there = 0
OPTIONAL MATCH (e)-[:OCCURRED_AT]->(addr:Address)
WITH e, police, ab, child, deadline, addr
OPTIONAL MATCH (child)-[kt:KNOWN_TO]->(t:Agency)
WHERE t.kind IN $told_kinds AND kt.since <= e.date AND (kt.until IS NULL OR kt.until >= e.date)
WITH e, addr, police, child, ab, deadline, collect(t.id) AS child_agencies
OPTIONAL MATCH (e)-[s:SHARED_WITH]->(told:Agency)
WITH e, addr, police, child, ab, deadline, child_agencies,
     sum(CASE WHEN told.id IN child_agencies AND s.date >= e.date AND s.date <= deadline
                   AND s.date <= $as_of THEN 1 ELSE 0 END) AS told_in_time
WHERE told_in_time = 0
RETURN 'domestic_abuse_child_not_told' AS pattern, e.id AS event_id, e.date AS event_date, e.summary AS event_summary,
       police.id AS police_agency, e.source_record AS police_record, addr.id AS address_id, addr.postcode AS postcode,
       child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       child.dob AS child_dob, CASE WHEN false THEN e.date END AS lived_since, deadline AS told_deadline,
       child_agencies, true AS child_present,
       [e.id, child.id] AS path_nodes, ['ABOUT'] AS path_rels,
       [e.source_agency + ':' + e.source_record, ab.source_agency + ':' + ab.source_record] AS sources
