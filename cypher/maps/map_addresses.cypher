// name: map_addresses
// title: "Map: addresses by id"
// description: The properties and source record of the given addresses.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Address ids."}
// columns:
//   id: address id
//   postcode: postcode
//   uprn: unique property reference number, if known
//   source_agency: the agency whose record this is
//   source_record: that agency's record id
// why: Every node on a map shows the record it comes from.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (a:Address {id: wanted})
RETURN a.id AS id, a.postcode AS postcode, a.uprn AS uprn, a.source_agency AS source_agency, a.source_record AS source_record
