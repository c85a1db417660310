// name: risks_outside_home
// title: Risks outside the home - children linked through the same adults, places or events of exploitation, missing episodes or co-offending
// description: >
//   The subgraph that clusters are found in: for every child with an exploitation, missing-episode or
//   co-offending event in the look-back window, one row per (event, connector), where a connector is the event
//   itself (shared by co-offenders), an adult the event is about, the address where it happened, an adult living
//   at that address on the event's date (a child found at a man's flat is linked to him), or an adult
//   the child is currently related to as an associate or frequent visitor. graphcase links joins children who
//   share connectors and reports each cluster of at least min_children children (networkx connected components,
//   split by Louvain community detection when larger than max_cluster_size).
// parameters:
//   as_of: {type: date, default: today, description: "End of the look-back window; relationships current then."}
//   months: {type: int, default: 12, description: "Look-back window in months for the events."}
//   event_kinds: {type: "list[str]", default: [exploitation_concern, missing_episode, co_offending], description: "Event kinds that put a child in the subgraph."}
//   adult_link_kinds: {type: "list[str]", default: [associate, frequent_visitor], description: "Relationships to adults that link children."}
//   min_children: {type: int, default: 2, description: "Clusters need at least this many children (used by graphcase links)."}
//   max_cluster_size: {type: int, default: 12, description: "Larger connected groups are split by community detection (used by graphcase links)."}
// columns:
//   pattern: risks_outside_home
//   child_id: a child with a flagged event
//   child_name: the child's name as recorded
//   event_id: the flagged event
//   event_kind: its kind
//   event_date: its date
//   connector_kind: event, adult or address
//   connector_id: id of the connector
//   connector_label: name or postcode of the connector
//   via: how the child reaches the connector (ABOUT, ABOUT+ABOUT, ABOUT+OCCURRED_AT, ABOUT+OCCURRED_AT+LIVES_AT, RELATED_TO:kind)
//   sources: source agency and record of the event and of the link to the connector
// why: >
//   Child criminal and sexual exploitation and county lines draw children together around the same adults and
//   places; each child's missing episodes look isolated in each agency, the cluster only shows when joined.
MATCH (e:Event)-[:ABOUT]->(child:Person)
WHERE child.role = 'child' AND e.kind IN $event_kinds AND e.date <= $as_of AND e.date >= $as_of - duration({months: $months})
WITH e, child  // one scan of the events; each connector kind is one OPTIONAL MATCH on its own copy of the row
UNWIND ['event', 'adult', 'address', 'resident', 'related'] AS step
OPTIONAL MATCH (e)-[:ABOUT]->(co:Person)
WHERE step = 'adult' AND co.role = 'adult'
OPTIONAL MATCH (e)-[o:OCCURRED_AT]->(addr:Address)
WHERE step = 'address' OR step = 'resident'
OPTIONAL MATCH (addr)<-[lr:LIVES_AT]-(res:Person)
WHERE step = 'resident' AND res.role = 'adult' AND lr.from_date <= e.date AND (lr.to_date IS NULL OR lr.to_date >= e.date)
OPTIONAL MATCH (child)-[r:RELATED_TO]-(ra:Person)
WHERE step = 'related' AND ra.role = 'adult' AND r.kind IN $adult_link_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
WITH e, child, step, co, o, addr, lr, res, r, ra  // tested by id below: a whole node tested for null is read whole on LadybugDB
WHERE step = 'event' OR co.id IS NOT NULL OR (step = 'address' AND addr.id IS NOT NULL) OR res.id IS NOT NULL OR ra.id IS NOT NULL
RETURN DISTINCT 'risks_outside_home' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       e.id AS event_id, e.kind AS event_kind, e.date AS event_date,
       CASE step WHEN 'event' THEN 'event' WHEN 'address' THEN 'address' ELSE 'adult' END AS connector_kind,
       CASE step WHEN 'event' THEN e.id WHEN 'adult' THEN co.id WHEN 'address' THEN addr.id WHEN 'resident' THEN res.id ELSE ra.id END AS connector_id,
       CASE step WHEN 'event' THEN e.kind WHEN 'address' THEN addr.postcode
            WHEN 'adult' THEN coalesce(co.given_name, '') + ' ' + coalesce(co.family_name, '')
            WHEN 'resident' THEN coalesce(res.given_name, '') + ' ' + coalesce(res.family_name, '')
            ELSE coalesce(ra.given_name, '') + ' ' + coalesce(ra.family_name, '') END AS connector_label,
       CASE step WHEN 'event' THEN 'ABOUT' WHEN 'adult' THEN 'ABOUT+ABOUT' WHEN 'address' THEN 'ABOUT+OCCURRED_AT'
            WHEN 'resident' THEN 'ABOUT+OCCURRED_AT+LIVES_AT'
            ELSE 'RELATED_TO:' + r.kind END AS via,
       CASE step WHEN 'address' THEN [e.source_agency + ':' + e.source_record, o.source_agency + ':' + o.source_record]
            WHEN 'resident' THEN [e.source_agency + ':' + e.source_record, o.source_agency + ':' + o.source_record,
                                  lr.source_agency + ':' + lr.source_record]
            WHEN 'related' THEN [e.source_agency + ':' + e.source_record, r.source_agency + ':' + r.source_record]
            ELSE [e.source_agency + ':' + e.source_record] END AS sources
