// name: risky_adult_unseen_child_via_linkage
// title: Risky adult connected to an unseen child, where the risk is held about a record linked to the adult (SAME_AS)
// description: >
//   The rows of risky_adult_unseen_child that exist only through record linkage: the risk record (probation,
//   flagged police, MAPPA) belongs to a person record SAME_AS-linked to the adult who is connected to the child.
//   graphcase links runs it beside risky_adult_unseen_child when the store holds SAME_AS links, and groups both
//   into the same findings; each row names the linked record and the linkage probability it relies on.
// parameters:
//   as_of: {type: date, default: today, description: "Date the network is read at: addresses and relationships current then; records opened by then."}
//   risk_agency_kinds: {type: "list[str]", default: [probation], description: "Agency kinds whose record alone makes an adult a risk."}
//   flagged_agency_kinds: {type: "list[str]", default: [police], description: "Agency kinds whose record makes an adult a risk when flagged violence, da_perpetrator or sex_offender (MAPPA counts from any agency)."}
//   relationship_kinds: {type: "list[str]", default: [parent, step_parent, carer, household_member, frequent_visitor], description: "Direct relationships between the adult and the child that count as a connection."}
//   parent_kinds: {type: "list[str]", default: [parent, step_parent, carer], description: "Relationships that make someone the child's parent, for 'partner of the parent'."}
//   csc_kind: {type: str, default: csc, description: "Agency kind of children's social care."}
// columns:
//   pattern: risky_adult_unseen_child
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   child_dob: the child's date of birth
//   adult_id: the adult's person record id
//   adult_name: the adult's name as recorded
//   risk_agency: agency holding the record that makes the adult a risk
//   risk_agency_kind: its kind
//   risk_record: the record id
//   risk_since: when that record opened
//   mappa: record flag
//   mappa_level: MAPPA level (1-3) when the record gives it
//   mappa_category: MAPPA category (1-4) when the record gives it
//   violence: record flag
//   da_perpetrator: record flag
//   sex_offender: record flag
//   child_csc_records: number of CSC records of the child's own record (0 = unknown to CSC under this record)
//   adult_csc_records: number of CSC records of the adult's own record (0 = not in CSC's record of the household)
//   child_csc_via_linkage: CSC has a record of a record linked to the child (SAME_AS; one hop reaches the whole resolved person, as link-records writes every pair), so CSC knows the child
//   adult_csc_via_linkage: CSC has a record of a record linked to the adult (SAME_AS; one hop reaches the whole resolved person, as link-records writes every pair), so CSC knows the adult
//   csc_household_size: people CSC records in the child's household at as_of (0 = CSC records no household for the child; then an adult with no CSC record of their own counts as absent)
//   csc_status: child_unknown (CSC has no record of the child, nor of a record linked to it) or adult_absent (CSC knows the child but this adult, nor a record linked to them, is not in CSC's record of the child's household; without one, CSC has no record of the adult)
//   linked_record_id: the record holding the risk when it is not the adult's own, SAME_AS-linked to the adult (empty = own record)
//   linkage_probability: the SAME_AS match probability the row relies on (empty = no linkage)
//   linkage_decided_by: the model threshold or human review that made that link
//   link: same_address, related_to or partner_of_parent
//   link_detail: postcode, or relationship kind(s)
//   link_since: when the connection began (the later move-in date for an address)
//   path_nodes: ids along the evidence path, adult first (the linked risk record first when there is one)
//   path_rels: relationship types along the path
//   sources: source agency and record of the risk record and of each relationship on the path
// why: >
//   Inspections (JTAI on neglect) found probation did not always share or seek information about children
//   linked to the adults it supervises. A child connected to a risky adult is unseen when children's social
//   care has no record of the child, or knows the child but not the adult in the child's life.
MATCH (adult:Person)-[s:SAME_AS]-(rec:Person)
WITH adult, rec, s  // start from the few SAME_AS links, then the risk records held about the linked record
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH extends the rows in hand; a MATCH or COUNT {} here joins every KNOWN_TO
WITH adult, k, ag, rec, s
WHERE k IS NOT NULL AND k.since <= $as_of
  AND (ag.kind IN $risk_agency_kinds OR k.mappa = true
       OR (ag.kind IN $flagged_agency_kinds AND (k.violence = true OR k.da_perpetrator = true OR k.sex_offender = true)))
OPTIONAL MATCH (adult)-[la:LIVES_AT]->(addr:Address)<-[lc:LIVES_AT]-(child:Person)
WITH adult, k, ag, rec, s, la, addr, lc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE la IS NOT NULL
  AND la.from_date <= $as_of AND (la.to_date IS NULL OR la.to_date >= $as_of)
  AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH adult, k, ag, rec, s, addr, la, lc, child, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(c1:Agency) WHERE c1.kind = $csc_kind AND ck.since <= $as_of
