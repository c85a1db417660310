// name: under_fives_parent_risk
// title: Baby or under-five with a parent or carer known to adult mental health, probation or substance-misuse services
// description: >
//   Children under age_limit_years at as_of (under one flagged as such) with a current parent, step-parent or
//   carer who is known to one of the agency kinds. Everyone living at the child's address at as_of (household by
//   residence) and every current partner of a parent counts as a carer, whatever the relationship rows call them. One row per (child, adult, agency record);
//   graphcase links groups them by (child_id, adult_id).
// parameters:
//   as_of: {type: date, default: today, description: "Date ages and relationships are read at."}
//   age_limit_years: {type: int, default: 5, description: "Children younger than this many years at as_of."}
//   baby_limit_years: {type: int, default: 1, description: "Children younger than this are reported as under_one."}
//   agency_kinds: {type: "list[str]", default: [adult_mental_health, probation, substance_misuse], description: "Agency kinds whose record of the parent matters."}
//   parent_kinds: {type: "list[str]", default: [parent, step_parent, carer], description: "Relationships that make an adult the child's parent or carer."}
// columns:
//   pattern: under_fives_parent_risk
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   child_dob: the child's date of birth
//   age_band: under_one or under_five
//   adult_id: the parent or carer (or adult living with the child, or partner of a parent)
//   adult_name: their name as recorded
//   relationship: parent, step_parent or carer (a relationship row), lives_with (same current address) or partner_of_parent
//   agency: the agency that knows the adult
//   agency_kind: its kind
//   record: its record id
//   since: when the record opened
//   until: when it closed (empty while open)
//   linked_record_id: the record the agency knows when it is not the adult's own, SAME_AS-linked to the adult (empty = own record)
//   linkage_probability: the SAME_AS match probability the row relies on (empty = no linkage)
//   linkage_decided_by: the model threshold or human review that made that link
//   path_nodes: adult, then the address or parent when the link goes through one, then the child
//   path_rels: relationship types along the path
//   sources: source agency and record of the agency record and of each relationship on the path
// why: >
//   Babies under one are 35% of the children who die or are seriously harmed through abuse or neglect; a parent's
//   mental ill health, offending or substance misuse is known to adult services who may not know there is a baby.
MATCH (adult:Person)-[k:KNOWN_TO]->(ag:Agency)
WHERE adult.role = 'adult' AND ag.kind IN $agency_kinds AND k.since <= $as_of
WITH adult, k, ag  // LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (docs/engine-notes.md)
MATCH (adult)-[r:RELATED_TO]-(child:Person)
WITH adult, k, ag, r, child  // a barrier: LadybugDB 0.22 dropped the to_date test when this WHERE sat on the MATCH
WHERE child.role = 'child' AND r.kind IN $parent_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
  AND child.dob <= $as_of AND child.dob > $as_of - duration({years: $age_limit_years})
RETURN 'under_fives_parent_risk' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       CASE WHEN child.dob > $as_of - duration({years: $baby_limit_years}) THEN 'under_one' ELSE 'under_five' END AS age_band,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       r.kind AS relationship, ag.id AS agency, ag.kind AS agency_kind, k.record_id AS record,
       k.since AS since, k.until AS until,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       [adult.id, child.id] AS path_nodes, ['RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, r.source_agency + ':' + r.source_record] AS sources
UNION
MATCH (adult:Person)-[k:KNOWN_TO]->(ag:Agency)
WHERE adult.role = 'adult' AND ag.kind IN $agency_kinds AND k.since <= $as_of
WITH adult, k, ag  // LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (docs/engine-notes.md)
MATCH (adult)-[la:LIVES_AT]->(addr:Address)<-[lc:LIVES_AT]-(child:Person)
WITH adult, k, ag, la, addr, lc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE child.role = 'child'
  AND la.from_date <= $as_of AND (la.to_date IS NULL OR la.to_date >= $as_of)
  AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
  AND child.dob <= $as_of AND child.dob > $as_of - duration({years: $age_limit_years})
RETURN 'under_fives_parent_risk' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       CASE WHEN child.dob > $as_of - duration({years: $baby_limit_years}) THEN 'under_one' ELSE 'under_five' END AS age_band,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       'lives_with' AS relationship, ag.id AS agency, ag.kind AS agency_kind, k.record_id AS record,
       k.since AS since, k.until AS until,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       [adult.id, addr.id, child.id] AS path_nodes, ['LIVES_AT', 'LIVES_AT'] AS path_rels,
       [k.source_agency + ':' + k.source_record, la.source_agency + ':' + la.source_record,
        lc.source_agency + ':' + lc.source_record] AS sources
UNION
MATCH (adult:Person)-[k:KNOWN_TO]->(ag:Agency)
WHERE adult.role = 'adult' AND ag.kind IN $agency_kinds AND k.since <= $as_of
WITH adult, k, ag  // LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (docs/engine-notes.md)
MATCH (adult)-[rp:RELATED_TO]-(parent:Person)-[rc:RELATED_TO]-(child:Person)
WITH adult, k, ag, rp, parent, rc, child  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE rp.kind = 'partner' AND rc.kind IN $parent_kinds AND parent.role = 'adult' AND child.role = 'child'
  AND parent.id <> adult.id
  AND (rp.from_date IS NULL OR rp.from_date <= $as_of) AND (rp.to_date IS NULL OR rp.to_date >= $as_of)
  AND (rc.from_date IS NULL OR rc.from_date <= $as_of) AND (rc.to_date IS NULL OR rc.to_date >= $as_of)
  AND child.dob <= $as_of AND child.dob > $as_of - duration({years: $age_limit_years})
RETURN 'under_fives_parent_risk' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name, child.dob AS child_dob,
       CASE WHEN child.dob > $as_of - duration({years: $baby_limit_years}) THEN 'under_one' ELSE 'under_five' END AS age_band,
       adult.id AS adult_id, coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS adult_name,
       'partner_of_parent' AS relationship, ag.id AS agency, ag.kind AS agency_kind, k.record_id AS record,
       k.since AS since, k.until AS until,
       CASE WHEN false THEN '' END AS linked_record_id, CASE WHEN false THEN 0.0 END AS linkage_probability,
       CASE WHEN false THEN '' END AS linkage_decided_by,
       [adult.id, parent.id, child.id] AS path_nodes, ['RELATED_TO', 'RELATED_TO'] AS path_rels,
       [k.source_agency + ':' + k.source_record, rp.source_agency + ':' + rp.source_record,
        rc.source_agency + ':' + rc.source_record] AS sources
