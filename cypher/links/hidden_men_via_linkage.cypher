// name: hidden_men_via_linkage
// title: Hidden men known to police, probation or substance-misuse services under a linked record (SAME_AS)
// description: >
//   The rows of hidden_men that exist only through record linkage: the agency knows a person record SAME_AS-linked
//   to the man in the child's life, or CSC knows the child under a record SAME_AS-linked to the child's, or both.
//   graphcase links runs it beside hidden_men when the store holds SAME_AS links; each row names every linked
//   record and linkage probability it relies on. link-records writes SAME_AS between every pair of records of a
//   resolved person, so one SAME_AS hop reaches the whole cluster.
// parameters:
//   as_of: {type: date, default: today, description: "Date the network is read at."}
//   agency_kinds: {type: "list[str]", default: [police, probation, substance_misuse], description: "Agency kinds whose record of the man matters."}
//   parent_kinds: {type: "list[str]", default: [parent, step_parent, carer], description: "Relationships that make someone the child's parent, for 'partner of the parent'."}
//   relationship_kinds: {type: "list[str]", default: [household_member, parent, step_parent, carer], description: "Relationship rows between the man and the child that connect them: a father known to police or probation is as invisible living elsewhere as living in."}
//   csc_kind: {type: str, default: csc, description: "Agency kind of children's social care."}
// columns:
//   pattern: hidden_men
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   child_dob: the child's date of birth
//   csc_agency: CSC agency that knows the child
//   csc_record: CSC's record of the child
//   csc_since: when CSC's record opened
//   adult_id: the man's person record id
//   adult_name: the man's name as recorded
//   known_agency: agency that knows the man
//   known_agency_kind: its kind
//   known_record: its record id
//   known_since: when it opened
//   adult_csc_records: number of CSC records of the man's own record
//   adult_csc_via_linkage: CSC has a record of a record SAME_AS-linked to the man
//   csc_household_size: people CSC records in the child's household at as_of (on the child record CSC knows, the linked one when CSC knows the child under another record; 0 = CSC records no household for the child; then the man has no CSC record, own or linked)
//   csc_status: adult_absent (CSC knows the child but not this man in the child's life - absent from CSC's record of the household, or without one no CSC record of him)
//   linked_record_id: the record the agency knows when it is not the man's own, SAME_AS-linked to him (empty = own record)
//   linkage_probability: the SAME_AS match probability the row relies on (empty = no linkage)
//   linkage_decided_by: the model threshold or human review that made that link
//   csc_linked_record_id: the record CSC knows when it is not the child's own, SAME_AS-linked to the child (empty = own record)
//   csc_linkage_probability: the SAME_AS match probability of that child-side link (empty = none)
//   csc_linkage_decided_by: the model threshold or human review that made it
//   link: same_address, household_member, related_to (parent, step-parent or carer of the child) or partner_of_parent
//   link_detail: postcode, or the parent
//   link_since: when the connection began
//   path_nodes: ids along the evidence path, man first (his linked record first when there is one; the child's linked CSC record last)
//   path_rels: relationship types along the path
//   sources: source agency and record of the man's record, the child's CSC record and each relationship on the path
// why: >
//   The Child Safeguarding Practice Review Panel's "The Myth of Invisible Men" (2021): babies were harmed by
//   fathers and new partners known to police, probation or substance-misuse services who were invisible to
//   the professionals working with the child, because they did not know the men had contact with the child.
MATCH (rec:Person)-[s:SAME_AS]-(adult:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH rec, s, adult
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH rec, s, adult, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (adult)-[la:LIVES_AT]->(addr:Address)
WITH rec, s, adult, k, ag, la, addr  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE la IS NOT NULL AND la.from_date <= $as_of AND (la.to_date IS NULL OR la.to_date >= $as_of)
OPTIONAL MATCH (addr)<-[lc:LIVES_AT]-(child:Person)
WITH rec, s, adult, k, ag, la, addr, lc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE lc IS NOT NULL AND lc.from_date <= $as_of
  AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)
WITH rec, s, adult, la, addr, lc, child, k, ag, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH rec, s, adult, la, addr, lc, child, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH rec, s, adult, la, addr, lc, child, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH rec, s, adult, la, addr, lc, child, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH rec, s, adult, la, addr, lc, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rec, s, la, addr, lc, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       CASE WHEN false THEN '' END AS csc_linked_record_id, CASE WHEN false THEN 0.0 END AS csc_linkage_probability,
       CASE WHEN false THEN '' END AS csc_linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       CASE WHEN la.from_date > lc.from_date THEN la.from_date ELSE lc.from_date END AS link_since,
       [rec.id, adult.id, addr.id, child.id] AS path_nodes, ['SAME_AS', 'LIVES_AT', 'LIVES_AT'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, ck.source_agency + ':' + ck.source_record, la.source_agency + ':' + la.source_record, lc.source_agency + ':' + lc.source_record] AS sources
