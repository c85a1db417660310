// name: probation_adult_child_unknown_to_csc
// title: Adult known to probation connected to a child unknown to children's social care
// description: Adults with a probation record who live at the same address as a child, or are related to a child, where the child has no record with children's social care. Record linkage (SAME_AS) counts, so a probation record of a record linked to the adult makes the adult known to probation, and a CSC record of a record linked to the child makes the child known to CSC.
// parameters:
//   as_of: {type: date, default: today, description: "Date the network is read at: addresses and relationships must be current then; records must have started by then."}
// columns:
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   adult_id: the adult's person record id
//   adult_name: the adult's name as recorded
//   probation_agency: the probation agency holding the adult's record
//   probation_record: the probation record id (source of "known to probation")
//   probation_since: when the probation record opened
//   probation_until: when it closed (empty while open)
//   mappa: the record carries the MAPPA flag
//   mappa_level: MAPPA level (1-3) when the record gives it
//   mappa_category: MAPPA category (1-4) when the record gives it
//   violence: the record carries the violence flag
//   da_perpetrator: the record carries the domestic-abuse perpetrator flag
//   sex_offender: the record carries the sex-offender flag
//   linked_record_id: the probation-known record when it is not the adult's own, SAME_AS-linked to the adult (empty = own record)
//   linkage_probability: the SAME_AS match probability the row relies on (empty = no linkage)
//   linkage_decided_by: the model threshold or human review that made that link
//   link: same_address or related_to
//   link_detail: the address postcode, or the kind of relationship
//   path_nodes: ids along the evidence path, adult first (the linked probation-known record first when there is one)
//   path_rels: relationship types along the path
//   link_sources: source agency and record of each relationship on the path
// why: >
//   Inspections (JTAI on neglect) found probation did not always share or seek information about children
//   linked to the adults it supervises. A child who lives with, or is parented by, an adult known to
//   probation, and whom children's social care has never recorded, may be invisible to the agency whose
//   job is to protect them.
MATCH (prob:Agency)
WHERE prob.kind = 'probation'  // the agency first: its few records by adjacency, not a scan of every KNOWN_TO
MATCH (prob)<-[k:KNOWN_TO]-(adult:Person)
WHERE k.since <= $as_of
WITH prob, k, adult
WHERE adult.role = 'adult'
MATCH (adult)-[la:LIVES_AT]->(addr:Address)<-[lc:LIVES_AT]-(child:Person)
WITH prob, k, adult, la, addr, lc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE child.role = 'child'
  AND la.from_date <= $as_of AND (la.to_date IS NULL OR la.to_date >= $as_of)
  AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child in hand (NOT EXISTS {} here joined every KNOWN_TO)
WHERE csc.kind = 'csc' AND ck.since <= $as_of
WITH prob, k, adult, la, addr, lc, child, count(ck) AS child_csc_records
WHERE child_csc_records = 0
OPTIONAL MATCH (child)-[:SAME_AS]-(co1:Person)-[ck1:KNOWN_TO]->(cg1:Agency)
WHERE cg1.kind = 'csc' AND ck1.since <= $as_of
WITH prob, k, adult, la, addr, lc, child, count(ck1) AS linked_csc_records
WHERE linked_csc_records = 0
RETURN child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       prob.id AS probation_agency, k.record_id AS probation_record, k.since AS probation_since,
       k.until AS probation_until, k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence,
       k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       [adult.id, addr.id, child.id] AS path_nodes, ['LIVES_AT', 'LIVES_AT'] AS path_rels,
       [la.source_agency + ':' + la.source_record, lc.source_agency + ':' + lc.source_record] AS link_sources
UNION
MATCH (prob:Agency)
WHERE prob.kind = 'probation'  // the agency first: its few records by adjacency, not a scan of every KNOWN_TO
MATCH (prob)<-[k:KNOWN_TO]-(adult:Person)
WHERE k.since <= $as_of
WITH prob, k, adult
WHERE adult.role = 'adult'
MATCH (adult)-[r:RELATED_TO]-(child:Person)
WITH prob, k, adult, r, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE child.role = 'child'
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child in hand (NOT EXISTS {} here joined every KNOWN_TO)
WHERE csc.kind = 'csc' AND ck.since <= $as_of
WITH prob, k, adult, r, child, count(ck) AS child_csc_records
WHERE child_csc_records = 0
OPTIONAL MATCH (child)-[:SAME_AS]-(co1:Person)-[ck1:KNOWN_TO]->(cg1:Agency)
WHERE cg1.kind = 'csc' AND ck1.since <= $as_of
WITH prob, k, adult, r, child, count(ck1) AS linked_csc_records
WHERE linked_csc_records = 0
RETURN child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       prob.id AS probation_agency, k.record_id AS probation_record, k.since AS probation_since,
       k.until AS probation_until, k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence,
       k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       'related_to' AS link, r.kind AS link_detail,
       [adult.id, child.id] AS path_nodes, ['RELATED_TO'] AS path_rels,
       [r.source_agency + ':' + r.source_record] AS link_sources
