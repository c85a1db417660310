// name: history_recipients
// title: "Case history: which agencies were told of each event about a person (shared with, referred to)"
// description: One row per SHARED_WITH or REFERRED_TO relationship of the events ABOUT the person dated between $from and $to, with the date told and, for referrals, the date feedback reached the referrer (empty = never).
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the chronology runs this once per person of the network)."}
//   from: {type: date, default: "1900-01-01", description: "First event date included."}
//   to: {type: date, default: "2999-12-31", description: "Last event date included."}
// columns:
//   event_id: event id
//   agency_id: agency told
//   agency_name: its name
//   agency_kind: its kind
//   how: shared_with or referred_to
//   date: date the agency was told
//   feedback_date: referral feedback date (empty when the referrer was never told the outcome)
//   outcome: referrals, the receiving agency's decision (nfa, early_help, assessment, s47, ...) when recorded
//   outcome_date: when it was decided
//   source_agency: source agency of the sharing record
//   source_record: its record id
// why: >
//   "Who knew what, when": reviews ask, of each event, whether it reached the agencies working with the child,
//   and whether referrers were told what happened to their referral.
MATCH (p:Person {id: $person_id})<-[:ABOUT]-(e:Event)
WHERE e.date >= $from AND e.date <= $to
MATCH (e)-[s:SHARED_WITH]->(ag:Agency)
RETURN e.id AS event_id, ag.id AS agency_id, ag.name AS agency_name, ag.kind AS agency_kind,
       'shared_with' AS how, s.date AS date, s.feedback_date AS feedback_date, s.outcome AS outcome, s.outcome_date AS outcome_date,
       s.source_agency AS source_agency, s.source_record AS source_record
UNION ALL
MATCH (p:Person {id: $person_id})<-[:ABOUT]-(e:Event)
WHERE e.date >= $from AND e.date <= $to
MATCH (e)-[s:REFERRED_TO]->(ag:Agency)
RETURN e.id AS event_id, ag.id AS agency_id, ag.name AS agency_name, ag.kind AS agency_kind,
       'referred_to' AS how, s.date AS date, s.feedback_date AS feedback_date, s.outcome AS outcome, s.outcome_date AS outcome_date,
       s.source_agency AS source_agency, s.source_record AS source_record
