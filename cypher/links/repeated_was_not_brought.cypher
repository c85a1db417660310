// name: repeated_was_not_brought
// title: Repeated "was not brought" - a child repeatedly not brought to health appointments
// description: >
//   Children with at least min_count was_not_brought events dated within `months` months up to as_of, or at
//   least baby_min_count for a baby (younger than baby_limit_years at as_of). One row per child.
// parameters:
//   as_of: {type: date, default: today, description: "End of the look-back window."}
//   months: {type: int, default: 12, description: "Length of the look-back window in months."}
//   min_count: {type: int, default: 3, description: "How many missed appointments make a finding."}
//   baby_min_count: {type: int, default: 2, description: "How many make a finding for a baby (local 'was not brought' policies: a baby under one not brought twice is a concern)."}
//   baby_limit_years: {type: int, default: 1, description: "Children younger than this at as_of count as babies."}
//   event_kinds: {type: "list[str]", default: [was_not_brought], description: "Event kinds counted."}
// unordered: [[event_dates, event_ids, event_kinds, agencies, sources]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   pattern: repeated_was_not_brought
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   threshold: the count that applied (baby_min_count for a baby, else min_count)
//   count: number of appointments the child was not brought to in the window
//   event_ids: those events
//   event_dates: their dates (same order)
//   event_kinds: their kinds (same order)
//   agencies: the recording agencies (same order)
//   sources: source agency and record of each event (same order)
// why: >
//   A child cannot take themself to the doctor: "was not brought" (not "did not attend") is a neglect indicator,
//   and repeated missed health appointments recur in reviews of children who died of neglect.
MATCH (e:Event)-[:ABOUT]->(child:Person)
WHERE child.role = 'child' AND e.kind IN $event_kinds
  AND e.date <= $as_of AND e.date >= $as_of - duration({months: $months})
MATCH (e)-[:RECORDED_BY]->(ag:Agency)
WITH child, collect(e.id) AS event_ids, collect(e.date) AS event_dates, collect(e.kind) AS event_kinds,
     collect(ag.id) AS agencies, collect(e.source_agency + ':' + e.source_record) AS sources, count(DISTINCT e.id) AS n
WITH child, event_ids, event_dates, event_kinds, agencies, sources, n,
     CASE WHEN child.dob > $as_of - duration({years: $baby_limit_years}) THEN $baby_min_count ELSE $min_count END AS threshold
WHERE n >= threshold
RETURN 'repeated_was_not_brought' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       threshold, n AS count, event_ids, event_dates, event_kinds, agencies, sources