UNION
MATCH (rec:Person)-[s:SAME_AS]-(adult:Person)  // the few SAME_AS links first; then OPTIONAL MATCH extends the rows in hand
WITH rec, s, adult
WHERE adult.role = 'adult'
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(prob:Agency)
WITH rec, s, adult, k, prob
WHERE k IS NOT NULL AND prob.kind = 'probation' AND k.since <= $as_of
OPTIONAL MATCH (adult)-[la:LIVES_AT]->(addr:Address)
WITH rec, s, adult, k, prob, la, addr
WHERE la IS NOT NULL AND la.from_date <= $as_of AND (la.to_date IS NULL OR la.to_date >= $as_of)
OPTIONAL MATCH (addr)<-[lc:LIVES_AT]-(child:Person)
WITH rec, s, adult, k, prob, la, addr, lc, child
WHERE lc IS NOT NULL AND child.role = 'child' AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child in hand (NOT EXISTS {} here joined every KNOWN_TO)
WHERE csc.kind = 'csc' AND ck.since <= $as_of
WITH rec, s, adult, k, prob, la, addr, lc, child, count(ck) AS child_csc_records
WHERE child_csc_records = 0
OPTIONAL MATCH (child)-[:SAME_AS]-(co1:Person)-[ck1:KNOWN_TO]->(cg1:Agency)
WHERE cg1.kind = 'csc' AND ck1.since <= $as_of
WITH rec, s, adult, k, prob, la, addr, lc, child, count(ck1) AS linked_csc_records
WHERE linked_csc_records = 0
RETURN child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       prob.id AS probation_agency, k.record_id AS probation_record, k.since AS probation_since,
       k.until AS probation_until, k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence,
       k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       [rec.id, adult.id, addr.id, child.id] AS path_nodes, ['SAME_AS', 'LIVES_AT', 'LIVES_AT'] AS path_rels,
       ['SAME_AS:' + s.method, la.source_agency + ':' + la.source_record, lc.source_agency + ':' + lc.source_record] AS link_sources
UNION
MATCH (rec:Person)-[s:SAME_AS]-(adult:Person)  // the few SAME_AS links first; then OPTIONAL MATCH extends the rows in hand
WITH rec, s, adult
WHERE adult.role = 'adult'
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(prob:Agency)
WITH rec, s, adult, k, prob
WHERE k IS NOT NULL AND prob.kind = 'probation' AND k.since <= $as_of
OPTIONAL MATCH (adult)-[r:RELATED_TO]-(child:Person)
WITH rec, s, adult, k, prob, r, child
WHERE r IS NOT NULL AND child.role = 'child' AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child in hand (NOT EXISTS {} here joined every KNOWN_TO)
WHERE csc.kind = 'csc' AND ck.since <= $as_of
WITH rec, s, adult, k, prob, r, child, count(ck) AS child_csc_records
WHERE child_csc_records = 0
OPTIONAL MATCH (child)-[:SAME_AS]-(co1:Person)-[ck1:KNOWN_TO]->(cg1:Agency)
WHERE cg1.kind = 'csc' AND ck1.since <= $as_of
WITH rec, s, adult, k, prob, r, child, count(ck1) AS linked_csc_records
WHERE linked_csc_records = 0
RETURN child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       prob.id AS probation_agency, k.record_id AS probation_record, k.since AS probation_since,
       k.until AS probation_until, k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence,
       k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       'related_to' AS link, r.kind AS link_detail,
       [rec.id, adult.id, child.id] AS path_nodes, ['SAME_AS', 'RELATED_TO'] AS path_rels,
       ['SAME_AS:' + s.method, r.source_agency + ':' + r.source_record] AS link_sources
