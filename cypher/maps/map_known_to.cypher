// name: map_known_to
// title: "Map: which agency knows each person"
// description: KNOWN_TO records of the given people that overlap the window, with the record's flags.
// parameters:
//   ids: {type: "list[str]", default: [], description: "Person record ids."}
//   from_date: {type: date, default: today, description: "Start of the window (the record must not have closed before it)."}
//   to_date: {type: date, default: today, description: "End of the window (the record must have opened by then)."}
// columns:
//   person_id: the person
//   agency_id: the agency holding a record
//   record_id: the agency's record id
//   since: when the record opened
//   until: when it closed (empty while open)
//   mappa: MAPPA flag
//   mappa_level: MAPPA level (1-3) when the record gives it
//   mappa_category: MAPPA category (1-4) when the record gives it
//   da_perpetrator: domestic-abuse perpetrator flag
//   sex_offender: sex-offender flag
//   violence: violence flag
//   cp_plan: child protection plan flag
//   cin: child in need flag
//   looked_after: looked-after child flag
//   source_agency: the agency whose record states it
//   source_record: that agency's record id
// why: Each agency holds a piece; the map shows who holds which piece about whom.
UNWIND $ids AS wanted  // one id at a time through the primary key: see docs/engine-notes.md
WITH DISTINCT wanted
MATCH (p:Person {id: wanted})
OPTIONAL MATCH (p)-[k:KNOWN_TO]->(a:Agency)
WITH p, k, a
WHERE a IS NOT NULL AND (k.since IS NULL OR k.since <= $to_date) AND (k.until IS NULL OR k.until >= $from_date)
RETURN p.id AS person_id, a.id AS agency_id, k.record_id AS record_id, k.since AS since, k.until AS until,
       k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       k.violence AS violence, k.cp_plan AS cp_plan, k.cin AS cin, k.looked_after AS looked_after,
       k.source_agency AS source_agency, k.source_record AS source_record
ORDER BY person_id, agency_id, record_id
