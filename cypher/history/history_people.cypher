// name: history_people
// title: "Case history: the person records of a child's network"
// description: One row per person record id given, with the identifying details a chronology shows (and a pseudonymised export replaces).
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the child, or one person around the child: the chronology runs this once per person; an anchored look-up is sub-millisecond where an IN-list scans)."}
// columns:
//   person_id: the person record id
//   role: child or adult
//   given_name: given name as recorded
//   family_name: family name as recorded
//   dob: date of birth as recorded
//   sex: sex as recorded
//   nhs_number: NHS number when the record has one
//   source_agency: agency whose system holds the person record
//   source_record: that agency's record id
// why: >
//   A reviewer's chronology names each person and says where the person record came from; a person node is
//   one agency's record of a person, so the source travels with every name.
MATCH (p:Person {id: $person_id})
RETURN p.id AS person_id, p.role AS role, p.given_name AS given_name, p.family_name AS family_name,
       p.dob AS dob, p.sex AS sex, p.nhs_number AS nhs_number,
       p.source_agency AS source_agency, p.source_record AS source_record
