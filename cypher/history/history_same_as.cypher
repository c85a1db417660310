// name: history_same_as
// title: "Case history: other records of the same person (SAME_AS links from record linkage)"
// description: The person records linked to the given one by SAME_AS (either direction), with the linkage decision behind each link.
// parameters:
//   person_id: {type: str, default: "", description: "A person record id (the chronology follows SAME_AS from every person of the network, repeatedly, so a whole cluster joins)."}
// columns:
//   other_id: the other record of the same person
//   probability: match probability of the link
//   method: how the link was made
//   decided_by: the rule or the reviewer that decided it
//   link_key: the SAME_AS relationship key
// why: >
//   One child recorded by several agencies under slightly different details is one child: a chronology that
//   misses the other records misses the agencies that knew the child (pattern 9, "the same person twice").
MATCH (p:Person {id: $person_id})-[s:SAME_AS]-(o:Person)
RETURN o.id AS other_id, s.probability AS probability, s.method AS method, s.decided_by AS decided_by, s.key AS link_key
