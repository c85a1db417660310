"""The read-only guard for ad-hoc Cypher (issue 16, item 1): every probe from the issue, for real.

Each attack runs through the CLI (``graphcase cypher``) and the Python API (``store.query_read_only``) on
the embedded store, and on Neo4j when GRAPHCASE_TEST_NEO4J_URI is set; each asserts the side effect did not
happen (no file written, no folder made, no native code run, the store still readable), not only that an
error came back. The allowed forms must still return the right rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase import load_bundle
from graphcase.cli import main
from graphcase.stores import ReadOnlyViolation, StoreError, guard
from graphcase.stores.ladybug import LadybugStore

from .conftest import AS_OF, ENGINES, SAMPLE, _neo4j_store

@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    path = tmp_path_factory.mktemp("guard") / "sample.db"
    store = LadybugStore(path)
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
def store(request):
    return request.getfixturevalue("embedded" if request.param == "ladybug" else "neo4j_sample")


def cli(store, *args, env=None):
    """graphcase cypher ARGS on the store; (exit code, stdout, stderr)."""
    where = ["--db", store.location] if store.dialect == "ladybug" else ["--neo4j", _neo4j_uri()]
    result = CliRunner().invoke(main, [*where, "cypher", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def _neo4j_uri():
    from .conftest import NEO4J_URI

    return NEO4J_URI


def people_count(store) -> int:
    return store.query("MATCH (p:Person) RETURN count(p) AS n").rows[0][0]


def assert_refused(store, query, *, naming: str, params=None):
    """Refused by the API (GuardRefusal naming the clause) and by the CLI (exit 3, no traceback)."""
    with pytest.raises(guard.GuardRefusal, match="read-only") as refusal:
        store.query_read_only(query, params)
    assert naming in str(refusal.value)
    code, out, err = cli(store, query)
    assert code == 3, (out, err)
    assert err.startswith("Error: refused:") and naming in err, err
    assert "Traceback" not in out + err
    return str(refusal.value)


# -- files: COPY, EXPORT, LOAD FROM, LOAD CSV ------------------------------------------------------
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_copy_to_a_file_is_refused_and_writes_nothing(store, tmp_path, suffix):
    target = tmp_path / f"people.{suffix}"
    assert_refused(store, f"COPY (MATCH (p:Person) RETURN p.*) TO '{target}'", naming="COPY")
    assert not target.exists()


def test_copy_cannot_overwrite_a_bundle_file(embedded, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE, bundle)
    before = (bundle / "people.csv").read_bytes()
    assert_refused(embedded, f"COPY (MATCH (p:Person) RETURN p.id) TO '{bundle / 'people.csv'}'", naming="COPY")
    assert (bundle / "people.csv").read_bytes() == before


def test_export_database_is_refused_and_makes_no_folder(store, tmp_path):
    # LadybugDB makes the folder while it merely plans EXPORT DATABASE: the token check must stop it first.
    target = tmp_path / "dump"
    assert_refused(store, f"EXPORT DATABASE '{target}'", naming="EXPORT")
    assert not target.exists()


def test_load_from_a_file_is_refused(store):
    message = assert_refused(store, "LOAD FROM '/etc/passwd' (file_format='csv', delim=':') RETURN *", naming="LOAD")
    assert "root:" not in message


def test_load_csv_is_refused(store):
    assert_refused(store, "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", naming="LOAD")
    assert_refused(store, "MATCH (p:Person) WITH p LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", naming="LOAD")


# -- native code and the network: LOAD EXTENSION, INSTALL ------------------------------------------
@pytest.fixture(scope="module")
def marker_extension(tmp_path_factory):
    """A shared library whose constructor writes a marker file: (library, marker)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("building the probe extension needs a C compiler (cc)")
    folder = tmp_path_factory.mktemp("extension")
    marker = folder / "constructor-ran"
    source = folder / "probe.c"
    source.write_text(
        textwrap.dedent(
            f"""
            #include <stdio.h>
            __attribute__((constructor)) static void probe(void) {{
                FILE *f = fopen("{marker}", "w");
                if (f) {{ fputs("ran", f); fclose(f); }}
            }}
            """
        )
    )
    library = folder / "probe.lbug_extension"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library, marker


