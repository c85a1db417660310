"""The portable-catalogue rules, checked on every file under cypher/ (files added later are covered automatically).

* every .cypher file has a valid header: name == file name, description, parameters with valid types and
  defaults, columns, why;
* every ``$name`` in the text is declared in the header, and every declared parameter is used (or marked
  as applied in Python: ``used_by: <module>``, or "(used by graphcase ...)" in its description);
* a portable file (one that LadybugDB runs) has none of the constructs LadybugDB 0.22 lacks or reads
  differently, and no string-formatting placeholders;
* every ``NAME.ladybug.cypher`` has its ``NAME.cypher``, and both forms give the same rows on the sample
  (needs Neo4j: skipped without GRAPHCASE_TEST_NEO4J_URI);
* every query runs on the embedded store against the sample bundle with its default parameters, and
  returns the columns its header lists;
* ``graphcase cypher`` / ``query_read_only`` refuse writes on both stores and leave the store unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase.catalogue import queries as cat
from graphcase.cli import main
from graphcase.stores import ReadOnlyViolation, StoreError
from graphcase.stores.ladybug import LadybugStore

from graphcase import load_bundle

from .conftest import AS_OF, ENGINES, ROOT, SAMPLE, _neo4j_store

CYPHER = ROOT / "cypher"
FILES = sorted(CYPHER.rglob("*.cypher"))
MAIN_FILES = [p for p in FILES if len(p.name.split(".")) == 2]
SIBLINGS = [p for p in FILES if len(p.name.split(".")) == 3]
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
CODE_NOISE = re.compile(r"//[^\n]*|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")  # comments and string literals


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def body(path: Path) -> str:
    """The Cypher without the header, comments or the contents of string literals (so rules see only code)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and lines[0].startswith("//"):
        lines.pop(0)
    # One pass, leftmost first: a comment's apostrophe ("the child's") does not open a string, and a
    # string's "//" does not open a comment.
    return CODE_NOISE.sub(lambda m: "" if m.group(0).startswith("//") else "''", "\n".join(lines))


def is_portable(path: Path) -> bool:
    """LadybugDB runs this file: a .ladybug.cypher sibling, or a main file without one."""
    parts = path.name.split(".")
    if len(parts) == 3:
        return parts[1] == "ladybug"
    return not path.with_name(f"{parts[0]}.ladybug.cypher").exists()


# Constructs LadybugDB 0.22 refuses or reads differently (../shared/CYPHER_PORTABILITY.md), as regexes on code.
FORBIDDEN = {
    "SET x += map (set each property)": r"\bSET\s+\w+\s*\+=",
    "SET x = map (set each property)": r"\bSET\s+\w+\s*=\s*[\$\{]",
    "list comprehension [x IN l | ...] / [x IN l WHERE ...]": r"\[\s*\w+\s+IN\b[^\]]*(\||\bWHERE\b)",
    "pattern comprehension [(a)-->(b) | ...]": r"\[\s*\(\s*\w*\s*(:\s*\w+\s*)?\)\s*-",
    "CALL { } subquery": r"\bCALL\s*(\([^)]*\)\s*)?\{",
    "shortestPath()": r"\b(all)?shortestPath\s*\(",
    "temporal functions (pass dates as parameters)": r"(?<![\w.])(date|datetime|localdatetime|localtime|time|duration)\s*[(.]",
    "type(r) (return the type you matched)": r"(?<![\w.])type\s*\(",
    "elementId(n) / id(n)": r"(?<![\w.])(elementId|id)\s*\(",
    "labels(n) (a list on Neo4j, a string on LadybugDB)": r"(?<![\w.])labels\s*\(",
    "several labels on one node (:A:B means A OR B on LadybugDB)": r"\(\s*\w*\s*:\s*`?\w+`?\s*[:&|!]",
    "EXISTS { } without MATCH": r"\bEXISTS\s*\{(?!\s*MATCH\b)",
    "python string formatting placeholder": r"\{\w*\}|%\(\w+\)s|%s\b|\{![rs]\}",
}


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_the_header_is_complete_and_valid(path):
    header = cat.parse_header(path)  # raises on missing keys and on name != file name
    assert header["name"] == path.name.split(".")[0]
    for key in ("description", "why"):
        assert isinstance(header[key], str) and header[key].strip(), f"{rel(path)}: header {key} is empty"
    assert isinstance(header["columns"], dict) and header["columns"], f"{rel(path)}: header lists no columns"
    params = header["parameters"] or {}
    assert isinstance(params, dict), f"{rel(path)}: parameters must be a mapping name -> {{type, default, description}}"
    for name, spec in params.items():
        assert isinstance(spec, dict) and spec.get("type") in cat.PARAM_TYPES, (
            f"{rel(path)}: parameter {name} type {spec and spec.get('type')!r} is not one of {cat.PARAM_TYPES}"
        )
        assert spec.get("description"), f"{rel(path)}: parameter {name} has no description"
        cat.Parameter(name, spec["type"], spec.get("default")).coerce(spec.get("default"))  # the default is valid


