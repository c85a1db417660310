// name: partnership_referrals
// title: "Partnership: referrals between agencies, with feedback"
// description: Each referral dated in the window, with the agency that recorded the referring event, the agency referred to, the event's date, the referral's date and its feedback date.
// parameters:
//   from_date: {type: date, default: today, description: "Earliest referral date."}
//   to_date: {type: date, default: today, description: "Latest referral date."}
// columns:
//   from_agency: the agency that recorded the referring event
//   to_agency: the agency referred to
//   event_id: the referring event
//   event_date: when the event happened
//   referral_date: when the referral was made
//   feedback_date: when the referrer was told the outcome (empty = never)
// why: Referral without feedback is a named failure (the referrer never learns what happened and cannot add what they know); the days from event to referral say how quickly agencies act.
MATCH (e:Event)-[:RECORDED_BY]->(src:Agency)
MATCH (e)-[r:REFERRED_TO]->(dst:Agency)
WHERE r.date >= $from_date AND r.date <= $to_date
RETURN src.id AS from_agency, dst.id AS to_agency, e.id AS event_id, e.date AS event_date, r.date AS referral_date,
       r.feedback_date AS feedback_date
ORDER BY from_agency, to_agency, referral_date, event_id
