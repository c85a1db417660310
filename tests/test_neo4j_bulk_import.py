"""``graphcase load --bulk-import``: neo4j-admin database import (run from the Maven Central jars the test server is
built from, tests/neo4j_server/neo4j-admin) writes a stopped database; a real Neo4j server started on it holds
exactly what a load over Bolt writes, with the same property types, and a re-load over Bolt writes nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase import load_bundle
from graphcase.cli import main as cli
from graphcase.stores import StoreError
from graphcase.stores.neo4j import Neo4jStore
from graphcase.stores.neo4j_import import Neo4jImportTarget

from .conftest import AS_OF, NEO4J_URI, SAMPLE
from .test_neo4j_load import open_store, snapshot, wipe

pytestmark = pytest.mark.skipif(not NEO4J_URI, reason="needs the Neo4j test server's build (GRAPHCASE_TEST_NEO4J_URI)")
SERVER = Path(__file__).parent / "neo4j_server"
ADMIN = str(SERVER / "neo4j-admin")
TYPED = (
    "MATCH (n) UNWIND keys(n) AS k RETURN labels(n)[0] + ' ' + n.id + ' ' + k + ': ' + valueType(n[k]) AS t "
    "UNION ALL MATCH (a)-[r]->(b) UNWIND keys(r) AS k RETURN type(r) + ' ' + a.id + ' ' + b.id + ' ' + k + ': ' + valueType(r[k]) AS t"
)


def typed(store) -> list[str]:
    """Every node and relationship with the type of each of its properties (a date sent as text would show)."""
    return sorted(row[0] for row in store.query(TYPED).rows)


@pytest.fixture
def imported_server(tmp_path, monkeypatch):
    """The sample bulk-imported into an offline database, then a test server started on it."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("NEO4J_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["load", str(SAMPLE), "--bulk-import", "--neo4j-admin", ADMIN, "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "124 new and 0 changed" in result.output
    env = {**os.environ, "GRAPHCASE_NEO4J_RUN_DIR": str(tmp_path / "run"), "GRAPHCASE_NEO4J_COPY_FROM": str(home),
           "GRAPHCASE_NEO4J_HEAP": "512m", "GRAPHCASE_NEO4J_PAGECACHE": "64m"}
    started = subprocess.run([str(SERVER / "start")], env=env, capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    exports = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines() if line.startswith("export "))
    try:
        yield home, exports
    finally:
        subprocess.run([str(SERVER / "stop")], env=env, capture_output=True, timeout=120)


def test_a_bulk_import_holds_what_a_bolt_load_writes_and_a_reload_writes_nothing(imported_server, monkeypatch):
    home, exports = imported_server
    own = os.environ.get("NEO4J_USERNAME"), os.environ.get("NEO4J_PASSWORD")
    monkeypatch.setenv("NEO4J_USERNAME", exports["NEO4J_USERNAME"])
    monkeypatch.setenv("NEO4J_PASSWORD", exports["NEO4J_PASSWORD"])
    with Neo4jStore(exports["GRAPHCASE_TEST_NEO4J_URI"]) as imported:
        imported_rows, imported_types = snapshot(imported, with_load_columns=False), typed(imported)
        again = load_bundle(imported, SAMPLE, today=AS_OF)  # creates the constraints, then finds every row stored
        assert again.applied and sum(c["new"] + c["updated"] for c in again.written.values()) == 0, again.written
    for name, value in zip(("NEO4J_USERNAME", "NEO4J_PASSWORD"), own):  # back to the suite's own server
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with open_store() as store:
        wipe(store)
        load_bundle(store, SAMPLE, today=AS_OF)
        assert imported_rows == snapshot(store, with_load_columns=False)
        assert imported_types == typed(store)
        assert any(t.endswith(" dob: DATE NOT NULL") for t in imported_types)
        assert any(t.endswith(" loaded_at: LOCAL DATETIME NOT NULL") for t in imported_types)
        wipe(store)


def test_a_bulk_import_into_a_database_that_exists_fails_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NEO4J_HOME", str(tmp_path))
    load_bundle(Neo4jImportTarget("neo4j", ADMIN), SAMPLE, today=AS_OF)
    with pytest.raises(StoreError, match="neo4j-admin database import failed .*'neo4j' stopped and empty"):
        load_bundle(Neo4jImportTarget("neo4j", ADMIN), SAMPLE, today=AS_OF)


def test_a_missing_neo4j_admin_is_reported_with_what_to_set(tmp_path):
    with pytest.raises(StoreError, match="GRAPHCASE_NEO4J_ADMIN"):
        load_bundle(Neo4jImportTarget("neo4j", str(tmp_path / "no-such-neo4j-admin")), SAMPLE, today=AS_OF)


def test_a_bulk_import_is_recorded_in_the_audit_log_of_the_server_that_will_serve_it(tmp_path, monkeypatch):
    """Every load writes an audit entry; a bulk import too, in the log that the same server's Bolt loads use,
    with the outcome: ok, then error for a second import into the database the first one wrote."""
    from graphcase import audit
    from graphcase.audit import settings as audit_settings
    from graphcase.audit.session import store_name

    monkeypatch.setattr(audit_settings, "_home", lambda: tmp_path / "user")  # where a Neo4j store's log lives
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("NEO4J_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    command = ["--neo4j", NEO4J_URI, "--reason", "first county load", "load", str(SAMPLE), "--bulk-import", "--neo4j-admin", ADMIN, "--quiet"]
    assert CliRunner().invoke(cli, command, catch_exceptions=False).exit_code == 0
    assert CliRunner().invoke(cli, command, catch_exceptions=False).exit_code == 1  # the database holds data now
    with open_store() as server:  # a Bolt store on the same URI and database: its log is the import's
        log, _ = audit.locate(server)
        name = store_name(server)
    assert log.verify().ok
    entries = list(log.entries())
    assert [(e["phase"], e["command"]) for e in entries] == [("start", "load"), ("end", "load")] * 2
    assert all(e["store"] == name and e["reason"] == "first county load" and "--bulk-import" in e["arguments"] for e in entries)
    ends = [e for e in entries if e["phase"] == "end"]
    assert ends[0]["outcome"] == "ok"
    assert ends[1]["outcome"] == "error" and "neo4j-admin database import failed" in ends[1]["message"]