def test_the_probe_extension_runs_native_code_without_the_guard(embedded, marker_extension):
    """The control: a read-only LadybugDB handle on its own does run the library's constructor."""
    library, marker = marker_extension
    script = (
        "import ladybug, sys\n"
        "conn = ladybug.Connection(ladybug.Database(sys.argv[1], read_only=True))\n"
        "try:\n    conn.execute(f\"LOAD EXTENSION '{sys.argv[2]}'\")\nexcept Exception:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", script, embedded.location, str(library)], check=True, timeout=120)
    assert marker.exists()
    marker.unlink()


def test_load_extension_is_refused_and_never_runs_native_code(store, marker_extension):
    library, marker = marker_extension
    marker.unlink(missing_ok=True)
    assert_refused(store, f"LOAD EXTENSION '{library}'", naming="LOAD")
    assert_refused(store, f"load extension \"{library}\"", naming="LOAD")
    assert not marker.exists()


def test_install_is_refused_at_once(store):
    started = time.monotonic()
    assert_refused(store, "INSTALL json", naming="INSTALL")
    assert_refused(store, "UNINSTALL json", naming="UNINSTALL")
    assert time.monotonic() - started < 30  # refused before any download was tried


def test_attach_and_use_are_refused(store, tmp_path):
    assert_refused(store, f"ATTACH '{tmp_path / 'other.db'}' AS other (dbtype lbug)", naming="ATTACH")
    assert not (tmp_path / "other.db").exists()
    assert_refused(store, "USE system MATCH (n) RETURN n", naming="USE")


# -- the store itself: CHECKPOINT, writes, settings ------------------------------------------------
@pytest.mark.parametrize(
    "query", ["CHECKPOINT", "checkpoint", "ChEcKpOiNt", "/* maintenance */ CHECKPOINT", "// x\nCHECKPOINT;", "  \tCHECKPOINT\n"]
)
def test_checkpoint_is_refused_and_the_store_stays_readable(embedded, query):
    before = people_count(embedded)
    assert_refused(embedded, query, naming="CHECKPOINT")
    assert people_count(embedded) == before
    code, out, _ = cli(embedded, "MATCH (p:Person) RETURN count(p) AS n", "--format", "csv")
    assert code == 0 and out.split() == ["n", str(before)]


@pytest.mark.parametrize(
    "query, naming",
    [
        ("MATCH (p:Person) SET p.name = 'x'", "SET"),
        ("MATCH (p:Person) DETACH DELETE p", "DETACH"),
        ("MATCH (p:Person) REMOVE p.name", "REMOVE"),
        ("MERGE (a:Agency {id: 'intruder'})", "MERGE"),
        ("DROP TABLE Person", "DROP"),
        ("ALTER TABLE Person ADD x STRING", "ALTER"),
        ("BEGIN TRANSACTION", "BEGIN"),
        ("UNWIND [1] AS x FOREACH (y IN [x] | CREATE (:Agency {id: 'z'}))", "FOREACH"),
        ("MATCH (p:Person) CALL { WITH p CREATE (:Agency {id: 'sub'}) } RETURN 1", "CREATE"),
        ("IMPORT DATABASE '/tmp/nowhere'", "IMPORT"),
        ("CALL threads=1", "CALL threads"),
        ("CALL timeout=0", "CALL timeout"),
        ("EXPLAIN MATCH (p:Person) RETURN p", "EXPLAIN"),
        ("PROFILE MATCH (p:Person) RETURN p", "PROFILE"),
        ("SHOW DATABASES", "SHOW"),
    ],
)
def test_writes_settings_and_commands_are_refused(store, query, naming):
    before = people_count(store)
    assert_refused(store, query, naming=naming)
    assert people_count(store) == before


@pytest.mark.parametrize(
    "query, naming",
    [
        ("CALL apoc.load.json('file:///etc/passwd')", "apoc.load.json"),
        ("CALL apoc.export.csv.all('/tmp/x.csv', {})", "apoc.export.csv.all"),
        ("RETURN apoc.text.join(['a', 'b'], ',') AS x", "apoc.text.join"),
        ("CALL dbms.listConfig()", "dbms.listConfig"),
        ("CALL read_csv('/etc/passwd') RETURN *", "read_csv"),
        ("CALL `apoc`.`load`.`json`('x')", "apoc.load.json"),
        ("CALL db.labels", "db.labels"),  # without ( ... ) the call is not checked: refused
    ],
)
def test_calls_outside_the_metadata_allow_list_are_refused(store, query, naming):
    assert_refused(store, query, naming=naming)


