// name: partnership_referrals
// title: "Partnership: referrals between agencies, with feedback"
// description: For each pair of recording agency and agency referred to, the number of referrals dated in the window and how many never had feedback.
// parameters:
//   from_date: {type: date, default: today, description: "Earliest referral date."}
//   to_date: {type: date, default: today, description: "Latest referral date."}
// unordered: [[event_ids]]  # collect() lists: both stores sort them (graphcase/stores/values.py)
// columns:
//   from_agency: the agency that recorded the referring event
//   to_agency: the agency referred to
//   referrals: number of referrals
//   without_feedback: referrals whose referrer was never told the outcome
//   event_ids: the referring events
// why: Referral without feedback is a named failure (the referrer never learns what happened and cannot add what they know).
MATCH (e:Event)-[:RECORDED_BY]->(src:Agency)
MATCH (e)-[r:REFERRED_TO]->(dst:Agency)
WHERE r.date >= $from_date AND r.date <= $to_date
RETURN src.id AS from_agency, dst.id AS to_agency, count(*) AS referrals,
       sum(CASE WHEN r.feedback_date IS NULL THEN 1 ELSE 0 END) AS without_feedback, collect(e.id) AS event_ids