def applied_outside_cypher(spec: dict) -> bool:
    """A parameter the Python side applies to the rows (e.g. cluster sizes), declared so `run -p` accepts it."""
    return bool(spec.get("used_by")) or "(used by graphcase" in str(spec.get("description", ""))


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_every_parameter_used_is_declared_and_every_declared_one_is_used(path):
    main_file = path.with_name(path.name.split(".")[0] + ".cypher")
    declared = set(cat.parse_header(main_file)["parameters"] or {})  # siblings are bound with the main header
    used = set(PARAM.findall(body(path)))
    assert not used - declared, f"{rel(path)}: uses undeclared parameter(s) {sorted(used - declared)}"
    if path == main_file:
        unused = {n for n in declared - used if not applied_outside_cypher(cat.parse_header(main_file)["parameters"][n])}
        assert not unused, (
            f"{rel(path)}: declares parameter(s) it never uses {sorted(unused)}; a parameter applied in Python "
            "after the query says so with `used_by: <module>` (or '(used by graphcase ...)' in its description)"
        )
    own = set(cat.parse_header(path)["parameters"] or {})
    assert own == declared, f"{rel(path)}: its header's parameters differ from {rel(main_file)}'s"


@pytest.mark.parametrize("path", [p for p in FILES if is_portable(p)], ids=rel)
def test_a_portable_file_has_no_construct_ladybugdb_lacks(path):
    code = body(path)
    found = [
        f"{what}: line {code[: m.start()].count(chr(10)) + 1}: {m.group(0)!r}"
        for what, pattern in FORBIDDEN.items()
        for m in re.finditer(pattern, code, flags=re.IGNORECASE if "CALL" in what or "EXISTS" in what or "SET" in what else 0)
    ]
    assert not found, f"{rel(path)} must run on LadybugDB 0.22 (or ship a NAME.ladybug.cypher sibling):\n" + "\n".join(found)


