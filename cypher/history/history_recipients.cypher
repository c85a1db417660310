// name: history_recipients
// title: "Case history: which agencies were told of each event (shared with, referred to)"
// description: One row per SHARED_WITH or REFERRED_TO relationship of the given events, with the date told and, for referrals, the date feedback reached the referrer (empty = never).
// parameters:
//   event_ids: {type: "list[str]", default: [], description: "Event ids."}
// columns:
//   event_id: event id
//   agency_id: agency told
//   agency_name: its name
//   agency_kind: its kind
//   how: shared_with or referred_to
//   date: date the agency was told
//   feedback_date: referral feedback date (empty when the referrer was never told the outcome)
//   source_agency: source agency of the sharing record
//   source_record: its record id
// why: >
//   "Who knew what, when": reviews ask, of each event, whether it reached the agencies working with the child,
//   and whether referrers were told what happened to their referral.
UNWIND $event_ids AS eid
MATCH (e:Event {id: eid})-[s:SHARED_WITH]->(ag:Agency)
RETURN e.id AS event_id, ag.id AS agency_id, ag.name AS agency_name, ag.kind AS agency_kind,
       'shared_with' AS how, s.date AS date, s.feedback_date AS feedback_date,
       s.source_agency AS source_agency, s.source_record AS source_record
UNION ALL
UNWIND $event_ids AS eid
MATCH (e:Event {id: eid})-[s:REFERRED_TO]->(ag:Agency)
RETURN e.id AS event_id, ag.id AS agency_id, ag.name AS agency_name, ag.kind AS agency_kind,
       'referred_to' AS how, s.date AS date, s.feedback_date AS feedback_date,
       s.source_agency AS source_agency, s.source_record AS source_record
