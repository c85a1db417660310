// name: map_people
// title: "Map: person records by id"
// description: The properties and source record of the given person records.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Person record ids."}
// columns:
//   id: person record id
//   role: child or adult
//   given_name: given name as recorded
//   family_name: family name as recorded
//   dob: date of birth
//   sex: sex as recorded
//   nhs_number: NHS number, if recorded
//   source_agency: the agency whose record this is
//   source_record: that agency's record id
// why: Every node on a map shows the record it comes from.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
RETURN p.id AS id, p.role AS role, p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       p.sex AS sex, p.nhs_number AS nhs_number, p.source_agency AS source_agency, p.source_record AS source_record
