// name: hidden_men
// title: Hidden men - a man in the child's life whom children's social care has no record of
// description: >
//   Adult men known to police, probation or substance-misuse services who live at the child's current address,
//   are recorded as a household member, parent, step-parent or carer of the child, or are the partner of the child's parent, where the child
//   is known to children's social care but not this man: where CSC records the child's household
//   (csc_households.csv), he is not in it (nor is a record SAME_AS-linked to him), whatever CSC knows of him
//   elsewhere; without one, he has no record with CSC (nor has any record SAME_AS-linked to him).
//   One row per (child, man, agency record, link, CSC record of the child); graphcase links groups them by (child_id, adult_id).
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
//   csc_household_size: people CSC records in the child's household at as_of (0 = CSC records no household for the child; then the man has no CSC record, own or linked)
//   csc_status: adult_absent (CSC knows the child but not this man in the child's life - absent from CSC's record of the household, or without one no CSC record of him)
//   linked_record_id: the record the agency knows when it is not the man's own, SAME_AS-linked to him (empty = own record)
//   linkage_probability: the SAME_AS match probability the row relies on (empty = no linkage)
//   linkage_decided_by: the model threshold or human review that made that link
//   link: same_address, household_member, related_to (parent, step-parent or carer of the child) or partner_of_parent
//   link_detail: postcode, or the parent
//   link_since: when the connection began
//   path_nodes: ids along the evidence path, man first (the linked record first when there is one)
//   path_rels: relationship types along the path
//   sources: source agency and record of the man's record, the child's CSC record and each relationship on the path
// why: >
//   The Child Safeguarding Practice Review Panel's "The Myth of Invisible Men" (2021): babies were harmed by
//   fathers and new partners known to police, probation or substance-misuse services who were invisible to
//   the professionals working with the child, because they did not know the men had contact with the child.
MATCH (ag:Agency)
WHERE ag.kind IN $agency_kinds  // start from the man's few records (agencies by kind, records by adjacency)
MATCH (ag)<-[k:KNOWN_TO]-(adult:Person)
WHERE k.since <= $as_of
WITH ag, k, adult
WHERE adult.role = 'adult' AND adult.sex = 'male'
MATCH (adult)-[la:LIVES_AT]->(addr:Address)<-[lc:LIVES_AT]-(child:Person)
WITH ag, k, adult, la, addr, lc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE child.role = 'child'
  AND la.from_date <= $as_of AND (la.to_date IS NULL OR la.to_date >= $as_of)
  AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child: a MATCH here scanned every KNOWN_TO
WHERE csc.kind = $csc_kind AND ck.since <= $as_of
WITH ag, k, adult, la, addr, lc, child, csc, ck
WHERE ck IS NOT NULL
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency)  // CSC has no record of him: counted per man, not a subquery per row
WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH ag, k, adult, la, addr, lc, child, csc, ck, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH ag, k, adult, la, addr, lc, child, csc, ck, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member.id = adult.id THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
WITH ag, k, adult, la, addr, lc, child, csc, ck, adult_csc_records, csc_household_size,
     COUNT { MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of } > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       'same_address' AS link, addr.postcode AS link_detail,
       CASE WHEN la.from_date > lc.from_date THEN la.from_date ELSE lc.from_date END AS link_since,
       [adult.id, addr.id, child.id] AS path_nodes, ['LIVES_AT', 'LIVES_AT'] AS path_rels,
       [k.source_agency + ':' + k.source_record, ck.source_agency + ':' + ck.source_record,
        la.source_agency + ':' + la.source_record, lc.source_agency + ':' + lc.source_record] AS sources
UNION
MATCH (ag:Agency)
WHERE ag.kind IN $agency_kinds  // start from the man's few records (agencies by kind, records by adjacency)
MATCH (ag)<-[k:KNOWN_TO]-(adult:Person)
WHERE k.since <= $as_of
WITH ag, k, adult
WHERE adult.role = 'adult' AND adult.sex = 'male'
MATCH (adult)-[r:RELATED_TO]-(child:Person)
WITH ag, k, adult, r, child
WHERE child.role = 'child' AND r.kind IN $relationship_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child: a MATCH here scanned every KNOWN_TO
WHERE csc.kind = $csc_kind AND ck.since <= $as_of
WITH ag, k, adult, r, child, csc, ck
WHERE ck IS NOT NULL
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency)  // CSC has no record of him: counted per man, not a subquery per row
WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH ag, k, adult, r, child, csc, ck, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH ag, k, adult, r, child, csc, ck, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member.id = adult.id THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
WITH ag, k, adult, r, child, csc, ck, adult_csc_records, csc_household_size,
     COUNT { MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of } > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       CASE r.kind WHEN 'household_member' THEN 'household_member' ELSE 'related_to' END AS link, r.kind AS link_detail, r.from_date AS link_since,
       [adult.id, child.id] AS path_nodes, ['RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, ck.source_agency + ':' + ck.source_record,
        r.source_agency + ':' + r.source_record] AS sources
