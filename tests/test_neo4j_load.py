"""Batched Neo4j loads stay all or nothing (real server; needs GRAPHCASE_TEST_NEO4J_URI).

A load commits one batch per transaction; a marker names it while it runs and undo copies keep the old values
of what it changed (graphcase/stores/neo4j.py, docs/neo4j.md). These tests kill a load in a child process at
random moments, fail one mid-way, and load a bundle larger than the test server's 256 MB per-transaction cap.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from graphcase import load_bundle
from graphcase.stores import neo4j as neo4j_store
from graphcase.synthetic.county import generate_county

from .conftest import NEO4J_URI

pytestmark = pytest.mark.skipif(not NEO4J_URI, reason="needs a Neo4j server (GRAPHCASE_TEST_NEO4J_URI)")
LOAD_COLUMNS = ("load_id", "loaded_at")


def open_store(batch_size: int = neo4j_store.DEFAULT_BATCH) -> neo4j_store.Neo4jStore:
    return neo4j_store.Neo4jStore(NEO4J_URI, batch_size=batch_size)


def wipe(store) -> None:
    store._autocommit("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS", {"batch": 20}, "wipe")


def snapshot(store, with_load_columns: bool = True) -> list[str]:
    """Every node (labels, properties) and relationship (type, ends, properties), as sorted text."""

    def props(values: dict) -> str:
        return repr(sorted((k, str(v)) for k, v in values.items() if with_load_columns or k not in LOAD_COLUMNS))

    nodes = store.query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS p").rows
    rels = store.query("MATCH (a)-[r]->(b) RETURN type(r), a.id, b.id, properties(r)").rows
    return sorted([f"{sorted(labels)} {props(p)}" for labels, p in nodes] + [f"{t} {a} {b} {props(p)}" for t, a, b, p in rels])


@contextlib.contextmanager
def queries_counted(store, monkeypatch):
    """Record, while the block runs, each query the store reads with and how many rows it returned."""
    statements: list[str] = []
    returned: list[int] = []
    real_query = store.query

    def counting(cypher, params=None):
        result = real_query(cypher, params)
        statements.append(cypher)
        collected = cypher.endswith(neo4j_store.COLLECTED)  # one row holding a list of values
        returned.append(len(result.rows[0][0]) if collected else len(result.rows))
        return result

    monkeypatch.setattr(store, "query", counting)
    try:
        yield statements, returned
    finally:
        monkeypatch.undo()


@pytest.fixture(scope="module")
def two_extracts(tmp_path_factory) -> tuple[Path, Path]:
    """Two counties with the same ids and other values: the second one's load updates most rows and adds some."""
    tmp = tmp_path_factory.mktemp("extracts")
    generate_county(300, seed=5, out_dir=tmp / "first")
    generate_county(320, seed=6, out_dir=tmp / "second")
    return tmp / "first", tmp / "second"


CHILD = """
import sys
from graphcase import load_bundle
from graphcase.stores.neo4j import Neo4jStore
store = Neo4jStore({uri!r}, batch_size={batch}, sessions={sessions})
write = store.apply

def apply(plan, progress=None):
    print("WRITING", flush=True)  # reading, validating and planning are done: the kill comes in the write

    def each_batch(step, rows):
        print("BATCH", flush=True)
        if progress:
            progress(step, rows)

    return write(plan, each_batch)

store.apply = apply
load_bundle(store, {bundle!r})
print("LOADED")
"""


