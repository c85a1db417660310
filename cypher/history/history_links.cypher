// name: history_links
// title: "Case history: one hop of a child's network (relationships and shared addresses)"
// description: >
//   For each person record id given, the people one hop away: by a RELATED_TO relationship in either direction,
//   or by living at the same address. Run once per hop (the chronology walks 1 or 2 hops in Python), so no
//   variable-length path is needed and both engines return the same rows.
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the child, or one person around the child: the chronology runs this once per person; an anchored look-up is sub-millisecond where an IN-list scans)."}
// columns:
//   person_id: the person stepped out from
//   other_id: the person one hop away
//   link: related_to or same_address
//   kind: relationship kind (related_to) or the address id (same_address)
//   direction: out (person -> other), in (other -> person), or shared (address)
//   postcode: the shared address's postcode (same_address only)
//   from_date: the relationship start, or when the person moved in
//   to_date: the relationship end, or when the person moved out (empty while current)
//   other_from_date: same as from_date (related_to), or when the other moved in
//   other_to_date: same as to_date (related_to), or when the other moved out
//   source_agency: source agency of the relationship (or of the person's residence)
//   source_record: its record id
//   other_source_agency: source agency of the other's residence (same as source_agency for related_to)
//   other_source_record: its record id
// why: >
//   Reviews find that the risk came from the people around the child (a mother's new partner, a household
//   member known to probation); the chronology must include their events, each link with its source record.
MATCH (p:Person {id: $person_id})-[r:RELATED_TO]->(o:Person)
RETURN p.id AS person_id, o.id AS other_id, 'related_to' AS link, r.kind AS kind, 'out' AS direction,
       '' AS postcode, r.from_date AS from_date, r.to_date AS to_date,
       r.from_date AS other_from_date, r.to_date AS other_to_date,
       r.source_agency AS source_agency, r.source_record AS source_record,
       r.source_agency AS other_source_agency, r.source_record AS other_source_record
UNION ALL
MATCH (p:Person {id: $person_id})<-[r:RELATED_TO]-(o:Person)
RETURN p.id AS person_id, o.id AS other_id, 'related_to' AS link, r.kind AS kind, 'in' AS direction,
       '' AS postcode, r.from_date AS from_date, r.to_date AS to_date,
       r.from_date AS other_from_date, r.to_date AS other_to_date,
       r.source_agency AS source_agency, r.source_record AS source_record,
       r.source_agency AS other_source_agency, r.source_record AS other_source_record
UNION ALL
MATCH (p:Person {id: $person_id})-[a:LIVES_AT]->(addr:Address)
MATCH (addr)<-[b:LIVES_AT]-(o:Person)
WHERE o.id <> p.id
RETURN p.id AS person_id, o.id AS other_id, 'same_address' AS link, addr.id AS kind, 'shared' AS direction,
       coalesce(addr.postcode, '') AS postcode, a.from_date AS from_date, a.to_date AS to_date,
       b.from_date AS other_from_date, b.to_date AS other_to_date,
       a.source_agency AS source_agency, a.source_record AS source_record,
       b.source_agency AS other_source_agency, b.source_record AS other_source_record
