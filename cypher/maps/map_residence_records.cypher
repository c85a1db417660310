// name: map_residence_records
// title: "Map: residences agencies know only by their own record id at a set of addresses"
// description: The RESIDENCE_RECORD rows (a residence row naming the source agency's record of the resident, with no person record) at the given addresses that overlap the window.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Address ids."}
//   from_date: {type: date, default: today, description: "Start of the window."}
//   to_date: {type: date, default: today, description: "End of the window."}
// columns:
//   agency_id: the agency that knows of the resident
//   address_id: the address
//   record_id: the agency's own record id of the resident
//   from_date: resident from
//   to_date: resident until (empty while current)
//   source_agency: the agency whose record states it
//   source_record: that agency's record id of the residence row
// why: Someone a housing or other agency knows lives with the child, with no person record anywhere, is still someone in the child's home.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (a:Address {id: wanted})
OPTIONAL MATCH (ag:Agency)-[r:RESIDENCE_RECORD]->(a)
WITH ag, r, a  // barrier: LadybugDB 0.22 dropped relationship date tests otherwise
WHERE ag IS NOT NULL
  AND (r.from_date IS NULL OR r.from_date <= $to_date) AND (r.to_date IS NULL OR r.to_date >= $from_date)
RETURN ag.id AS agency_id, a.id AS address_id, r.record_id AS record_id, r.from_date AS from_date, r.to_date AS to_date,
       r.source_agency AS source_agency, r.source_record AS source_record
