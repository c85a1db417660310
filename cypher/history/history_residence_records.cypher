// name: history_residence_records
// title: "Case history: residences agencies know only by their own record id, at a person's addresses while they lived there"
// description: One row per RESIDENCE_RECORD (a residence row naming the source agency's record of the resident, with no person record) at an address where the person lived, overlapping their stay.
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the chronology's child)."}
// columns:
//   address_id: the address
//   postcode: its postcode
//   agency_id: the agency that knows of the resident
//   agency_name: its name
//   agency_kind: its kind
//   record_id: the agency's own record id of the resident
//   from_date: resident from
//   to_date: resident until (empty while current)
//   source_agency: the agency whose record states it
//   source_record: that agency's record id of the residence row
// why: Someone an agency knows lives at the child's address, with no person record anywhere, is still someone in the child's home.
MATCH (p:Person {id: $person_id})-[l:LIVES_AT]->(a:Address)<-[r:RESIDENCE_RECORD]-(ag:Agency)
WITH l, a, r, ag  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE (r.to_date IS NULL OR l.from_date <= r.to_date) AND (l.to_date IS NULL OR r.from_date <= l.to_date)
RETURN DISTINCT a.id AS address_id, a.postcode AS postcode, ag.id AS agency_id, ag.name AS agency_name, ag.kind AS agency_kind,
       r.record_id AS record_id, r.from_date AS from_date, r.to_date AS to_date,
       r.source_agency AS source_agency, r.source_record AS source_record