WITH adult, k, ag, rec, s, addr, la, lc, child, adult_csc_records, count(ck) AS child_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH adult, k, ag, rec, s, addr, la, lc, child, adult_csc_records, child_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE child_csc_records = 0 OR adult_csc_records = 0 OR csc_household_size > 0
OPTIONAL MATCH (child)-[:SAME_AS]-(lco1:Person)-[lck1:KNOWN_TO]->(lcg1:Agency) WHERE lcg1.kind = $csc_kind AND lck1.since <= $as_of
WITH adult, k, ag, rec, s, addr, la, lc, child, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, count(lck1) > 0 AS child_csc_via_linkage
OPTIONAL MATCH (adult)-[:SAME_AS]-(lao1:Person)-[lak1:KNOWN_TO]->(lag1:Agency) WHERE lag1.kind = $csc_kind AND lak1.since <= $as_of
WITH adult, k, ag, rec, s, addr, la, lc, child, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, count(lak1) > 0 AS adult_csc_via_linkage
WHERE (child_csc_records = 0 AND NOT child_csc_via_linkage)
   OR (csc_household_size = 0 AND adult_csc_records = 0 AND NOT adult_csc_via_linkage)
   OR (csc_household_size > 0 AND adult_in_csc_household = 0
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH adult, k, ag, rec, s, addr, la, lc, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH k, ag, rec, s, addr, la, lc, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult'
RETURN 'risky_adult_unseen_child' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS risk_agency, ag.kind AS risk_agency_kind, k.record_id AS risk_record, k.since AS risk_since,
       k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       child_csc_records, adult_csc_records, child_csc_via_linkage, adult_csc_via_linkage, csc_household_size,
       CASE WHEN child_csc_records = 0 AND NOT child_csc_via_linkage THEN 'child_unknown' ELSE 'adult_absent' END AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       CASE WHEN la.from_date > lc.from_date THEN la.from_date ELSE lc.from_date END AS link_since,
       [rec.id, adult.id, addr.id, child.id] AS path_nodes, ['SAME_AS', 'LIVES_AT', 'LIVES_AT'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, la.source_agency + ':' + la.source_record,
        lc.source_agency + ':' + lc.source_record] AS sources
UNION
MATCH (adult:Person)-[s:SAME_AS]-(rec:Person)
WITH adult, rec, s  // start from the few SAME_AS links, then the risk records held about the linked record
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH extends the rows in hand; a MATCH or COUNT {} here joins every KNOWN_TO
WITH adult, k, ag, rec, s
WHERE k IS NOT NULL AND k.since <= $as_of
  AND (ag.kind IN $risk_agency_kinds OR k.mappa = true
       OR (ag.kind IN $flagged_agency_kinds AND (k.violence = true OR k.da_perpetrator = true OR k.sex_offender = true)))
OPTIONAL MATCH (adult)-[r:RELATED_TO]-(child:Person)
WITH adult, k, ag, rec, s, r, child
WHERE r IS NOT NULL AND r.kind IN $relationship_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH adult, k, ag, rec, s, r, child, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(c1:Agency) WHERE c1.kind = $csc_kind AND ck.since <= $as_of
WITH adult, k, ag, rec, s, r, child, adult_csc_records, count(ck) AS child_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH adult, k, ag, rec, s, r, child, adult_csc_records, child_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE child_csc_records = 0 OR adult_csc_records = 0 OR csc_household_size > 0
OPTIONAL MATCH (child)-[:SAME_AS]-(lco1:Person)-[lck1:KNOWN_TO]->(lcg1:Agency) WHERE lcg1.kind = $csc_kind AND lck1.since <= $as_of
WITH adult, k, ag, rec, s, r, child, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, count(lck1) > 0 AS child_csc_via_linkage
OPTIONAL MATCH (adult)-[:SAME_AS]-(lao1:Person)-[lak1:KNOWN_TO]->(lag1:Agency) WHERE lag1.kind = $csc_kind AND lak1.since <= $as_of
WITH adult, k, ag, rec, s, r, child, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, count(lak1) > 0 AS adult_csc_via_linkage
WHERE (child_csc_records = 0 AND NOT child_csc_via_linkage)
   OR (csc_household_size = 0 AND adult_csc_records = 0 AND NOT adult_csc_via_linkage)
   OR (csc_household_size > 0 AND adult_in_csc_household = 0
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH adult, k, ag, rec, s, r, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH k, ag, rec, s, r, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult'
RETURN 'risky_adult_unseen_child' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS risk_agency, ag.kind AS risk_agency_kind, k.record_id AS risk_record, k.since AS risk_since,
       k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       child_csc_records, adult_csc_records, child_csc_via_linkage, adult_csc_via_linkage, csc_household_size,
       CASE WHEN child_csc_records = 0 AND NOT child_csc_via_linkage THEN 'child_unknown' ELSE 'adult_absent' END AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       'related_to' AS link, r.kind AS link_detail, r.from_date AS link_since,
       [rec.id, adult.id, child.id] AS path_nodes, ['SAME_AS', 'RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, r.source_agency + ':' + r.source_record] AS sources
UNION
MATCH (adult:Person)-[s:SAME_AS]-(rec:Person)
WITH adult, rec, s  // start from the few SAME_AS links, then the risk records held about the linked record
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH extends the rows in hand; a MATCH or COUNT {} here joins every KNOWN_TO
WITH adult, k, ag, rec, s
WHERE k IS NOT NULL AND k.since <= $as_of
  AND (ag.kind IN $risk_agency_kinds OR k.mappa = true
       OR (ag.kind IN $flagged_agency_kinds AND (k.violence = true OR k.da_perpetrator = true OR k.sex_offender = true)))
OPTIONAL MATCH (adult)-[rp:RELATED_TO]-(parent:Person)-[rc:RELATED_TO]-(child:Person)
WITH adult, k, ag, rec, s, rp, parent, rc, child
WHERE rp IS NOT NULL AND rp.kind = 'partner' AND rc.kind IN $parent_kinds
  AND parent <> adult
  AND (rp.from_date IS NULL OR rp.from_date <= $as_of) AND (rp.to_date IS NULL OR rp.to_date >= $as_of)
  AND (rc.from_date IS NULL OR rc.from_date <= $as_of) AND (rc.to_date IS NULL OR rc.to_date >= $as_of)
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH adult, k, ag, rec, s, rp, rc, parent, child, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(c1:Agency) WHERE c1.kind = $csc_kind AND ck.since <= $as_of
WITH adult, k, ag, rec, s, rp, rc, parent, child, adult_csc_records, count(ck) AS child_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH adult, k, ag, rec, s, rp, rc, parent, child, adult_csc_records, child_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE child_csc_records = 0 OR adult_csc_records = 0 OR csc_household_size > 0
OPTIONAL MATCH (child)-[:SAME_AS]-(lco1:Person)-[lck1:KNOWN_TO]->(lcg1:Agency) WHERE lcg1.kind = $csc_kind AND lck1.since <= $as_of
WITH adult, k, ag, rec, s, rp, rc, parent, child, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, count(lck1) > 0 AS child_csc_via_linkage
OPTIONAL MATCH (adult)-[:SAME_AS]-(lao1:Person)-[lak1:KNOWN_TO]->(lag1:Agency) WHERE lag1.kind = $csc_kind AND lak1.since <= $as_of
WITH adult, k, ag, rec, s, rp, rc, parent, child, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, count(lak1) > 0 AS adult_csc_via_linkage
WHERE (child_csc_records = 0 AND NOT child_csc_via_linkage)
   OR (csc_household_size = 0 AND adult_csc_records = 0 AND NOT adult_csc_via_linkage)
   OR (csc_household_size > 0 AND adult_in_csc_household = 0
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH adult, k, ag, rec, s, rp, rc, parent, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH k, ag, rec, s, rp, rc, parent, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult'
WITH k, ag, rec, s, rp, rc, adult_csc_records, child_csc_records, csc_household_size, adult_in_csc_household, child_csc_via_linkage, adult_csc_via_linkage, child, adult, parent.id AS parent_id
MATCH (parent:Person {id: parent_id})
WHERE parent.role = 'adult'
RETURN 'risky_adult_unseen_child' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS risk_agency, ag.kind AS risk_agency_kind, k.record_id AS risk_record, k.since AS risk_since,
       k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.violence AS violence, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       child_csc_records, adult_csc_records, child_csc_via_linkage, adult_csc_via_linkage, csc_household_size,
       CASE WHEN child_csc_records = 0 AND NOT child_csc_via_linkage THEN 'child_unknown' ELSE 'adult_absent' END AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       'partner_of_parent' AS link, 'partner of ' + parent.id + ' (' + rc.kind + ')' AS link_detail,
       CASE WHEN rp.from_date IS NULL THEN rc.from_date WHEN rc.from_date IS NULL OR rp.from_date > rc.from_date THEN rp.from_date ELSE rc.from_date END AS link_since,
       [rec.id, adult.id, parent.id, child.id] AS path_nodes, ['SAME_AS', 'RELATED_TO', 'RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, rp.source_agency + ':' + rp.source_record,
        rc.source_agency + ':' + rc.source_record] AS sources
