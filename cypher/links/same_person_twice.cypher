// name: same_person_twice
// title: The same person twice - records in different agencies that look like one person but are not linked
// description: >
//   Pairs of person records from different source agencies, not joined by SAME_AS, that share an NHS number,
//   or share a date of birth and a name (same family name and same first letter of the given name, or same
//   given name and same first letter of the family name), and no conflicting recorded sex. A simple deterministic check.
//   The sweep adds rows of rule linkage_model (graphcase/catalogue/same_person.py): pairs the record-linkage model
//   scores at 0.95 or more (a transposed day and month, a nickname, a spelling variant) that no SAME_AS joins and no
//   reviewer rejected, with each comparison in words and the probability. One row per (pair, rule); graphcase
//   links groups them by the pair. As of a date, a pair is reported once both records were held: from the
//   earliest start of each record's agency records (a record with none counts as held).
// parameters: {}
// columns:
//   pattern: same_person_twice
//   record_a: the pair's first record id (sorted)
//   record_b: the second record id
//   rule: same_nhs_number or same_dob_similar_name (linkage_model rows also carry probability and comparisons)
//   name_a: name on record a
//   name_b: name on record b
//   dob_a: date of birth on record a
//   dob_b: date of birth on record b
//   nhs_a: NHS number on record a
//   nhs_b: NHS number on record b
//   role_a: child or adult, record a
//   role_b: child or adult, record b
//   path_nodes: the two records
//   path_rels: none (the missing SAME_AS)
//   sources: source agency and record of each person record
// why: >
//   One child recorded by several agencies under slightly different names is several children to every query;
//   every other pattern misses what it cannot join. Record linkage comes before every other question.
MATCH (x:Person)
WHERE x.nhs_number IS NOT NULL
WITH x.nhs_number AS nhs, collect(x.id) AS ids  // one grouping pass finds the few shared keys; their records by primary key; pairs within each group
WHERE size(ids) > 1
UNWIND ids AS id
MATCH (p:Person {id: id})
WITH nhs, collect(p) AS records
UNWIND records AS a
OPTIONAL MATCH (a)-[:SAME_AS]-(joined:Person)  // read before pairing: LadybugDB 0.22 matches a pattern between two nodes unwound from one list against the whole SAME_AS table (docs/engine-notes.md)
WITH records, a, collect(joined.id) AS joined_ids
UNWIND records AS b
WITH a, b, joined_ids
WHERE a.id < b.id AND a.source_agency <> b.source_agency AND NOT b.id IN joined_ids
RETURN 'same_person_twice' AS pattern, a.id AS record_a, b.id AS record_b, 'same_nhs_number' AS rule,
       coalesce(a.given_name, '') + ' ' + coalesce(a.family_name, '') AS name_a,
       coalesce(b.given_name, '') + ' ' + coalesce(b.family_name, '') AS name_b,
       a.dob AS dob_a, b.dob AS dob_b, a.nhs_number AS nhs_a, b.nhs_number AS nhs_b, a.role AS role_a, b.role AS role_b,
       [a.id, b.id] AS path_nodes, [] AS path_rels,
       [a.source_agency + ':' + a.source_record, b.source_agency + ':' + b.source_record] AS sources
UNION
MATCH (x:Person)
WHERE x.dob IS NOT NULL AND x.family_name IS NOT NULL AND x.given_name IS NOT NULL
WITH x.dob AS dob, x.family_name AS family_name, left(x.given_name, 1) AS initial, collect(x.id) AS ids
WHERE size(ids) > 1
UNWIND ids AS id
MATCH (p:Person {id: id})
WITH dob, family_name, initial, collect(p) AS records
UNWIND records AS a
OPTIONAL MATCH (a)-[:SAME_AS]-(joined:Person)  // read before pairing: LadybugDB 0.22 matches a pattern between two nodes unwound from one list against the whole SAME_AS table (docs/engine-notes.md)
WITH records, a, collect(joined.id) AS joined_ids
UNWIND records AS b
WITH a, b, joined_ids
WHERE a.id < b.id AND a.source_agency <> b.source_agency AND NOT b.id IN joined_ids AND coalesce(a.sex, b.sex) = coalesce(b.sex, a.sex)
RETURN 'same_person_twice' AS pattern, a.id AS record_a, b.id AS record_b, 'same_dob_similar_name' AS rule,
       coalesce(a.given_name, '') + ' ' + coalesce(a.family_name, '') AS name_a,
       coalesce(b.given_name, '') + ' ' + coalesce(b.family_name, '') AS name_b,
       a.dob AS dob_a, b.dob AS dob_b, a.nhs_number AS nhs_a, b.nhs_number AS nhs_b, a.role AS role_a, b.role AS role_b,
       [a.id, b.id] AS path_nodes, [] AS path_rels,
       [a.source_agency + ':' + a.source_record, b.source_agency + ':' + b.source_record] AS sources
UNION
MATCH (x:Person)
WHERE x.dob IS NOT NULL AND x.given_name IS NOT NULL AND x.family_name IS NOT NULL
WITH x.dob AS dob, x.given_name AS given_name, left(x.family_name, 1) AS initial, collect(x.id) AS ids
WHERE size(ids) > 1
UNWIND ids AS id
MATCH (p:Person {id: id})
WITH dob, given_name, initial, collect(p) AS records
UNWIND records AS a
OPTIONAL MATCH (a)-[:SAME_AS]-(joined:Person)  // read before pairing: LadybugDB 0.22 matches a pattern between two nodes unwound from one list against the whole SAME_AS table (docs/engine-notes.md)
WITH records, a, collect(joined.id) AS joined_ids
UNWIND records AS b
WITH a, b, joined_ids
WHERE a.id < b.id AND a.source_agency <> b.source_agency AND NOT b.id IN joined_ids AND coalesce(a.sex, b.sex) = coalesce(b.sex, a.sex)
RETURN 'same_person_twice' AS pattern, a.id AS record_a, b.id AS record_b, 'same_dob_similar_name' AS rule,
       coalesce(a.given_name, '') + ' ' + coalesce(a.family_name, '') AS name_a,
       coalesce(b.given_name, '') + ' ' + coalesce(b.family_name, '') AS name_b,
       a.dob AS dob_a, b.dob AS dob_b, a.nhs_number AS nhs_a, b.nhs_number AS nhs_b, a.role AS role_a, b.role AS role_b,
       [a.id, b.id] AS path_nodes, [] AS path_rels,
       [a.source_agency + ':' + a.source_record, b.source_agency + ':' + b.source_record] AS sources