# -- one statement ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    ["RETURN 1; RETURN 2", "MATCH (p:Person) RETURN p.id; CHECKPOINT", "RETURN 1;;", "RETURN 1 ; MATCH (n) DETACH DELETE n"],
)
def test_several_statements_are_refused_without_a_traceback(store, query):
    before = people_count(store)
    assert_refused(store, query, naming="one statement")
    assert people_count(store) == before


def test_one_trailing_semicolon_is_fine(store):
    assert store.query_read_only("RETURN 1 AS x;").rows == [[1]]
    code, out, _ = cli(store, "RETURN 1 AS x;  // done", "--format", "csv")
    assert code == 0 and out.split() == ["x", "1"]


# -- comment, string-literal, case and unicode tricks ----------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("RETURN 'COPY' AS x", "COPY"),
        ('RETURN "CHECKPOINT; LOAD FROM \'/etc/passwd\'" AS x', "CHECKPOINT; LOAD FROM '/etc/passwd'"),
        ("RETURN 'it\\'s; CHECKPOINT' AS x", "it's; CHECKPOINT"),
        ("RETURN 'a' AS x // ; CHECKPOINT", "a"),
        ("RETURN /* ; COPY x TO 'y' */ 'b' AS x", "b"),
        ("RETURN 'c' AS `COPY`", "c"),
    ],
)
def test_clause_words_inside_strings_comments_and_backticks_are_text(store, query, expected):
    result = store.query_read_only(query)
    assert result.rows == [[expected]]


@pytest.mark.parametrize(
    "query, naming",
    [
        ("/* just a comment */ COPY (MATCH (p:Person) RETURN p.id) TO '{target}'", "COPY"),
        ("// line comment\nCOPY (MATCH (p:Person) RETURN p.id) TO '{target}'", "COPY"),
        ("RETURN 1 AS x /* */ ; COPY (MATCH (p:Person) RETURN p.id) TO '{target}'", "one statement"),
        ("cOpY (MATCH (p:Person) RETURN p.id) TO '{target}'", "COPY"),
        ("MATCH (p:Person) WITH p /* ' */ COPY (MATCH (q:Person) RETURN q.id) TO '{target}'", "COPY"),
        ("RETURN 1 /* never closed COPY (MATCH (p:Person) RETURN p.id) TO '{target}'", "never closed"),
        ("RETURN 'never closed COPY (MATCH (p:Person) RETURN p.id) TO '{target}'", "never closed"),
    ],
)
def test_clauses_hidden_by_comments_strings_or_case_are_refused(store, tmp_path, query, naming):
    target = tmp_path / "out.csv"
    assert_refused(store, query.format(target=target), naming=naming)
    assert not target.exists()


@pytest.mark.parametrize(
    "query, naming",
    [
        ("CHECK\u200bPOINT", "U+200B"),  # zero-width space inside the keyword
        ("RETURN 1 AS x\u200d", "U+200D"),  # zero-width joiner
        ("RETURN \u202eTNIOPKCEHC", "U+202E"),  # right-to-left override
        ("MATCH (p:Person) RETURN p\u2028CHECKPOINT", "CHECKPOINT"),  # a Unicode line separator is whitespace
        ("LOAD\u00a0FROM '/etc/passwd' RETURN *", "LOAD"),  # no-break space
        ("\ufeffCHECKPOINT", "U+FEFF"),  # byte-order mark
        ("\uff23\uff28\uff25\uff23\uff2b\uff30\uff2f\uff29\uff2e\uff34", "must begin with"),  # full-width CHECKPOINT
        ("RETURN 1 AS x \uff1b CHECKPOINT", "U+FF1B"),  # full-width semicolon
    ],
)
def test_unicode_tricks_are_refused(store, query, naming):
    assert_refused(store, query, naming=naming)


# -- limits ----------------------------------------------------------------------------------------
def test_a_huge_unwind_ends_with_a_clear_message(store):
    code, out, err = cli(store, "UNWIND range(1, 3000000000) AS x RETURN x", "--format", "csv")
    assert "Traceback" not in out + err and "bad_alloc" not in out + err
    if code == 0:  # Neo4j streams: the row limit cuts it
        assert len(out.split()) == 1 + guard.DEFAULT_MAX_ROWS
        assert f"truncated at {guard.DEFAULT_MAX_ROWS:,} rows" in err
    else:  # LadybugDB builds the list first and runs out of memory at once
        assert code == 1 and err.startswith("Error: stopped:"), err