@pytest.mark.parametrize("sessions", [1, 3])
def test_a_load_killed_at_random_moments_leaves_the_store_as_before_and_the_next_load_completes(two_extracts, sessions):
    """With 3 sessions, several batches are in flight (committing or not) when the kill comes."""
    first, second = two_extracts
    batch = 25
    with open_store(batch) as store:
        wipe(store)
        load_bundle(store, first)
        batches: list[str] = []
        write = store.apply
        store.apply = lambda plan, progress=None: write(plan, lambda step, rows: batches.append(step))
        load_bundle(store, second)
        after = snapshot(store, with_load_columns=False)
    assert len(batches) >= 20, batches
    rng = random.Random(int(os.environ.get("GRAPHCASE_KILL_SEED", "12")))
    states, cut_short = [], 0
    for trial in range(4):
        with open_store(batch) as store:
            wipe(store)
            load_bundle(store, first)
            before = snapshot(store)
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CHILD.format(uri=NEO4J_URI, batch=batch, sessions=sessions, bundle=str(second)))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # Wait out Python's start-up and the load's planning (seconds on a busy machine), then kill after a
        # random batch of the first half: counted, not timed, so a busy machine cannot push every kill past the
        # end of the load (the child may run a few batches ahead while the signal travels).
        assert child.stdout.readline().strip() == b"WRITING", child.stderr.read()
        for _ in range(rng.randint(1, len(batches) // 2)):
            assert child.stdout.readline().strip() == b"BATCH", child.stderr.read()
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        with open_store(batch) as store:
            unfinished = store.unfinished_loads()
            cut_short += bool(unfinished)
            assert store.recover() == unfinished
            state = snapshot(store)
            if state == before:
                states.append("before")
            else:
                assert snapshot(store, with_load_columns=False) == after, f"trial {trial}: neither before nor after"
                states.append("after")
            assert not store.query(f"MATCH (u:{neo4j_store.UNDO_LABEL}) RETURN u LIMIT 1").rows
            load_bundle(store, second)  # the next load completes
            assert snapshot(store, with_load_columns=False) == after
            assert not store.unfinished_loads()
    assert cut_short >= 2, f"only {cut_short} of 4 kills came while a load was running ({states}); the test proves nothing"


@pytest.mark.parametrize("sessions", [1, 3])
def test_a_load_that_fails_mid_way_is_rolled_back_at_once(two_extracts, monkeypatch, sessions):
    first, second = two_extracts
    with neo4j_store.Neo4jStore(NEO4J_URI, batch_size=25, sessions=sessions) as store:
        wipe(store)
        load_bundle(store, first)
        before = snapshot(store)
        real, calls = neo4j_store._run_batch, []

        def failing(tx, statements, params):
            calls.append(1)
            if len(calls) == 30:
                raise RuntimeError("the network went away")
            return real(tx, statements, params)

        monkeypatch.setattr(neo4j_store, "_run_batch", failing)
        with pytest.raises(RuntimeError, match="network went away"):
            load_bundle(store, second)
        # One session stops at the failing batch; more finish the batches already running (or retried on a deadlock).
        assert len(calls) == 30 if sessions == 1 else len(calls) >= 30
        assert snapshot(store) == before
        assert not store.unfinished_loads()


def test_the_load_after_one_left_unfinished_plans_against_the_store_as_it_was(two_extracts, monkeypatch):
    """A load cut short with nobody left to roll it back (its rows written, its marker still there): the next
    load of the same bundle undoes it first and then plans, so it writes every row the cut-short load had
    written. Planned against the unfinished rows it would skip them, and the undo would then put back the
    old values."""
    first, second = two_extracts
    with open_store(25) as store:
        wipe(store)
        load_bundle(store, first)
        load_bundle(store, second)
        after = snapshot(store, with_load_columns=False)
        wipe(store)
        load_bundle(store, first)
        real, calls = neo4j_store._run_batch, []

        def cut_short(tx, statements, params):
            calls.append(1)
            if len(calls) == 40:
                raise KeyboardInterrupt  # as a kill: no more batches
            return real(tx, statements, params)

        monkeypatch.setattr(neo4j_store, "_run_batch", cut_short)
        monkeypatch.setattr(store, "rollback", lambda load_id: (_ for _ in ()).throw(ConnectionError("server gone")))
        with pytest.raises(KeyboardInterrupt):
            load_bundle(store, second)
        monkeypatch.undo()
        assert len(store.unfinished_loads()) == 1
        load_bundle(store, second)
        assert not store.unfinished_loads()
        assert snapshot(store, with_load_columns=False) == after


def test_a_bundle_larger_than_the_servers_transaction_memory_loads_in_batches(tmp_path):
    """~320 MB of event text against the test server's 256 MB cap on one transaction (db.memory.transaction.max)."""
    folder = tmp_path / "fat"
    generate_county(250, seed=5, out_dir=folder)
    events = pacsv.read_csv(folder / "events.csv")
    pad = "x" * 800_000
    summaries = pa.array([f"{s} {pad}" for s in events["summary"].to_pylist()])
    events = events.set_column(events.schema.get_field_index("summary"), "summary", summaries)
    pacsv.write_csv(events, folder / "events.csv")
    text_bytes = sum(len(s) for s in summaries.to_pylist())
    assert text_bytes > 300 * 2**20, text_bytes
    with open_store(batch_size=20) as store:
        wipe(store)
        report = load_bundle(store, folder)
        assert not report.rejects
        stored = store.query("MATCH (e:Event) RETURN count(e) AS n, sum(size(e.summary)) AS chars").rows[0]
        wipe(store)  # other tests wipe the database in one transaction: too big for this one
    assert stored == [events.num_rows, text_bytes]


def test_a_reload_plans_by_looking_up_only_the_bundles_keys(two_extracts, monkeypatch):
    """Adding the sample to a county reads back the sample's keys, not the county's rows."""
    import datetime as dt

    from graphcase.ingest.bundle import read_bundle
    from graphcase.ingest.load import plan_load
    from graphcase.ingest.validate import validate_bundle

    from .conftest import AS_OF, SAMPLE

    first, _ = two_extracts
    with open_store() as store:
        wipe(store)
        load_bundle(store, first)
        stored_rows = store.query("MATCH (n) RETURN count(n)").rows[0][0] + store.query("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
        validated = validate_bundle(read_bundle(SAMPLE), known_ids=store.known_ids, today=AS_OF)
        bundle_rows = sum(validated.accepted_counts().values())
        with queries_counted(store, monkeypatch) as (statements, returned):
            plan = plan_load(validated, store, "test-plan", dt.datetime(2026, 1, 1))
        lookups = [n for s, n in zip(statements, returned) if s.startswith("UNWIND $keys AS k MATCH")]
        scans = [n for s, n in zip(statements, returned) if s.endswith(neo4j_store.COLLECTED)]
        counts = [s for s in statements if s.endswith("RETURN count(n) AS stored")]
        assert len(lookups) + len(scans) + len(counts) == len(statements), statements
        # Only an element the county holds few more of than the sample (agencies) is read whole.
        assert sum(lookups) + sum(scans) <= neo4j_store.HASH_SCAN_FACTOR * bundle_rows and bundle_rows < stored_rows / 10
        assert sum(c["new"] + c["updated"] for c in plan.counts().values()) > 100
        load_bundle(store, SAMPLE, today=AS_OF)
        again = plan_load(validate_bundle(read_bundle(SAMPLE), known_ids=store.known_ids, today=AS_OF), store, "again", dt.datetime(2026, 1, 2))
        assert again.is_empty


def test_a_neo4j_routing_uri_loads_writes_to_the_leader_and_reads_from_readers():
    """neo4j:// against the single test server, which routes to itself: the driver asks it for a routing
    table, sends the load's writes to a writer and graphcase's reads in READ access mode (to readers)."""
    from graphcase.stores import StoreError

    from .conftest import AS_OF, SAMPLE

    routed = NEO4J_URI.replace("bolt://", "neo4j://", 1)
    with neo4j_store.Neo4jStore(routed) as store:
        assert type(store._driver).__name__ == "Neo4jDriver"  # the routing driver, not the direct one
        wipe(store)
        report = load_bundle(store, SAMPLE, today=AS_OF)
        assert report.applied and not report.rejects
        assert store.query("MATCH (p:Person) RETURN count(p)").rows == [[16]]
        # Reads run in READ access mode: a server (or a cluster's follower) refuses a write sent as a read.
        with pytest.raises(StoreError, match="refuses writes"):
            store.query("CREATE (:Scratch {at: 1})")
        assert store.write("CREATE (s:Scratch {at: 1}) RETURN count(s)").rows == [[1]]
        store.write("MATCH (s:Scratch) DELETE s")


def test_a_reload_with_a_few_changes_reads_the_stored_hashes_and_looks_up_only_the_changed_rows(two_extracts, tmp_path, monkeypatch):
    """A 1% delta: one scan of the stored hashes drops the unchanged rows; only the changed ones are looked up."""
    import datetime as dt
    import shutil

    import pandas as pd

    from graphcase.ingest.bundle import read_bundle
    from graphcase.ingest.load import plan_load
    from graphcase.ingest.validate import validate_bundle

    first, _ = two_extracts
    changed = tmp_path / "changed"
    shutil.copytree(first, changed)
    people = pd.read_csv(changed / "people.csv", dtype=str, keep_default_na=False)
    people.loc[:2, "given_name"] = people.loc[:2, "given_name"] + "x"  # three people renamed
    people.to_csv(changed / "people.csv", index=False)
    with open_store() as store:
        wipe(store)
        load_bundle(store, first)
        with queries_counted(store, monkeypatch) as (statements, returned):
            plan = plan_load(validate_bundle(read_bundle(changed), known_ids=store.known_ids), store, "delta", dt.datetime(2026, 1, 1))
        wipe(store)
    looked_up = [n for s, n in zip(statements, returned) if s.startswith("UNWIND $keys AS k MATCH")]
    assert any(s.endswith(neo4j_store.COLLECTED) for s in statements)
    assert sum(looked_up) == 3 and plan.counts()["Person"]["updated"] == 3
    assert sum(c["new"] + c["updated"] for c in plan.counts().values()) == 3


def test_a_load_from_parallel_sessions_writes_exactly_what_one_session_writes(two_extracts, monkeypatch):
    """First load, a load that updates most rows (undo copies, relationships written anew) and a re-load, from 1
    and from 4 sessions: the same store. The 4-session loads do run batches at once, and no relationship batch
    starts before the last node batch has committed (a relationship needs both ends)."""
    import threading
    import time

    first, second = two_extracts
    real, guard = neo4j_store._run_batch, threading.Lock()
    running: list[bool] = []  # is_node of each batch running now
    most_at_once, rel_before_nodes_done = [0], [0]

    def watched(tx, statements, params):
        is_node = "]->(" not in statements[-1][0]
        with guard:
            running.append(is_node)
            most_at_once[0] = max(most_at_once[0], len(running))
            rel_before_nodes_done[0] += (not is_node) and any(running)
        try:
            time.sleep(0.01)  # a batch this small would otherwise finish before the next one is sent
            return real(tx, statements, params)
        finally:
            with guard:
                running.remove(is_node)

    monkeypatch.setattr(neo4j_store, "_run_batch", watched)
    states = {}
    for sessions in (1, 4):
        with neo4j_store.Neo4jStore(NEO4J_URI, batch_size=25, sessions=sessions) as store:
            wipe(store)
            most_at_once[0] = 0
            load_bundle(store, first)
            after_first = snapshot(store, with_load_columns=False)
            load_bundle(store, second)
            after_second = snapshot(store, with_load_columns=False)
            before = snapshot(store)
            again = load_bundle(store, second)
            assert sum(c["new"] + c["updated"] for c in again.written.values()) == 0
            assert snapshot(store) == before
            assert not store.unfinished_loads() and not store.query(f"MATCH (u:{neo4j_store.UNDO_LABEL}) RETURN u LIMIT 1").rows
            states[sessions] = (after_first, after_second, most_at_once[0])
    assert states[1][:2] == states[4][:2]
    assert states[1][2] == 1 and states[4][2] >= 3, (states[1][2], states[4][2])
    assert rel_before_nodes_done[0] == 0


def test_sessions_must_be_a_whole_number_and_the_embedded_store_takes_one():
    from graphcase.stores import StoreError, open_store as open_any

    with pytest.raises(StoreError, match="sessions must be a whole number"):
        neo4j_store.Neo4jStore(NEO4J_URI, sessions=0, verify=False)
    with pytest.raises(StoreError, match="parallel sessions are for a Neo4j store"):
        open_any("unused.db", sessions=2)
