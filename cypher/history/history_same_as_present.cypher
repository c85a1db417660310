// name: history_same_as_present
// title: "Case history: does the store hold any SAME_AS link at all?"
// description: The number of SAME_AS links (record linkage results) in the store; the chronology skips SAME_AS look-ups when there are none.
// parameters: {}
// columns:
//   links: number of SAME_AS relationships
// why: >
//   On LadybugDB 0.22 an anchored look-up on an empty relationship table costs tens of milliseconds on a
//   1M-person store (it scans), against a millisecond for this count; a store not yet linked pays nothing.
MATCH (a:Person)-[s:SAME_AS]->(b:Person)
RETURN count(s) AS links
