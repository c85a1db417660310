// name: risks_outside_home
// title: Risks outside the home - children linked through the same adults, places or events of exploitation, missing episodes or co-offending
// description: >
//   The subgraph that clusters are found in: for every child with an exploitation, missing-episode or
//   co-offending event in the look-back window, one row per (event, connector), where a connector is the event
//   itself (shared by co-offenders), an adult the event is about, the address where it happened, or an adult
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
//   via: how the child reaches the connector (ABOUT, ABOUT+ABOUT, ABOUT+OCCURRED_AT, RELATED_TO:kind)
//   sources: source agency and record of the event and of the link to the connector
// why: >
//   Child criminal and sexual exploitation and county lines draw children together around the same adults and
//   places; each child's missing episodes look isolated in each agency, the cluster only shows when joined.
// generated from risks_outside_home.cypher by python -m graphcase.links_dialect: edit the main file
MATCH (e:Event)-[:ABOUT]->(child:Person)
WHERE child.role = 'child' AND e.kind IN $event_kinds AND e.date <= $as_of AND e.date >= $as_of - to_months($months)
RETURN 'risks_outside_home' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       e.id AS event_id, e.kind AS event_kind, e.date AS event_date,
       'event' AS connector_kind, e.id AS connector_id, e.kind AS connector_label, 'ABOUT' AS via,
       [e.source_agency + ':' + e.source_record] AS sources
UNION
MATCH (child:Person)<-[:ABOUT]-(e:Event)-[:ABOUT]->(adult:Person)
WHERE e.kind IN $event_kinds AND e.date <= $as_of AND e.date >= $as_of - to_months($months)
WITH child, e, adult  // one chain from the few events of these kinds, then test the people
WHERE child.role = 'child' AND adult.role = 'adult'
RETURN 'risks_outside_home' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       e.id AS event_id, e.kind AS event_kind, e.date AS event_date,
       'adult' AS connector_kind, adult.id AS connector_id,
       coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS connector_label, 'ABOUT+ABOUT' AS via,
       [e.source_agency + ':' + e.source_record] AS sources
UNION
MATCH (child:Person)<-[:ABOUT]-(e:Event)-[o:OCCURRED_AT]->(addr:Address)
WHERE e.kind IN $event_kinds AND e.date <= $as_of AND e.date >= $as_of - to_months($months)
WITH child, e, o, addr
WHERE child.role = 'child'
RETURN 'risks_outside_home' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       e.id AS event_id, e.kind AS event_kind, e.date AS event_date,
       'address' AS connector_kind, addr.id AS connector_id, addr.postcode AS connector_label, 'ABOUT+OCCURRED_AT' AS via,
       [e.source_agency + ':' + e.source_record, o.source_agency + ':' + o.source_record] AS sources
UNION
MATCH (e:Event)-[:ABOUT]->(child:Person)
WHERE child.role = 'child' AND e.kind IN $event_kinds AND e.date <= $as_of AND e.date >= $as_of - to_months($months)
MATCH (child)-[r:RELATED_TO]-(adult:Person)
WHERE adult.role = 'adult' AND r.kind IN $adult_link_kinds
  AND (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of)
RETURN 'risks_outside_home' AS pattern, child.id AS child_id,
       coalesce(child.given_name, '') + ' ' + coalesce(child.family_name, '') AS child_name,
       e.id AS event_id, e.kind AS event_kind, e.date AS event_date,
       'adult' AS connector_kind, adult.id AS connector_id,
       coalesce(adult.given_name, '') + ' ' + coalesce(adult.family_name, '') AS connector_label, 'RELATED_TO:' + r.kind AS via,
       [e.source_agency + ':' + e.source_record, r.source_agency + ':' + r.source_record] AS sources