def test_the_rules_catch_what_they_are_meant_to_catch(tmp_path):
    """Each forbidden construct is found in a sample line, and portable Cypher passes."""
    samples = {
        "SET x += map (set each property)": "MATCH (p:Person) SET p += $props",
        "SET x = map (set each property)": "MATCH (p:Person) SET p = $props",
        "list comprehension [x IN l | ...] / [x IN l WHERE ...]": "RETURN [x IN $l WHERE x > 1] AS y",
        "pattern comprehension [(a)-->(b) | ...]": "MATCH (p:Person) RETURN [(p)-->(a:Agency) | a.id]",
        "CALL { } subquery": "MATCH (p:Person) CALL { WITH p RETURN 1 AS x } RETURN x",
        "shortestPath()": "MATCH s = shortestPath((a:Person)-[*..5]-(b:Person)) RETURN s",
        "temporal functions (pass dates as parameters)": "RETURN date() AS d",
        "type(r) (return the type you matched)": "MATCH ()-[r]->() RETURN type(r)",
        "elementId(n) / id(n)": "MATCH (n:Person) RETURN elementId(n)",
        "labels(n) (a list on Neo4j, a string on LadybugDB)": "MATCH (n) RETURN labels(n)",
        "several labels on one node (:A:B means A OR B on LadybugDB)": "MATCH (n:Person:Adult) RETURN n.id",
        "EXISTS { } without MATCH": "MATCH (p:Person) WHERE EXISTS { (p)-->(:Agency) } RETURN p.id",
        "python string formatting placeholder": "MATCH (p:Person) WHERE p.id = '{}' AND p.role = {role} RETURN p",
    }
    assert set(samples) == set(FORBIDDEN)
    for what, text in samples.items():
        flags = re.IGNORECASE if "CALL" in what or "EXISTS" in what or "SET" in what else 0
        stripped = re.sub(r"'(?:[^'\\]|\\.)*'", "''", text) if "formatting" not in what else text
        assert re.search(FORBIDDEN[what], stripped, flags), what
    clean = tmp_path / "clean.cypher"
    clean.write_text(
        "MATCH (p:Person {id: $id})-[k:KNOWN_TO]->(a:Agency)\n"
        "WHERE k.since <= $as_of AND NOT EXISTS { MATCH (p)-[:LIVES_AT]->(x:Address) WHERE x.postcode = 'NS1 {x}' }\n"
        "WITH p, a, k  // the child's record: type(r) in a comment, and an apostrophe\n"
        "RETURN p.id, a.kind, k.until, [p.id, a.id] AS path, {id: p.id} AS m, 'http://x' AS url, $role AS r\n"
    )
    code = body(clean)
    assert not [w for w, pat in FORBIDDEN.items() if re.search(pat, code)], code
    assert set(PARAM.findall(code)) == {"id", "as_of", "role"}  # $role after the comment's apostrophe is seen


@pytest.mark.parametrize("path", SIBLINGS, ids=rel)
def test_an_engine_sibling_has_its_main_file(path):
    name, dialect, _ = path.name.split(".")
    assert dialect in ("ladybug", "neo4j"), f"{rel(path)}: unknown engine {dialect!r}"
    assert path.with_name(f"{name}.cypher").exists(), f"{rel(path)} has no {name}.cypher beside it"


def default_params(query: cat.Query) -> dict:
    return {"as_of": AS_OF} if any(p.name == "as_of" for p in query.parameters) else {}


@pytest.fixture(scope="module")
def sample_reader(sample_db_path):
    store = LadybugStore(sample_db_path, read_only=True)
    yield store
    store.close()


@pytest.mark.parametrize("name", [p.name.split(".")[0] for p in MAIN_FILES])
def test_every_query_runs_on_the_embedded_store_with_its_defaults(name, sample_reader):
    query = cat.get_query(name)
    result = cat.run_query(sample_reader, name, default_params(query))
    assert result.columns == list(query.columns), (
        f"{name}: returns columns {result.columns}, its header lists {list(query.columns)}"
    )


@pytest.mark.parametrize("name", sorted({p.name.split(".")[0] for p in SIBLINGS}))
def test_both_forms_of_an_engine_specific_query_give_the_same_rows(name, neo4j_sample, sample_reader):
    """Neo4j runs NAME.cypher (or NAME.neo4j.cypher), LadybugDB runs NAME.ladybug.cypher: same rows on the sample."""
    query = cat.get_query(name)
    on_neo4j = cat.run_query(neo4j_sample, name, default_params(query))
    on_ladybug = cat.run_query(sample_reader, name, default_params(query))
    assert on_neo4j.columns == on_ladybug.columns
    key = lambda row: [repr(v) for v in row]  # noqa: E731
    assert sorted(on_neo4j.rows, key=key) == sorted(on_ladybug.rows, key=key)


# -- read-only enforcement of ad-hoc Cypher -----------------------------------------------------------------
WRITES = {
    "CREATE": "CREATE (:Agency {id: 'intruder', name: 'Intruder', kind: 'other'})",
    "MERGE": "MERGE (a:Agency {id: 'intruder'}) RETURN a.id",
    "SET": "MATCH (a:Agency) WHERE a.id = 'csc' SET a.name = 'renamed' RETURN a.id",
    "DELETE": "MATCH (p:Person)-[r:LIVES_AT]->(x:Address) DELETE r",
    "DETACH DELETE": "MATCH (p:Person) DETACH DELETE p",
    "COPY": "COPY Agency FROM '{csv}'",  # LadybugDB's bulk load; not Cypher on Neo4j
    "CREATE INDEX": "CREATE INDEX intruder IF NOT EXISTS FOR (n:Agency) ON (n.name)",  # Neo4j schema write
}


