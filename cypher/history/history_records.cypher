// name: history_records
// title: "Case history: agency records (KNOWN_TO) of a set of people, with risk flags"
// description: One row per KNOWN_TO record of the given people, with its open and close dates and flags.
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the child, or one person around the child: the chronology runs this once per person; an anchored look-up is sub-millisecond where an IN-list scans)."}
// columns:
//   person_id: the person
//   agency_id: the agency holding the record
//   agency_name: its name
//   agency_kind: its kind
//   record_id: the agency's record id
//   since: record opened
//   until: record closed (empty while open)
//   mappa: MAPPA-managed
//   mappa_level: MAPPA level (1-3) when the record gives it
//   mappa_category: MAPPA category (1-4) when the record gives it
//   da_perpetrator: domestic-abuse perpetrator flag
//   sex_offender: sex-offender flag
//   violence: violence flag
//   cp_plan: child-protection plan flag
//   cin: child-in-need flag
//   looked_after: looked-after flag
//   source_agency: source agency
//   source_record: source record id
// why: >
//   Which agencies were working with the child at each date, and which held a risk about an adult in the
//   household, decide who should have been told.
MATCH (p:Person {id: $person_id})-[k:KNOWN_TO]->(ag:Agency)
RETURN p.id AS person_id, ag.id AS agency_id, ag.name AS agency_name, ag.kind AS agency_kind,
       k.record_id AS record_id, k.since AS since, k.until AS until,
       k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender,
       k.violence AS violence, k.cp_plan AS cp_plan, k.cin AS cin, k.looked_after AS looked_after,
       k.source_agency AS source_agency, k.source_record AS source_record
ORDER BY since, agency_id, record_id
