"""The Neo4j store without a server: driver construction per URI scheme, clear errors, credentials, batching.

What needs a live Neo4j 5 (loading, queries, read-only refusal by the server) runs in the store tests
parametrised over engines (``empty_store`` / ``sample_store``) when GRAPHCASE_TEST_NEO4J_URI is set.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from dataclasses import replace

import neo4j
import pytest

from graphcase.ingest.load import plan_load
from graphcase.ingest.bundle import read_bundle
from graphcase.stores import ReadOnlyViolation, StoreError, dialects
from graphcase.stores.base import LoadPlan
from graphcase.stores.neo4j import DEFAULT_BATCH, Neo4jStore, undo_rel_statement, auth_from_env, display_uri, is_read_only_refusal
from graphcase.ingest.validate import validate_bundle

from .conftest import AS_OF, SAMPLE

URIS = {
    "bolt": ("bolt://localhost:7687", "BoltDriver", False),
    "neo4j": ("neo4j://localhost:7687", "Neo4jDriver", False),
    "neo4j+s": ("neo4j+s://0a1b2c3d.databases.neo4j.io", "Neo4jDriver", True),
}


@pytest.mark.parametrize("scheme", URIS)
def test_the_driver_accepts_each_uri_scheme_without_connecting(scheme):
    uri, driver_class, encrypted = URIS[scheme]
    driver = neo4j.GraphDatabase.driver(uri, auth=("neo4j", "secret"))
    try:
        assert type(driver).__name__ == driver_class
        assert driver.encrypted is encrypted
    finally:
        driver.close()
    store = Neo4jStore(uri, auth=("neo4j", "secret"), verify=False, database="cases")
    try:
        assert store.location == uri and store.database == "cases" and store.dialect == "neo4j"
        assert store.batch_size == DEFAULT_BATCH
    finally:
        store.close()


@pytest.mark.parametrize("uri", ["http://localhost:7474", "localhost:7687", "bolt://", "neo4j+x://host:7687"])
def test_a_uri_that_is_not_neo4j_is_refused_naming_it(uri):
    with pytest.raises(StoreError) as err:
        Neo4jStore(uri, verify=False)
    assert repr(uri) in str(err.value) and "neo4j+s://" in str(err.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_nothing_listening_gives_a_store_error_naming_the_uri(scheme):
    uri = f"{scheme}://127.0.0.1:{_closed_port()}"
    started = time.perf_counter()
    with pytest.raises(StoreError) as err:
        Neo4jStore(uri, auth=("neo4j", "secret"), connection_timeout=2.0, max_retry_time=1.0)
    assert uri in str(err.value)
    assert "is the server running" in str(err.value)
    assert time.perf_counter() - started < 20


def test_a_password_written_into_the_uri_is_never_echoed():
    assert display_uri("neo4j+s://bob:hunter2@db.example.org:7687") == "neo4j+s://db.example.org:7687"
    # The driver refuses credentials in a bolt:// URI; the error must not repeat them.
    with pytest.raises(StoreError) as err:
        Neo4jStore("bolt://bob:hunter2@localhost:7687", verify=False)
    assert "hunter2" not in str(err.value) and "bolt://localhost:7687" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_credentials_come_from_the_environment():
    assert auth_from_env({}) is None
    assert auth_from_env({"NEO4J_USERNAME": "analyst", "NEO4J_PASSWORD": "pw"}) == ("analyst", "pw")
    assert auth_from_env({"NEO4J_PASSWORD": "pw"}) == ("neo4j", "pw")  # Aura's and the server's default user
    with pytest.raises(StoreError, match="NEO4J_PASSWORD is not"):
        auth_from_env({"NEO4J_USERNAME": "analyst"})


def test_the_database_name_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("NEO4J_DATABASE", "safeguarding")
    store = Neo4jStore("bolt://localhost:7687", verify=False)
    try:
        assert store.database == "safeguarding"
    finally:
        store.close()


@pytest.mark.parametrize("size", [0, -5, 2.5])
def test_a_batch_size_below_one_row_is_refused(size):
    with pytest.raises(StoreError, match="batch size"):
        Neo4jStore("bolt://localhost:7687", verify=False, batch_size=size)


def test_the_server_refusing_a_write_in_a_read_transaction_becomes_read_only_violation():
    # The error the server sends for CREATE inside a READ access-mode transaction, hydrated by the driver itself.
    hydrate = getattr(neo4j.exceptions.Neo4jError, "_hydrate_neo4j", None) or neo4j.exceptions.Neo4jError.hydrate  # 6.x / 5.x
    refusal = hydrate(
        code="Neo.ClientError.Statement.AccessMode",
        message="Writing in read access mode not allowed. Attempted write to internal graph 0 (neo4j)",
    )
    other = hydrate(
        code="Neo.ClientError.Statement.SyntaxError", message="Invalid input 'MATCHH'"
    )
    assert is_read_only_refusal(refusal) and not is_read_only_refusal(other)
    store = Neo4jStore("bolt://localhost:7687", verify=False)
    try:
        translated = store._translate(refusal, "query", ad_hoc=True)
        assert isinstance(translated, ReadOnlyViolation) and "read-only" in str(translated)
        # The same refusal during graphcase's own write (a load into a read-only database) says what to check.
        during_load = store._translate(refusal, "load 20261101T000000-abc")
        assert type(during_load) is StoreError and "refuses writes" in str(during_load) and "load 2026" in str(during_load)
        syntax = store._translate(other, "query")
        assert type(syntax) is StoreError and "localhost:7687" in str(syntax) and "MATCHH" in str(syntax)
    finally:
        store.close()


def test_a_load_is_cut_into_unwind_batches_of_the_configured_size(ladybug_store):
    """The statements and batches one load sends (the plan comes from the sample against an empty store)."""
    validated = validate_bundle(read_bundle(SAMPLE), known_ids=ladybug_store.known_ids, today=AS_OF)
    plan = plan_load(validated, ladybug_store, "test-load", AS_OF)
    store = Neo4jStore("bolt://localhost:7687", verify=False, batch_size=4)
    try:
        steps = store.load_steps(plan)
    finally:
        store.close()
    assert all(1 <= len(batch) <= 4 for _, batch, _ in steps)
    written = {}
    for statement, batch, label in steps:
        assert statement.startswith("UNWIND $rows AS row ")
        if label:
            written[label] = written.get(label, 0) + len(batch)
    assert written == {c.element: len(c.inserts) + len(c.updates) for c in plan.changes if len(c.inserts) + len(c.updates)}
    assert written["Person"] == 16 and written["Agency"] == 9
    # A new row (its key is not in the store) is merged alone: there is nothing to save or delete.
    recorded = sorted({s for s, _, _ in steps if ":RECORDED_BY" in s})
    assert len(recorded) == 1 and recorded[0].startswith("UNWIND $rows AS row MATCH (a:Event") and "MERGE (a)-[r:RECORDED_BY" in recorded[0]
    # RECORDED_BY is replaced on update: each batch copies the event's old edge into an undo node (for a
    # rollback), deletes it, then merges the new one.
    as_updates = LoadPlan(plan.load_id, plan.loaded_at, [replace(c, inserts=c.inserts.iloc[:0], updates=c.inserts) for c in plan.changes])
    store = Neo4jStore("bolt://localhost:7687", verify=False, batch_size=4)
    try:
        recorded = [s for s, _, _ in store.load_steps(as_updates) if ":RECORDED_BY" in s]
    finally:
        store.close()
    assert recorded[0] == undo_rel_statement("RECORDED_BY", "Event", "Agency", True)
    assert recorded[1] == dialects.rel_delete_from("RECORDED_BY", "Event")
    assert recorded[2].startswith("UNWIND $rows AS row MATCH (a:Event") and "MERGE (a)-[r:RECORDED_BY" in recorded[2]
    # Rows carry only values the driver packs natively (no date objects, no pandas NaT/NaN): dates as ISO
    # text that the statement parses, the load's id and time once per batch as parameters.
    person_rows = next(batch for s, batch, label in steps if label == "Person")
    values = [v for batch in (b for _, b, _ in steps) for row in batch for v in row.values()]
    assert all(isinstance(v, (str, bool, int, float)) or v is None for v in values), {type(v) for v in values}
    assert [row["dob"] for row in person_rows if row["id"] == "gp:KWARD"] == ["1996-02-11"]
    assert not any("loaded_at" in row or "load_id" in row for _, batch, _ in steps for row in batch)
    person = next(s for s, _, label in steps if label == "Person")
    assert "n.dob = date(row.dob)" in person and "n.loaded_at = $loaded_at" in person and "n.load_id = $load_id" in person
    lives_at = next(s for s, _, label in steps if label == "LIVES_AT")
    assert "{from_date: date(row.from_date)}" in lives_at  # a key property is matched as the date it is stored as


def test_schema_statements_cover_every_label_and_relationship_type():
    ddl = dialects.neo4j_ddl()
    for label in dialects.node_properties():
        assert f"FOR (n:{label}) REQUIRE n.id IS UNIQUE" in " ".join(ddl)
    # Relationships are merged between their two (index-found) ends, so only SAME_AS, which linkage merges
    # by its key, has a relationship index.
    assert [s for s in ddl if "()-[r:" in s] == ["CREATE INDEX same_as_key IF NOT EXISTS FOR ()-[r:SAME_AS]-() ON (r.key)"]
    assert all("IF NOT EXISTS" in s for s in ddl)  # so ensure_schema can run before every load


def test_every_batch_a_load_sends_packs_with_the_drivers_own_bolt_encoder(ladybug_store):
    """What the server would receive: the driver's PackStream packer with its Bolt 5 type hooks (dates,
    datetimes, numpy/pandas scalars) accepts every parameter map of the sample's load. Driver internals,
    pinned to what neo4j 5.x/6.x ship; a type the driver cannot send fails here, not on the first real load."""
    try:
        from neo4j._codec.hydration.bolt.v2 import HydrationHandler  # driver 6.x
    except ImportError:  # driver 5.x
        from neo4j._codec.hydration.v2 import HydrationHandler
    from neo4j._codec.packstream.v1 import Packer

    validated = validate_bundle(read_bundle(SAMPLE), known_ids=ladybug_store.known_ids, today=AS_OF)
    plan = plan_load(validated, ladybug_store, "test-load", AS_OF)
    store = Neo4jStore("bolt://localhost:7687", verify=False)
    try:
        steps = store.load_steps(plan)
    finally:
        store.close()
    hooks = HydrationHandler().new_hydration_scope().dehydration_hooks
    packed = 0
    for _, batch, _ in steps:
        buffer = Packer.new_packable_buffer()
        Packer(buffer).pack({"rows": batch}, dehydration_hooks=hooks)
        packed += len(buffer.data)
    assert packed > 10_000  # 130 rows with provenance
    with pytest.raises(ValueError, match="not supported"):
        Packer(Packer.new_packable_buffer()).pack({"rows": [{"v": object()}]}, dehydration_hooks=hooks)


# Collects ~300 MB of text in one transaction: over the test server's 256 MB cap (db.memory.transaction.max,
# tests/neo4j_server/start), well under its heap.
MEMORY_HOG = "UNWIND range(1, 3000000) AS i WITH collect(toString(i) + $pad) AS l RETURN size(l) AS n"


@pytest.mark.parametrize("how", ["query", "write"])
def test_running_out_of_transaction_memory_is_reported_with_advice_and_not_retried(how, monkeypatch):
    from .conftest import _neo4j_store

    store = _neo4j_store()
    attempts = []
    real_collect = Neo4jStore._collect

    def counted(tx, cypher, params):
        attempts.append(cypher)
        return real_collect(tx, cypher, params)

    monkeypatch.setattr(Neo4jStore, "_collect", staticmethod(counted))
    try:
        with pytest.raises(StoreError, match="ran out of memory for one transaction") as err:
            getattr(store, how)(MEMORY_HOG, {"pad": "x" * 60})
    finally:
        store.close()
    assert len(attempts) == 1, f"the driver retried {len(attempts) - 1} time(s)"
    assert "db.memory.transaction.max" in str(err.value) and "not retried" in str(err.value)