def test_a_long_query_stops_at_the_time_limit(store):
    slow = "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b UNWIND range(1, 3000) AS c WITH a + b + c AS s WHERE s < 0 RETURN count(*) AS n"
    started = time.monotonic()
    with pytest.raises(guard.QueryLimitError, match="time limit of 0.5 s"):
        store.query_read_only(slow, timeout=0.5)
    assert time.monotonic() - started < 60
    code, _, err = cli(store, slow, "--timeout", "0.5")
    assert code == 1 and "ran past the time limit of 0.5 s" in err
    assert people_count(store) > 0  # the store still answers


def test_the_row_limit_truncates_and_says_so(store):
    result = store.query_read_only("UNWIND range(1, 20000) AS x RETURN x")
    assert len(result) == guard.DEFAULT_MAX_ROWS and result.truncated_at == guard.DEFAULT_MAX_ROWS
    assert [row[0] for row in result.rows[:3]] == [1, 2, 3]
    code, out, err = cli(store, "UNWIND range(1, 20) AS x RETURN x ORDER BY x DESC", "--max-rows", "5", "--format", "csv")
    assert code == 0 and out.split() == ["x", "20", "19", "18", "17", "16"]
    assert "truncated at 5 rows" in err
    code, out, err = cli(store, "UNWIND range(1, 20) AS x RETURN x", "--format", "csv", env={guard.MAX_ROWS_ENV: "7"})
    assert code == 0 and len(out.split()) == 8 and "truncated at 7 rows" in err
    # A query's own smaller LIMIT wins, and nothing is said.
    code, out, err = cli(store, "UNWIND range(1, 20) AS x RETURN x LIMIT 3", "--max-rows", "5", "--format", "csv")
    assert code == 0 and out.split() == ["x", "1", "2", "3"] and "truncated" not in err
    # UNION: no LIMIT can be appended, so the rows are cut as they are read.
    result = store.query_read_only("UNWIND range(1, 10) AS x RETURN x UNION ALL UNWIND range(11, 20) AS x RETURN x", max_rows=12)
    assert len(result) == 12 and result.truncated_at == 12


def test_bad_limits_are_clear_errors(store):
    code, _, err = cli(store, "RETURN 1", "--timeout", "0")
    assert code == 2 and "--timeout" in err
    code, _, err = cli(store, "RETURN 1", "--max-rows", "0")
    assert code == 2 and "--max-rows" in err
    code, _, err = cli(store, "RETURN 1", env={guard.TIMEOUT_ENV: "soon"})
    assert code == 1 and "GRAPHCASE_CYPHER_TIMEOUT='soon' is not a number" in err
    with pytest.raises(StoreError, match="row limit"):
        store.query_read_only("RETURN 1", max_rows=0)


