// name: cumulative_harm
// title: Cumulative harm - repeated contacts or referrals about one child, each closed with no further action
// description: >
//   Children with at least min_count contacts or referrals dated within `months` months up to as_of that were
//   each closed with outcome nfa (no further action). A referral's outcome as the receiving agency decided it
//   (event_agencies outcome, decided by as_of) counts before the event's own outcome, the referrer's record.
//   One row per child.
// parameters:
//   as_of: {type: date, default: today, description: "End of the look-back window."}
//   months: {type: int, default: 12, description: "Length of the look-back window in months."}
//   min_count: {type: int, default: 3, description: "How many NFA contacts or referrals make a finding."}
//   event_kinds: {type: "list[str]", default: [contact, referral], description: "Event kinds counted."}
//   outcome: {type: str, default: nfa, description: "Outcome counted (nfa = no further action)."}
// unordered: [[event_dates, event_ids, event_kinds, agencies, sources]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   pattern: cumulative_harm
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   count: number of NFA contacts or referrals in the window
//   event_ids: those events
//   event_dates: their dates (same order)
//   event_kinds: their kinds (same order)
//   agencies: the recording agencies (same order)
//   sources: source agency and record of each event (same order)
// why: >
//   Reviews repeatedly find children referred again and again, each contact judged alone and closed with no
//   further action, so that the accumulating pattern of neglect was never seen as a whole.
MATCH (e:Event)-[:ABOUT]->(child:Person)
WHERE child.role = 'child' AND e.kind IN $event_kinds
  AND e.date <= $as_of AND e.date >= $as_of - duration({months: $months})
OPTIONAL MATCH (e)-[ro:REFERRED_TO]->(:Agency)  // the receiving agency's decision, when recorded by as_of
WHERE ro.outcome IS NOT NULL AND (ro.outcome_date IS NULL OR ro.outcome_date <= $as_of)
WITH e, child, count(ro) AS decided, count(CASE WHEN ro.outcome = $outcome THEN 1 END) AS decided_as_outcome
WHERE decided_as_outcome > 0 OR (decided = 0 AND e.outcome = $outcome)
OPTIONAL MATCH (e)-[:RECORDED_BY]->(ag:Agency)  // per row: a MATCH after the WITH joined every event's RECORDED_BY link
WITH e, child, ag
WHERE ag.id IS NOT NULL
WITH child, collect(e.id) AS event_ids, collect(e.date) AS event_dates, collect(e.kind) AS event_kinds,
     collect(ag.id) AS agencies, collect(e.source_agency + ':' + e.source_record) AS sources, count(DISTINCT e.id) AS n
WHERE n >= $min_count
RETURN 'cumulative_harm' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       n AS count, event_ids, event_dates, event_kinds, agencies, sources