UNION
MATCH (ag:Agency)
WHERE ag.kind IN $agency_kinds  // start from the man's few records (agencies by kind, records by adjacency)
MATCH (ag)<-[k:KNOWN_TO]-(adult:Person)
WHERE k.since <= $as_of
WITH ag, k, adult
WHERE adult.role = 'adult' AND adult.sex = 'male'
MATCH (adult)-[rp:RELATED_TO]-(parent:Person)-[rc:RELATED_TO]-(child:Person)
WITH ag, k, adult, rp, parent, rc, child
WHERE rc.kind IN $parent_kinds AND rp.kind = 'partner' AND parent.role = 'adult' AND child.role = 'child'
  AND adult.id <> parent.id
  AND (rp.from_date IS NULL OR rp.from_date <= $as_of) AND (rp.to_date IS NULL OR rp.to_date >= $as_of)
  AND (rc.from_date IS NULL OR rc.from_date <= $as_of) AND (rc.to_date IS NULL OR rc.to_date >= $as_of)
OPTIONAL MATCH (child)-[ck:KNOWN_TO]->(csc:Agency)  // per child: a MATCH here scanned every KNOWN_TO
WHERE csc.kind = $csc_kind AND ck.since <= $as_of
WITH ag, k, adult, rp, parent, rc, child, csc, ck
WHERE ck IS NOT NULL
OPTIONAL MATCH (adult)-[ak:KNOWN_TO]->(c2:Agency)  // CSC has no record of him: counted per man, not a subquery per row
WHERE c2.kind = $csc_kind AND ak.since <= $as_of
WITH ag, k, adult, rp, parent, rc, child, csc, ck, count(ak) AS adult_csc_records
OPTIONAL MATCH (child)-[hh:CSC_HOUSEHOLD]->(member:Person)  // CSC's record of the child's household at as_of
WHERE hh.from_date <= $as_of AND (hh.to_date IS NULL OR hh.to_date >= $as_of)
WITH ag, k, adult, rp, parent, rc, child, csc, ck, adult_csc_records, count(hh) AS csc_household_size,
     count(CASE WHEN member.id = adult.id THEN 1 END) AS adult_in_csc_household
WHERE (csc_household_size = 0 AND adult_csc_records = 0) OR (csc_household_size > 0 AND adult_in_csc_household = 0)
WITH ag, k, adult, rp, parent, rc, child, csc, ck, adult_csc_records, csc_household_size,
     COUNT { MATCH (adult)-[:SAME_AS]-(mo1:Person)-[mk1:KNOWN_TO]->(mg1:Agency) WHERE mg1.kind = $csc_kind AND mk1.since <= $as_of } > 0 AS adult_csc_via_linkage
WHERE (csc_household_size = 0 AND NOT adult_csc_via_linkage)  // no household record: no CSC record of him, own or linked
   OR (csc_household_size > 0  // else: absent from CSC's record of the household, nor a record linked to him in it
       AND NOT EXISTS { MATCH (adult)-[:SAME_AS]-(hm1:Person)<-[hl1:CSC_HOUSEHOLD]-(child) WHERE hl1.from_date <= $as_of AND (hl1.to_date IS NULL OR hl1.to_date >= $as_of) }
      )
RETURN 'hidden_men' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       csc.id AS csc_agency, ck.record_id AS csc_record, ck.since AS csc_since,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       ag.id AS known_agency, ag.kind AS known_agency_kind, k.record_id AS known_record, k.since AS known_since,
       adult_csc_records, adult_csc_via_linkage, csc_household_size, 'adult_absent' AS csc_status,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       'partner_of_parent' AS link, 'partner of ' + parent.id + ' (' + rc.kind + ')' AS link_detail,
       CASE WHEN rp.from_date IS NULL THEN rc.from_date WHEN rc.from_date IS NULL OR rp.from_date > rc.from_date THEN rp.from_date ELSE rc.from_date END AS link_since,
       [adult.id, parent.id, child.id] AS path_nodes, ['RELATED_TO', 'RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, ck.source_agency + ':' + ck.source_record,
        rp.source_agency + ':' + rp.source_record, rc.source_agency + ':' + rc.source_record] AS sources
