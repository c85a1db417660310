// name: referral_without_feedback
// title: Referral without feedback - the referrer was never told the outcome
// description: >
//   Referrals (REFERRED_TO) made more than `days` days before as_of whose referrer had not been told the outcome
//   by as_of (feedback_date empty or later than as_of). One row per (event, agency referred to).
// parameters:
//   as_of: {type: date, default: today, description: "Date the question is asked at."}
//   days: {type: int, default: 28, description: "Feedback is overdue when the referral is older than this many days."}
// unordered: [[about_ids, about_names]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   pattern: referral_without_feedback
//   event_id: the event that was referred
//   event_kind: its kind
//   event_date: its date
//   event_summary: its summary
//   referrer_agency: the agency that recorded the event and referred it
//   referrer_kind: its kind
//   referred_to: the agency referred to
//   referred_to_kind: its kind
//   referred_date: date of the referral
//   about_ids: people the event is about
//   about_names: their names (same order)
//   path_nodes: referrer, event, agency referred to
//   path_rels: relationship types along the path
//   sources: source agency and record of the event and of the referral
// why: >
//   Referrers who never hear back stop referring, and cannot add what they later see. "Working Together to
//   Safeguard Children" expects the referrer to be told the outcome; reviews find GPs, school nurses and schools
//   left in the dark.
// generated from referral_without_feedback.cypher by python -m graphcase.links_dialect: edit the main file
MATCH (from:Agency)<-[:RECORDED_BY]-(e:Event)-[r:REFERRED_TO]->(to:Agency)
WHERE r.date < $as_of - to_days($days) AND (r.feedback_date IS NULL OR r.feedback_date > $as_of)
OPTIONAL MATCH (e)-[:ABOUT]->(p:Person)
WITH e, r, to, from, collect(p.id) AS about_ids,
     collect(coalesce(p.given_name, '') + ' ' + coalesce(p.family_name, '')) AS about_names
RETURN 'referral_without_feedback' AS pattern, e.id AS event_id, e.kind AS event_kind, e.date AS event_date,
       e.summary AS event_summary, from.id AS referrer_agency, from.kind AS referrer_kind,
       to.id AS referred_to, to.kind AS referred_to_kind, r.date AS referred_date, about_ids, about_names,
       [from.id, e.id, to.id] AS path_nodes, ['RECORDED_BY', 'REFERRED_TO'] AS path_rels,
       [e.source_agency + ':' + e.source_record, r.source_agency + ':' + r.source_record] AS sources