# -- the worker process (embedded store): a hard kill at the time limit, a memory cap -----------------
def child_pids() -> set[int]:
    """Processes whose parent is this test process (a worker left behind would be one)."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            pids.add(int(stat.parent.name))
    return pids


def store_files(store) -> list[str]:
    folder = Path(store.location).parent
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_a_huge_range_stops_with_a_clear_error_and_leaves_no_process(embedded):
    before, files = child_pids(), store_files(embedded)
    started = time.monotonic()
    with pytest.raises(guard.QueryLimitError, match=r"^stopped"):
        embedded.query_read_only("UNWIND range(1, 500000000) AS x RETURN count(x)", timeout=3)
    assert time.monotonic() - started < 3 + 5  # in process it ran 21-45 s and reached 4.3 GB
    assert child_pids() <= before
    assert store_files(embedded) == files and people_count(embedded) > 0


def test_a_memory_blow_up_is_stopped_at_the_memory_limit(embedded):
    blow_up = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN collect(a * b) AS xs"
    with pytest.raises(guard.QueryLimitError, match="ran out of the 256 MB allowed"):
        embedded.query_read_only(blow_up, timeout=60, memory_mb=256)
    code, out, err = cli(embedded, blow_up, "--max-memory-mb", "256", "--timeout", "60")
    assert code == 1 and "ran out of the 256 MB allowed" in err and "Traceback" not in out + err
    code, _, err = cli(embedded, blow_up, "--timeout", "60", env={guard.MEMORY_ENV: "300"})
    assert code == 1 and "ran out of the 300 MB allowed" in err


def test_a_step_the_engine_cannot_interrupt_is_killed_at_the_time_limit(embedded):
    """Sorting one 30-million-item list is a single step: the engine's own timeout never fires and, in
    process, the query returned its row after several seconds. Only the kill stops it at the limit."""
    one_step = "RETURN size(list_sort(range(30000000, 1, -1))) AS n"
    before = child_pids()
    started = time.monotonic()
    with pytest.raises(guard.QueryLimitError, match="stopped after 1 s"):
        embedded.query_read_only(one_step, timeout=1, memory_mb=2048)
    assert time.monotonic() - started < 1 + 5
    assert child_pids() <= before
    code, _, err = cli(embedded, one_step, "--timeout", "1", "--max-memory-mb", "2048")
    assert code == 1 and "stopped after 1 s" in err


def test_ad_hoc_rows_equal_graphcase_own_query_rows(embedded):
    for query in [
        "MATCH (p:Person) RETURN p.id AS id, p.given_name AS name, p.dob AS dob ORDER BY id",
        "MATCH (p:Person)-[l:LIVES_AT]->(a:Address) RETURN p.id, a.id, l.from_date ORDER BY p.id, a.id",
        "MATCH (e:Event) RETURN e.kind AS kind, count(*) AS n ORDER BY kind",
        "MATCH (a:Agency) RETURN a ORDER BY a.id",
    ]:
        mine = embedded.query(query)
        ad_hoc = embedded.query_read_only(query)
        assert ad_hoc.columns == mine.columns and ad_hoc.rows == mine.rows and len(ad_hoc) > 0, query


def test_bad_memory_limits_are_clear_errors(embedded):
    code, _, err = cli(embedded, "RETURN 1", "--max-memory-mb", "10")
    assert code == 2 and "--max-memory-mb" in err
    code, _, err = cli(embedded, "RETURN 1", env={guard.MEMORY_ENV: "lots"})
    assert code == 1 and "GRAPHCASE_CYPHER_MEMORY_MB='lots' is not a whole number" in err
    with pytest.raises(StoreError, match="memory limit"):
        embedded.query_read_only("RETURN 1", memory_mb=1)


# -- what is allowed -------------------------------------------------------------------------------
def test_allowed_forms_return_the_right_rows(store):
    agencies = sorted(row[0] for row in store.query("MATCH (a:Agency) RETURN a.id").rows)
    people = store.query("MATCH (p:Person) RETURN count(p)").rows[0][0]
    q = store.query_read_only
    assert q("MATCH (a:Agency) WHERE a.kind = $kind RETURN a.id AS id", {"kind": "probation"}).rows == [["probation"]]
    assert [r[0] for r in q("MATCH (a:Agency) RETURN a.id AS id ORDER BY id").rows] == agencies
    assert [r[0] for r in q("MATCH (a:Agency) RETURN a.id AS id ORDER BY id SKIP 1 LIMIT 2").rows] == agencies[1:3]
    assert q("MATCH (p:Person) OPTIONAL MATCH (p)-[:LIVES_AT]->(x:Address) WITH p, count(x) AS n RETURN count(p)").rows == [[people]]
    assert q("UNWIND [3, 1, 2] AS x WITH x WHERE x > 1 RETURN x ORDER BY x").rows == [[2], [3]]
    assert q("RETURN 1 AS x UNION ALL RETURN 2 AS x").rows == [[1], [2]]
    assert q("RETURN 1 AS x UNION RETURN 1 AS x").rows == [[1]]
    assert q("MATCH (p:Person) WHERE EXISTS { MATCH (p)-[:LIVES_AT]->(:Address) } RETURN count(p) > 0 AS some").rows == [[True]]
    if store.dialect == "ladybug":
        tables = {row[1] for row in q("CALL show_tables() RETURN *").rows}
        assert {"Person", "Agency", "LIVES_AT"} <= tables
        assert "id" in {row[1] for row in q("CALL table_info('Person') RETURN *").rows}
    else:
        assert {"Person", "Agency"} <= {row[0] for row in q("CALL db.labels() YIELD label RETURN label").rows}
        assert "LIVES_AT" in {row[0] for row in q("CALL db.relationshipTypes()").rows}
        assert q("RETURN date.truncate('month', date('2020-05-17')) AS d").rows[0][0].isoformat() == "2020-05-01"


def test_property_and_label_names_that_are_keywords_are_fine(store):
    # `.set`, `:Copy` and map keys are names, not clauses.
    assert store.query_read_only("RETURN {set: 1, copy: 2}.set AS x").rows == [[1]]


def test_the_cli_runs_an_allowed_query(store):
    code, out, err = cli(store, "MATCH (a:Agency) WHERE a.kind = $k RETURN a.id AS id", "-p", "k=csc", "--format", "csv")
    assert code == 0 and out.split() == ["id", "csc"] and err == ""


# -- the engines' own verdicts (the second level, behind the token check) --------------------------
@pytest.mark.parametrize(
    "query, operator",
    [
        ("MATCH (p:Person) SET p.name = 'x'", "SET_PROPERTY"),
        ("COPY (MATCH (p:Person) RETURN p.id) TO '{target}'", "COPY_TO"),
        ("CHECKPOINT", "TRANSACTION"),
        ("CALL threads=1", "STANDALONE_CALL"),
        ("LOAD FROM '{source}' RETURN *", "READ_CSV"),
        ("MATCH (p:Person) DELETE p", "DELETE"),
    ],
)
def test_ladybug_plans_of_writes_and_file_reads_are_refused(tmp_path, query, operator):
    """EXPLAIN (which writes nothing) on a read-write handle gives the engine's real plan of each write."""
    import ladybug

    source = tmp_path / "in.csv"
    source.write_text("a\n1\n")
    target = tmp_path / "out.csv"
    conn = ladybug.Connection(ladybug.Database(str(tmp_path / "rw.db")))
    conn.execute("CREATE NODE TABLE Person(id STRING, name STRING, PRIMARY KEY(id))")
    plan = conn.execute("EXPLAIN " + query.format(target=target, source=source)).get_all()[0][0]
    with pytest.raises(guard.GuardRefusal, match=operator):
        guard.check_ladybug_plan(plan)
    assert not target.exists()
    reads = conn.execute("EXPLAIN MATCH (p:Person) RETURN p.id ORDER BY p.id LIMIT 3").get_all()[0][0]
    guard.check_ladybug_plan(reads)  # accepted


