// name: map_referred_to
// title: "Map: referrals made by a set of events"
// description: REFERRED_TO relationships from the given events, with the referral date and whether the referrer was told the outcome.
// parameters:
//   event_ids: {type: "list[str]", default: [], description: "Event ids."}
// columns:
//   event_id: the referring event
//   agency_id: the agency referred to
//   date: date of the referral
//   feedback_date: when the referrer was told the outcome (empty = never told)
//   source_agency: the agency whose record states it
//   source_record: that agency's record id
//   kind: the relationship's kind, which with event_id and agency_id is its key
// why: A referral without feedback leaves the referrer blind to what happened next.
UNWIND $event_ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (e:Event {id: wanted})
OPTIONAL MATCH (e)-[r:REFERRED_TO]->(a:Agency)
WITH e, r, a
WHERE a IS NOT NULL
RETURN e.id AS event_id, a.id AS agency_id, r.date AS date, r.feedback_date AS feedback_date,
       r.source_agency AS source_agency, r.source_record AS source_record, r.kind AS kind