def fingerprint(store) -> list:
    counts = [store.query(q).rows[0][0] for q in ("MATCH (n:Person) RETURN count(n)", "MATCH (n:Agency) RETURN count(n)", "MATCH ()-[r:LIVES_AT]->() RETURN count(r)")]
    csc = store.query("MATCH (a:Agency) WHERE a.id = 'csc' RETURN a.name").rows
    return counts + [csc]


@pytest.fixture(scope="module")
def embedded_sample(tmp_path_factory):
    """One embedded store with the sample for all read-only tests (writes are refused, so it stays as loaded)."""
    store = LadybugStore(tmp_path_factory.mktemp("readonly") / "sample.db")
    store.ensure_schema()
    load_bundle(store, SAMPLE, today=AS_OF)
    yield store
    store.close()


@pytest.fixture(scope="module")
def neo4j_sample():
    store = _neo4j_store()  # skips with the reason when GRAPHCASE_TEST_NEO4J_URI is not set
    store.ensure_schema()
    load_bundle(store, SAMPLE, today=AS_OF)
    yield store
    store.close()


@pytest.fixture(params=ENGINES)
def loaded_store(request):
    return request.getfixturevalue("embedded_sample" if request.param == "ladybug" else "neo4j_sample")


@pytest.mark.parametrize("kind", WRITES)
def test_ad_hoc_cypher_refuses_every_write_and_leaves_the_store_unchanged(kind, loaded_store, tmp_path):
    if (kind == "COPY" and loaded_store.dialect != "ladybug") or (kind == "CREATE INDEX" and loaded_store.dialect != "neo4j"):
        pytest.skip(f"{kind} is a {'LadybugDB' if kind == 'COPY' else 'Neo4j'} statement")
    csv = tmp_path / "agencies.csv"
    csv.write_text("id,name,kind\nintruder,Intruder,other\n")
    before = fingerprint(loaded_store)
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        loaded_store.query_read_only(WRITES[kind].replace("{csv}", str(csv)))
    assert fingerprint(loaded_store) == before
    assert not loaded_store.query("MATCH (a:Agency) WHERE a.id = 'intruder' RETURN a.id").rows


def test_ad_hoc_cypher_still_reads(loaded_store):
    result = loaded_store.query_read_only("MATCH (a:Agency) WHERE a.kind = $kind RETURN a.id AS id", {"kind": "probation"})
    assert result.rows == [["probation"]]


def test_a_broken_ad_hoc_query_is_an_error_not_a_read_only_violation(loaded_store):
    with pytest.raises(StoreError) as err:
        loaded_store.query_read_only("MATCH (a:Agency RETURN a")
    assert not isinstance(err.value, ReadOnlyViolation)


@pytest.mark.parametrize("kind", ["CREATE", "MERGE", "SET", "DELETE", "COPY"])
def test_the_cypher_command_refuses_a_write_with_exit_code_3(kind, embedded_sample, tmp_path):
    csv = tmp_path / "agencies.csv"
    csv.write_text("id,name,kind\nintruder,Intruder,other\n")
    before = fingerprint(embedded_sample)
    result = CliRunner().invoke(main, ["--db", embedded_sample.location, "cypher", WRITES[kind].replace("{csv}", str(csv))])
    assert result.exit_code == 3, result.output
    assert "Error: refused: this query writes, and ad-hoc queries are read-only" in result.output
    assert fingerprint(embedded_sample) == before


def test_the_cypher_command_runs_a_read(embedded_sample):
    result = CliRunner().invoke(
        main,
        ["--db", embedded_sample.location, "cypher", "MATCH (a:Agency) WHERE a.kind = $k RETURN a.id AS id", "-p", "k=csc", "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["id", "csc"]