UNION
MATCH (rec:Person)-[s:SAME_AS]-(adult:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH rec, s, adult
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH rec, s, adult, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (adult)-[r:RELATED_TO]-(child:Person)
WITH rec, s, adult, k, ag, r, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE r IS NOT NULL AND r.kind IN $relationship_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)
WITH rec, s, adult, r, child, k, ag, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH rec, s, adult, r, child, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH rec, s, adult, r, child, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH rec, s, adult, r, child, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH rec, s, adult, r, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rec, s, r, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       CASE WHEN false THEN '' END AS csc_linked_record_id, CASE WHEN false THEN 0.0 END AS csc_linkage_probability,
       CASE WHEN false THEN '' END AS csc_linkage_decided_by,
       CASE r.kind WHEN 'household_member' THEN 'household_member' ELSE 'related_to' END AS link, r.kind AS link_detail, r.from_date AS link_since,
       [rec.id, adult.id, child.id] AS path_nodes, ['SAME_AS', 'RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, ck.source_agency + ':' + ck.source_record, r.source_agency + ':' + r.source_record] AS sources
UNION
MATCH (rec:Person)-[s:SAME_AS]-(adult:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH rec, s, adult
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH rec, s, adult, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (adult)-[rp:RELATED_TO]-(parent:Person)
WITH rec, s, adult, k, ag, rp, parent  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rp IS NOT NULL AND rp.kind = 'partner' AND adult <> parent
  AND (rp.from_date IS NULL OR rp.from_date <= $as_of) AND (rp.to_date IS NULL OR rp.to_date >= $as_of)
OPTIONAL MATCH (parent)-[rc:RELATED_TO]-(child:Person)
WITH rec, s, adult, k, ag, rp, parent, rc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rc IS NOT NULL AND rc.kind IN $parent_kinds
  AND (rc.from_date IS NULL OR rc.from_date <= $as_of) AND (rc.to_date IS NULL OR rc.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)
WITH rec, s, adult, rp, parent, rc, child, k, ag, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH rec, s, adult, rp, parent, rc, child, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH rec, s, adult, rp, parent, rc, child, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH rec, s, adult, rp, parent, rc, child, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH rec, s, adult, rp, parent, rc, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rec, s, rp, parent, rc, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH rec, s, rp, rc, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, parent.id AS parent_id
MATCH (parent:Person {id: parent_id})
WHERE parent.role = 'adult'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       CASE WHEN false THEN '' END AS csc_linked_record_id, CASE WHEN false THEN 0.0 END AS csc_linkage_probability,
       CASE WHEN false THEN '' END AS csc_linkage_decided_by,
       'partner_of_parent' AS link, 'partner of ' + parent.id + ' (' + rc.kind + ')' AS link_detail,
       CASE WHEN rp.from_date IS NULL THEN rc.from_date WHEN rc.from_date IS NULL OR rp.from_date > rc.from_date THEN rp.from_date ELSE rc.from_date END AS link_since,
       [rec.id, adult.id, parent.id, child.id] AS path_nodes, ['SAME_AS', 'RELATED_TO', 'RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, ck.source_agency + ':' + ck.source_record, rp.source_agency + ':' + rp.source_record, rc.source_agency + ':' + rc.source_record] AS sources
UNION
MATCH (cscrec:Person)-[cs:SAME_AS]-(child:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH cscrec, cs, child
OPTIONAL MATCH (cscrec)-[ck:KNOWN_TO]->(csc:Agency)
WITH cscrec, cs, child, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (child)-[lc:LIVES_AT]->(addr:Address)
WITH cscrec, cs, child, ck, csc, lc, addr  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE lc IS NOT NULL AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (addr)<-[la:LIVES_AT]-(adult:Person)
WITH cscrec, cs, child, ck, csc, lc, addr, la, adult  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE la IS NOT NULL AND la.from_date <= $as_of
  AND (la.to_date IS NULL OR la.to_date >= $as_of)
OPTIONAL MATCH (adult)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH ck, csc, adult, la, addr, lc, child, cs, cscrec, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (child)-[ok:KNOWN_TO]->(oc:Agency) WHERE oc.kind = $csc_kind AND ok.since <= $as_of
WITH adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, count(ok) AS child_own_csc
WHERE child_own_csc = 0
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (cscrec)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(cscrec) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH adult, la, addr, lc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH la, addr, lc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH la, addr, lc, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec.id AS cscrec_id
MATCH (cscrec:Person {id: cscrec_id})
WHERE cscrec.role = 'child'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       cscrec.id AS csc_linked_record_id, cs.probability AS csc_linkage_probability, cs.decided_by AS csc_linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       CASE WHEN la.from_date > lc.from_date THEN la.from_date ELSE lc.from_date END AS link_since,
       [adult.id, addr.id, child.id, cscrec.id] AS path_nodes, ['LIVES_AT', 'LIVES_AT', 'SAME_AS'] AS path_rels,
       [k.source_agency + ':' + k.source_record, ck.source_agency + ':' + ck.source_record, la.source_agency + ':' + la.source_record, lc.source_agency + ':' + lc.source_record, 'SAME_AS:' + cs.method] AS sources
UNION
MATCH (cscrec:Person)-[cs:SAME_AS]-(child:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH cscrec, cs, child
OPTIONAL MATCH (cscrec)-[ck:KNOWN_TO]->(csc:Agency)
WITH cscrec, cs, child, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (child)-[r:RELATED_TO]-(adult:Person)
WITH cscrec, cs, child, ck, csc, r, adult  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE r IS NOT NULL AND r.kind IN $relationship_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (adult)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH ck, csc, adult, r, child, cs, cscrec, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (child)-[ok:KNOWN_TO]->(oc:Agency) WHERE oc.kind = $csc_kind AND ok.since <= $as_of
WITH adult, r, child, cs, cscrec, k, ag, ck, csc, count(ok) AS child_own_csc
WHERE child_own_csc = 0
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH adult, r, child, cs, cscrec, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (cscrec)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH adult, r, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH adult, r, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(cscrec) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH adult, r, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH r, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH r, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec.id AS cscrec_id
MATCH (cscrec:Person {id: cscrec_id})
WHERE cscrec.role = 'child'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       cscrec.id AS csc_linked_record_id, cs.probability AS csc_linkage_probability, cs.decided_by AS csc_linkage_decided_by,
       CASE r.kind WHEN 'household_member' THEN 'household_member' ELSE 'related_to' END AS link, r.kind AS link_detail, r.from_date AS link_since,
       [adult.id, child.id, cscrec.id] AS path_nodes, ['RELATED_TO', 'SAME_AS'] AS path_rels,
       [k.source_agency + ':' + k.source_record, ck.source_agency + ':' + ck.source_record, r.source_agency + ':' + r.source_record, 'SAME_AS:' + cs.method] AS sources
UNION
MATCH (cscrec:Person)-[cs:SAME_AS]-(child:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH cscrec, cs, child
OPTIONAL MATCH (cscrec)-[ck:KNOWN_TO]->(csc:Agency)
WITH cscrec, cs, child, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (child)-[rc:RELATED_TO]-(parent:Person)
WITH cscrec, cs, child, ck, csc, rc, parent  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rc IS NOT NULL AND rc.kind IN $parent_kinds
  AND (rc.from_date IS NULL OR rc.from_date <= $as_of) AND (rc.to_date IS NULL OR rc.to_date >= $as_of)
OPTIONAL MATCH (parent)-[rp:RELATED_TO]-(adult:Person)
WITH cscrec, cs, child, ck, csc, rc, parent, rp, adult  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rp IS NOT NULL AND rp.kind = 'partner'
  AND adult <> parent AND (rp.from_date IS NULL OR rp.from_date <= $as_of)
  AND (rp.to_date IS NULL OR rp.to_date >= $as_of)
OPTIONAL MATCH (adult)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH ck, csc, adult, rp, parent, rc, child, cs, cscrec, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (child)-[ok:KNOWN_TO]->(oc:Agency) WHERE oc.kind = $csc_kind AND ok.since <= $as_of
WITH adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, count(ok) AS child_own_csc
WHERE child_own_csc = 0
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (cscrec)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(cscrec) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH adult, rp, parent, rc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rp, parent, rc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH rp, parent, rc, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec.id AS cscrec_id
MATCH (cscrec:Person {id: cscrec_id})
WHERE cscrec.role = 'child'
WITH rp, rc, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec, parent.id AS parent_id
MATCH (parent:Person {id: parent_id})
WHERE parent.role = 'adult'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       cscrec.id AS csc_linked_record_id, cs.probability AS csc_linkage_probability, cs.decided_by AS csc_linkage_decided_by,
       'partner_of_parent' AS link, 'partner of ' + parent.id + ' (' + rc.kind + ')' AS link_detail,
       CASE WHEN rp.from_date IS NULL THEN rc.from_date WHEN rc.from_date IS NULL OR rp.from_date > rc.from_date THEN rp.from_date ELSE rc.from_date END AS link_since,
       [adult.id, parent.id, child.id, cscrec.id] AS path_nodes, ['RELATED_TO', 'RELATED_TO', 'SAME_AS'] AS path_rels,
       [k.source_agency + ':' + k.source_record, ck.source_agency + ':' + ck.source_record, rp.source_agency + ':' + rp.source_record, rc.source_agency + ':' + rc.source_record, 'SAME_AS:' + cs.method] AS sources
UNION
MATCH (cscrec:Person)-[cs:SAME_AS]-(child:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH cscrec, cs, child
OPTIONAL MATCH (cscrec)-[ck:KNOWN_TO]->(csc:Agency)
WITH cscrec, cs, child, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (child)-[lc:LIVES_AT]->(addr:Address)
WITH cscrec, cs, child, ck, csc, lc, addr  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE lc IS NOT NULL AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (addr)<-[la:LIVES_AT]-(adult:Person)
WITH cscrec, cs, child, ck, csc, lc, addr, la, adult  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE la IS NOT NULL AND la.from_date <= $as_of
  AND (la.to_date IS NULL OR la.to_date >= $as_of)
OPTIONAL MATCH (adult)-[s:SAME_AS]-(rec:Person)
WITH ck, csc, rec, s, adult, la, addr, lc, child, cs, cscrec
WHERE s IS NOT NULL
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH ck, csc, rec, s, adult, la, addr, lc, child, cs, cscrec, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (child)-[ok:KNOWN_TO]->(oc:Agency) WHERE oc.kind = $csc_kind AND ok.since <= $as_of
WITH rec, s, adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, count(ok) AS child_own_csc
WHERE child_own_csc = 0
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH rec, s, adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (cscrec)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH rec, s, adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH rec, s, adult, la, addr, lc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(cscrec) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH rec, s, adult, la, addr, lc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rec, s, la, addr, lc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH rec, s, la, addr, lc, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec.id AS cscrec_id
MATCH (cscrec:Person {id: cscrec_id})
WHERE cscrec.role = 'child'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       cscrec.id AS csc_linked_record_id, cs.probability AS csc_linkage_probability, cs.decided_by AS csc_linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       CASE WHEN la.from_date > lc.from_date THEN la.from_date ELSE lc.from_date END AS link_since,
       [rec.id, adult.id, addr.id, child.id, cscrec.id] AS path_nodes, ['SAME_AS', 'LIVES_AT', 'LIVES_AT', 'SAME_AS'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, ck.source_agency + ':' + ck.source_record, la.source_agency + ':' + la.source_record, lc.source_agency + ':' + lc.source_record, 'SAME_AS:' + cs.method] AS sources
UNION
MATCH (cscrec:Person)-[cs:SAME_AS]-(child:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH cscrec, cs, child
OPTIONAL MATCH (cscrec)-[ck:KNOWN_TO]->(csc:Agency)
WITH cscrec, cs, child, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (child)-[r:RELATED_TO]-(adult:Person)
WITH cscrec, cs, child, ck, csc, r, adult  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE r IS NOT NULL AND r.kind IN $relationship_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (adult)-[s:SAME_AS]-(rec:Person)
WITH ck, csc, rec, s, adult, r, child, cs, cscrec
WHERE s IS NOT NULL
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH ck, csc, rec, s, adult, r, child, cs, cscrec, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (child)-[ok:KNOWN_TO]->(oc:Agency) WHERE oc.kind = $csc_kind AND ok.since <= $as_of
WITH rec, s, adult, r, child, cs, cscrec, k, ag, ck, csc, count(ok) AS child_own_csc
WHERE child_own_csc = 0
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH rec, s, adult, r, child, cs, cscrec, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (cscrec)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH rec, s, adult, r, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH rec, s, adult, r, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(cscrec) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH rec, s, adult, r, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rec, s, r, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH rec, s, r, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec.id AS cscrec_id
MATCH (cscrec:Person {id: cscrec_id})
WHERE cscrec.role = 'child'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       cscrec.id AS csc_linked_record_id, cs.probability AS csc_linkage_probability, cs.decided_by AS csc_linkage_decided_by,
       CASE r.kind WHEN 'household_member' THEN 'household_member' ELSE 'related_to' END AS link, r.kind AS link_detail, r.from_date AS link_since,
       [rec.id, adult.id, child.id, cscrec.id] AS path_nodes, ['SAME_AS', 'RELATED_TO', 'SAME_AS'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, ck.source_agency + ':' + ck.source_record, r.source_agency + ':' + r.source_record, 'SAME_AS:' + cs.method] AS sources
UNION
MATCH (cscrec:Person)-[cs:SAME_AS]-(child:Person)  // the few SAME_AS links first; each step below extends the rows in hand
WITH cscrec, cs, child
OPTIONAL MATCH (cscrec)-[ck:KNOWN_TO]->(csc:Agency)
WITH cscrec, cs, child, ck, csc
WHERE ck IS NOT NULL AND csc.kind = $csc_kind AND ck.since <= $as_of
OPTIONAL MATCH (child)-[rc:RELATED_TO]-(parent:Person)
WITH cscrec, cs, child, ck, csc, rc, parent  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rc IS NOT NULL AND rc.kind IN $parent_kinds
  AND (rc.from_date IS NULL OR rc.from_date <= $as_of) AND (rc.to_date IS NULL OR rc.to_date >= $as_of)
OPTIONAL MATCH (parent)-[rp:RELATED_TO]-(adult:Person)
WITH cscrec, cs, child, ck, csc, rc, parent, rp, adult  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rp IS NOT NULL AND rp.kind = 'partner'
  AND adult <> parent AND (rp.from_date IS NULL OR rp.from_date <= $as_of)
  AND (rp.to_date IS NULL OR rp.to_date >= $as_of)
OPTIONAL MATCH (adult)-[s:SAME_AS]-(rec:Person)
WITH ck, csc, rec, s, adult, rp, parent, rc, child, cs, cscrec
WHERE s IS NOT NULL
OPTIONAL MATCH (rec)-[k:KNOWN_TO]->(ag:Agency)  // OPTIONAL MATCH: extends the rows in hand, no join over every KNOWN_TO
WITH ck, csc, rec, s, adult, rp, parent, rc, child, cs, cscrec, k, ag
WHERE k IS NOT NULL AND ag.kind IN $agency_kinds AND k.since <= $as_of
OPTIONAL MATCH (child)-[ok:KNOWN_TO]->(oc:Agency) WHERE oc.kind = $csc_kind AND ok.since <= $as_of
WITH rec, s, adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, count(ok) AS child_own_csc
WHERE child_own_csc = 0
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency) WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH rec, s, adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, count(ak) AS adult_csc_records
OPTIONAL MATCH (cscrec)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH rec, s, adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member = adult THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
OPTIONAL MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of
WITH rec, s, adult, rp, parent, rc, child, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, count(mk1) > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(cscrec) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
// each person re-found by key before the tests of role and sex: LadybugDB 0.22 reads a property of a node
// reached by a hop by scanning that column of every Person (~20 ms each at 1M people, even with no row left)
WITH rec, s, adult, rp, parent, rc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child.id AS child_id
MATCH (child:Person {id: child_id})
WHERE child.role = 'child'
WITH rec, s, rp, parent, rc, cs, cscrec, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult.id AS adult_id
MATCH (adult:Person {id: adult_id})
WHERE adult.role = 'adult' AND adult.sex = 'male'
WITH rec, s, rp, parent, rc, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec.id AS cscrec_id
MATCH (cscrec:Person {id: cscrec_id})
WHERE cscrec.role = 'child'
WITH rec, s, rp, rc, cs, k, ag, ck, csc, adult_csc_records, csc_household_size, adult_csc_via_linkage, child, adult, cscrec, parent.id AS parent_id
MATCH (parent:Person {id: parent_id})
WHERE parent.role = 'adult'
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       rec.id AS linked_record_id, s.probability AS linkage_probability, s.decided_by AS linkage_decided_by,
       cscrec.id AS csc_linked_record_id, cs.probability AS csc_linkage_probability, cs.decided_by AS csc_linkage_decided_by,
       'partner_of_parent' AS link, 'partner of ' + parent.id + ' (' + rc.kind + ')' AS link_detail,
       CASE WHEN rp.from_date IS NULL THEN rc.from_date WHEN rc.from_date IS NULL OR rp.from_date > rc.from_date THEN rp.from_date ELSE rc.from_date END AS link_since,
       [rec.id, adult.id, parent.id, child.id, cscrec.id] AS path_nodes, ['SAME_AS', 'RELATED_TO', 'RELATED_TO', 'SAME_AS'] AS path_rels,
       [k.source_agency + ':' + k.source_record, 'SAME_AS:' + s.method, ck.source_agency + ':' + ck.source_record, rp.source_agency + ':' + rp.source_record, rc.source_agency + ':' + rc.source_record, 'SAME_AS:' + cs.method] AS sources