def test_an_unreadable_ladybug_plan_is_refused():
    with pytest.raises(guard.GuardRefusal, match="could not be checked"):
        guard.check_ladybug_plan("no operators here")


def test_neo4j_explain_query_types_decide(neo4j_sample):
    def query_type(tx, cypher):
        return tx.run("EXPLAIN " + cypher).consume().query_type

    for cypher, expected in [("MATCH (n) RETURN n", "r"), ("CREATE (n:Agency {id: 'x'})", "w"), ("MATCH (n) SET n.x = 1 RETURN n", "rw")]:
        kind = neo4j_sample._managed(True, query_type, cypher, action="explain")
        assert kind == expected
        if kind == "r":
            guard.check_neo4j_query_type(kind)
        else:
            with pytest.raises(guard.GuardRefusal, match="read-only"):
                guard.check_neo4j_query_type(kind)
    assert not neo4j_sample.query("MATCH (a:Agency {id: 'x'}) RETURN a").rows


# -- the token check on its own ------------------------------------------------------------------
def test_a_refused_query_never_reaches_the_engine(monkeypatch, embedded):
    """The token check runs before EXPLAIN: binding LOAD FROM or EXPORT already touches files."""

    def no_engine(*args, **kwargs):
        raise AssertionError("the engine was asked")

    monkeypatch.setattr(LadybugStore, "_run_guarded", no_engine)
    with pytest.raises(ReadOnlyViolation):
        embedded.query_read_only("LOAD FROM '/dev/zero' RETURN *")


def test_statement_appends_limit_only_where_it_keeps_the_meaning():
    check = guard.check_statement
    assert check("MATCH (n) RETURN n", "ladybug").limited(5).endswith("LIMIT 5")
    assert check("MATCH (n) RETURN n // note", "ladybug").limited(5) == "MATCH (n) RETURN n // note\nLIMIT 5"
    assert check("MATCH (n) RETURN n LIMIT 2", "ladybug").limited(5) == "MATCH (n) RETURN n LIMIT 2"
    assert check("RETURN 1 UNION RETURN 2", "ladybug").limited(5) == "RETURN 1 UNION RETURN 2"
    assert check("MATCH (n) WITH n LIMIT 2 RETURN n", "ladybug").limited(5).endswith("LIMIT 5")
    assert check("MATCH (n) WHERE EXISTS { MATCH (n)--(m) RETURN m LIMIT 1 } RETURN n", "ladybug").limited(5).endswith("LIMIT 5")
