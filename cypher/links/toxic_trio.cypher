// name: toxic_trio
// title: Toxic trio - domestic abuse, substance misuse and adult mental ill health in one household, each known to a different agency
// description: >
//   Addresses where a child lives at as_of and where (1) a domestic-abuse incident happened in the look-back
//   window, (2) an adult living there is known to substance-misuse services and (3) an adult living there is
//   known to adult mental health services, the three facts held by three different agencies.
//   One row per (address, incident, substance-misuse record, mental-health record, child); graphcase links groups them by address_id.
// parameters:
//   as_of: {type: date, default: today, description: "Date the household is read at."}
//   lookback_months: {type: int, default: 24, description: "Domestic-abuse incidents within this many months before as_of."}
//   incident_kinds: {type: "list[str]", default: [domestic_abuse_incident], description: "Event kinds that are domestic-abuse incidents."}
//   substance_kinds: {type: "list[str]", default: [substance_misuse], description: "Agency kinds for substance misuse."}
//   mental_health_kinds: {type: "list[str]", default: [adult_mental_health], description: "Agency kinds for adult mental health."}
// columns:
//   pattern: toxic_trio
//   address_id: the household's address id
//   postcode: its postcode
//   child_id: a child living there at as_of
//   child_name: the child's name as recorded
//   da_event: the domestic-abuse incident
//   da_date: its date
//   da_agency: agency that recorded it
//   sm_adult_id: adult known to substance-misuse services
//   sm_adult_name: that adult's name
//   sm_agency: the substance-misuse agency
//   sm_record: its record id
//   mh_adult_id: adult known to adult mental health
//   mh_adult_name: that adult's name
//   mh_agency: the mental-health agency
//   mh_record: its record id
//   path_nodes: incident, address, the two adults, the child
//   path_rels: relationship types along the path
//   sources: source agency and record of each of the three facts and of each residence
// why: >
//   Parental domestic abuse, substance misuse and mental ill health together (the "toxic trio") appear in most
//   serious case reviews. Each service sees one of the three; only the joined picture shows the household.
MATCH (sm_ag:Agency)
WHERE sm_ag.kind IN $substance_kinds  // start from the few substance-misuse records (agencies by kind, records by adjacency)
MATCH (sm_ag)<-[ks:KNOWN_TO]-(sm:Person)
WHERE ks.since <= $as_of
WITH sm_ag, ks, sm
WHERE sm.role = 'adult'
MATCH (sm)-[ls:LIVES_AT]->(addr:Address)
WITH sm_ag, ks, sm, ls, addr  // barrier: LadybugDB 0.22 dropped the to_date test otherwise
WHERE ls.from_date <= $as_of AND (ls.to_date IS NULL OR ls.to_date >= $as_of)
MATCH (addr)<-[lm:LIVES_AT]-(mh:Person)
WITH sm_ag, ks, sm, ls, addr, lm, mh
WHERE mh.role = 'adult' AND lm.from_date <= $as_of AND (lm.to_date IS NULL OR lm.to_date >= $as_of)
OPTIONAL MATCH (mh)-[km:KNOWN_TO]->(mh_ag:Agency)  // per person: a MATCH here scanned every KNOWN_TO
WHERE mh_ag.kind IN $mental_health_kinds AND km.since <= $as_of AND mh_ag.id <> sm_ag.id
WITH sm_ag, ks, sm, ls, addr, lm, mh, km, mh_ag
WHERE km IS NOT NULL
MATCH (addr)<-[:OCCURRED_AT]-(e:Event)
WITH sm_ag, ks, sm, ls, addr, lm, mh, km, mh_ag, e
WHERE e.kind IN $incident_kinds AND e.date <= $as_of AND e.date >= $as_of - duration({months: $lookback_months})
OPTIONAL MATCH (e)-[:RECORDED_BY]->(da_ag:Agency)
WHERE da_ag.id <> sm_ag.id AND da_ag.id <> mh_ag.id
WITH sm_ag, ks, sm, ls, addr, lm, mh, km, mh_ag, e, da_ag
WHERE da_ag IS NOT NULL
MATCH (addr)<-[lc:LIVES_AT]-(child:Person)
WITH e, addr, da_ag, ls, sm, ks, sm_ag, lm, mh, km, mh_ag, lc, child
WHERE child.role = 'child' AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
RETURN 'toxic_trio' AS pattern, addr.id AS address_id, addr.postcode AS postcode,
       child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       e.id AS da_event, e.date AS da_date, da_ag.id AS da_agency,
       sm.id AS sm_adult_id, coalesce(sm.given_name, '') + ' ' + coalesce(sm.family_name, '') AS sm_adult_name,
       sm_ag.id AS sm_agency, ks.record_id AS sm_record,
       mh.id AS mh_adult_id, coalesce(mh.given_name, '') + ' ' + coalesce(mh.family_name, '') AS mh_adult_name,
       mh_ag.id AS mh_agency, km.record_id AS mh_record,
       [e.id, addr.id, sm.id, mh.id, child.id] AS path_nodes,
       ['OCCURRED_AT', 'LIVES_AT', 'LIVES_AT', 'LIVES_AT'] AS path_rels,
       [e.source_agency + ':' + e.source_record, ks.source_agency + ':' + ks.source_record,
        km.source_agency + ':' + km.source_record, ls.source_agency + ':' + ls.source_record,
        lm.source_agency + ':' + lm.source_record, lc.source_agency + ':' + lc.source_record] AS sources
