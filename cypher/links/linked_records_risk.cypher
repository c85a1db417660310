// name: linked_records_risk
// title: Child connected to a police- or probation-known adult only through a record linkage
// description: >
//   A child is related to, or lives with, a person record that carries no police or probation record itself,
//   but record linkage (SAME_AS) says that person is the same as a record another agency holds as known to
//   police or probation, and that other record is not itself related to or living with the child. Without
//   the linkage no query joins the child to the risk. Each row gives the linkage probability and its reasons.
// parameters:
//   as_of: {type: date, default: today, description: "Date the network is read at: addresses and relationships must be current then; the risk record must have started by then."}
//   risk_kinds: {type: "list[str]", default: "police,probation", description: "Agency kinds whose record makes the adult a risk to look at."}
// columns:
//   child_id: the child's person record id
//   child_name: the child's name as recorded
//   link: related_to or same_address (how the child is connected to the linked record)
//   link_detail: the kind of relationship, or the shared postcode
//   linked_record_id: the record the child is connected to (no risk record of its own)
//   linked_record_name: its name as recorded
//   risk_record_id: the other agency's record of the same person
//   risk_record_name: its name as recorded
//   risk_agency: the agency holding the risk record
//   risk_agency_kind: police or probation
//   risk_record: the agency's record id (source of "known to")
//   risk_since: when that record opened
//   violence: the record carries the violence flag
//   da_perpetrator: the record carries the domestic-abuse perpetrator flag
//   sex_offender: the record carries the sex-offender flag
//   mappa: the record carries the MAPPA flag
//   mappa_level: MAPPA level (1-3) when the record gives it
//   mappa_category: MAPPA category (1-4) when the record gives it
//   linkage_probability: the SAME_AS match probability (the finding relies on it)
//   linkage_match_weight: the SAME_AS match weight in bits
//   linkage_explanation: comparison levels and their weights that produced the match
//   linkage_decided_by: the model threshold or the human review that made the link
//   resolved_id: the resolved-person id of the linked records
//   path_nodes: ids along the evidence path, child first
//   path_rels: relationship types along the path
//   link_sources: source agency and record of each relationship on the path (for SAME_AS, its method)
// why: >
//   "The same person twice": a father recorded by the GP as Jonathan Smyth and by the police as Jon Smith is
//   two strangers to every query until the records are linked. The Myth of Invisible Men review found men
//   known to police or probation were invisible to those working with the baby. This query shows the risks
//   that only record linkage brings to light, and how sure the linkage is, so a professional can check it.
MATCH (child:Person)-[r:RELATED_TO]-(x:Person)
WHERE child.role = 'child'
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
WITH child, r, x  // LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (docs/engine-notes.md)
MATCH (x)-[s:SAME_AS]-(y:Person)
MATCH (y)-[k:KNOWN_TO]->(risk:Agency)
WHERE risk.kind IN $risk_kinds AND k.since <= $as_of AND y.id <> child.id
  AND NOT EXISTS { MATCH (x)-[kx:KNOWN_TO]->(ax:Agency) WHERE ax.kind IN $risk_kinds AND kx.since <= $as_of }
  AND NOT EXISTS { MATCH (y)-[ry:RELATED_TO]-(child) }
RETURN child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       'related_to' AS link, r.kind AS link_detail,
       x.id AS linked_record_id, coalesce(x.given_name, '') + ' ' + coalesce(x.family_name, '') AS linked_record_name,
       y.id AS risk_record_id, coalesce(y.given_name, '') + ' ' + coalesce(y.family_name, '') AS risk_record_name,
       risk.id AS risk_agency, risk.kind AS risk_agency_kind, k.record_id AS risk_record, k.since AS risk_since,
       k.violence AS violence, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender, k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category,
       s.probability AS linkage_probability, s.match_weight AS linkage_match_weight,
       s.explanation AS linkage_explanation, s.decided_by AS linkage_decided_by, s.resolved_id AS resolved_id,
       [child.id, x.id, y.id, risk.id] AS path_nodes, ['RELATED_TO', 'SAME_AS', 'KNOWN_TO'] AS path_rels,
       [r.source_agency + ':' + r.source_record, 'SAME_AS:' + s.method, k.source_agency + ':' + k.source_record] AS link_sources
UNION
MATCH (child:Person)-[lc:LIVES_AT]->(addr:Address)
WHERE child.role = 'child' AND lc.from_date <= $as_of AND (lc.to_date IS NULL OR lc.to_date >= $as_of)
WITH child, lc, addr  // LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (docs/engine-notes.md)
MATCH (addr)<-[lx:LIVES_AT]-(x:Person)
WHERE x.id <> child.id AND lx.from_date <= $as_of AND (lx.to_date IS NULL OR lx.to_date >= $as_of)
WITH child, lc, addr, lx, x
MATCH (x)-[s:SAME_AS]-(y:Person)
MATCH (y)-[k:KNOWN_TO]->(risk:Agency)
WHERE risk.kind IN $risk_kinds AND k.since <= $as_of AND y.id <> child.id
WITH child, lc, addr, lx, x, s, y, k, risk
WHERE NOT EXISTS { MATCH (x)-[kx:KNOWN_TO]->(ax:Agency) WHERE ax.kind IN $risk_kinds AND kx.since <= $as_of }
  AND NOT EXISTS {
    MATCH (y)-[ly:LIVES_AT]->(addr)
    WHERE ly.from_date <= $as_of AND (ly.to_date IS NULL OR ly.to_date >= $as_of)
  }
RETURN child.id AS child_id, coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       'same_address' AS link, addr.postcode AS link_detail,
       x.id AS linked_record_id, coalesce(x.given_name, '') + ' ' + coalesce(x.family_name, '') AS linked_record_name,
       y.id AS risk_record_id, coalesce(y.given_name, '') + ' ' + coalesce(y.family_name, '') AS risk_record_name,
       risk.id AS risk_agency, risk.kind AS risk_agency_kind, k.record_id AS risk_record, k.since AS risk_since,
       k.violence AS violence, k.da_perpetrator AS da_perpetrator, k.sex_offender AS sex_offender, k.mappa AS mappa, k.mappa_level AS mappa_level, k.mappa_category AS mappa_category,
       s.probability AS linkage_probability, s.match_weight AS linkage_match_weight,
       s.explanation AS linkage_explanation, s.decided_by AS linkage_decided_by, s.resolved_id AS resolved_id,
       [child.id, addr.id, x.id, y.id, risk.id] AS path_nodes, ['LIVES_AT', 'LIVES_AT', 'SAME_AS', 'KNOWN_TO'] AS path_rels,
       [lc.source_agency + ':' + lc.source_record, lx.source_agency + ':' + lx.source_record, 'SAME_AS:' + s.method, k.source_agency + ':' + k.source_record] AS link_sources
