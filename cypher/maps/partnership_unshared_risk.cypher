// name: partnership_unshared_risk
// title: "Partnership: agencies working with children in households where another agency held a risk"
// description: >
//   One row per (agency working with a child, agency holding a risk about an adult of the child's household,
//   adult, child) in the window: the adult lived at the child's address, the holder's record of the adult is
//   flagged MAPPA, violence, domestic-abuse perpetrator or sexual offence, and the other agency had an open
//   record of the child. told: the holder referred or shared an event about that adult with the agency.
// parameters:
//   from_date: {type: date, default: today, description: "Window start: records and addresses overlapping the window count."}
//   to_date: {type: date, default: today, description: "Window end."}
// columns:
//   agency_id: the agency working with the child
//   holder_id: the agency holding the risk
//   adult_id: the adult the risk is about
//   child_id: the child
//   told: the holder referred or shared at least one event about the adult with the agency
// why: An agency that works with a child but is never told of the risk another agency holds about an adult in the child's home cannot protect the child; that, and only that, is "never told" on the partnership map.
MATCH (holder:Agency)<-[k:KNOWN_TO]-(adult:Person)
WHERE (holder.kind = 'probation' OR k.mappa = true OR k.violence = true OR k.da_perpetrator = true OR k.sex_offender = true)
  AND k.since <= $to_date AND (k.until IS NULL OR k.until >= $from_date)
WITH holder, adult
WHERE adult.role = 'adult'
MATCH (adult)-[la:LIVES_AT]->(addr:Address)<-[lc:LIVES_AT]-(child:Person)
WITH holder, adult, la, lc, child  // barrier: LadybugDB dropped relationship date tests otherwise
WHERE child.role = 'child'
  AND la.from_date <= $to_date AND (la.to_date IS NULL OR la.to_date >= $from_date)
  AND lc.from_date <= $to_date AND (lc.to_date IS NULL OR lc.to_date >= $from_date)
MATCH (child)-[kc:KNOWN_TO]->(worker:Agency)
WITH holder, adult, child, kc, worker
WHERE worker.id <> holder.id AND kc.since <= $to_date AND (kc.until IS NULL OR kc.until >= $from_date)
WITH DISTINCT worker, holder, adult, child
WITH worker, holder, adult, child,
     (EXISTS { MATCH (holder)<-[:RECORDED_BY]-(e:Event)-[:SHARED_WITH]->(worker) WHERE (e)-[:ABOUT]->(adult) }
      OR EXISTS { MATCH (holder)<-[:RECORDED_BY]-(e:Event)-[:REFERRED_TO]->(worker) WHERE (e)-[:ABOUT]->(adult) }) AS told
RETURN worker.id AS agency_id, holder.id AS holder_id, adult.id AS adult_id, child.id AS child_id, told
ORDER BY agency_id, holder_id, adult_id, child_id
