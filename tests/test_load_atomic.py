"""Loads are all-or-nothing, idempotent, and update in place.

Failure and kill tests run the load in a child process: a LadybugDB COPY after a rolled-back COPY in the
same process can crash it (see CYPHER_PORTABILITY.md), and a kill must be a real kill.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from graphcase import load_bundle
from graphcase.stores.ladybug import LadybugStore

from .conftest import AS_OF, SAMPLE

SNAPSHOT = {
    "nodes": "MATCH (n:{label}) RETURN n.id, n.row_hash, n.load_id ORDER BY n.id",
    "rels": "MATCH (a)-[r:{rel}]->(b) RETURN a.id, b.id, r.row_hash, r.load_id ORDER BY a.id, b.id, r.row_hash",
}


def snapshot(path: Path) -> dict:
    from graphcase.stores import dialects

    store = LadybugStore(path, read_only=True)
    try:
        out = {}
        for label in dialects.node_properties():
            out[label] = store.query(SNAPSHOT["nodes"].format(label=label)).rows
        for rel in dialects.rel_definitions():
            if rel != "SAME_AS":
                out[rel] = store.query(SNAPSHOT["rels"].format(rel=rel)).rows
        return out
    finally:
        store.close()


def newer_extract(tmp_path: Path) -> Path:
    """The sample with one surname corrected and one probation record closed."""
    folder = tmp_path / "newer"
    shutil.copytree(SAMPLE, folder)
    people = (folder / "people.csv").read_text().replace("gp:SKHAN,adult,Sana,Khan", "gp:SKHAN,adult,Sana,Khan-Ali")
    (folder / "people.csv").write_text(people)
    records = (folder / "agency_records.csv").read_text().replace(
        "probation:JREID,probation,PR-3390,2020-11-02,,", "probation:JREID,probation,PR-3390,2020-11-02,2025-01-31,"
    )
    (folder / "agency_records.csv").write_text(records)
    return folder


def run_child(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=120)


def load_once(path: Path, folder: Path = SAMPLE):
    store = LadybugStore(path)
    try:
        return load_bundle(store, folder, today=AS_OF)
    finally:
        store.close()


def test_second_load_of_the_same_bundle_changes_nothing(tmp_path):
    db = tmp_path / "g.db"
    first = load_once(db)
    before = snapshot(db)
    second = load_once(db)
    assert sum(c["new"] + c["updated"] for c in first.written.values()) == 124
    assert all(c == {"new": 0, "updated": 0} for c in second.written.values())
    assert snapshot(db) == before  # not even load_id moved


def test_newer_extract_updates_in_place(tmp_path):
    db = tmp_path / "g.db"
    load_once(db)
    before = snapshot(db)
    report = load_once(db, newer_extract(tmp_path))
    after = snapshot(db)
    assert report.written["Person"] == {"new": 0, "updated": 1}
    assert report.written["KNOWN_TO"] == {"new": 0, "updated": 1}
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    changed_people = [a for a, b in zip(after["Person"], before["Person"]) if a != b]
    assert [row[0] for row in changed_people] == ["gp:SKHAN"] and changed_people[0][2] == report.load_id
    store = LadybugStore(db, read_only=True)
    assert store.query("MATCH (p:Person {id: 'gp:SKHAN'}) RETURN p.family_name").rows == [["Khan-Ali"]]
    assert store.query(
        "MATCH (:Person {id: 'probation:JREID'})-[k:KNOWN_TO]->() RETURN k.until"
    ).rows[0][0].isoformat() == "2025-01-31"
    store.close()


def test_a_newer_extract_with_one_more_record_adds_just_that_record(tmp_path):
    db = tmp_path / "g.db"
    load_once(db)
    folder = tmp_path / "more"
    shutil.copytree(SAMPLE, folder)
    with open(folder / "agency_records.csv", "a", encoding="utf-8") as out:
        out.write("probation:JREID,probation,PR-4001,2025-03-01,,,probation,PR-4001\n")  # a second order
    report = load_once(db, folder)
    assert {k: v for k, v in report.written.items() if v != {"new": 0, "updated": 0}} == {"KNOWN_TO": {"new": 1, "updated": 0}}
    store = LadybugStore(db, read_only=True)
    try:
        rows = store.query("MATCH (:Person {id: 'probation:JREID'})-[k:KNOWN_TO]->() RETURN k.record_id ORDER BY k.record_id").rows
        assert rows == [["PR-3390"], ["PR-4001"]]
    finally:
        store.close()


def test_a_store_whose_relationships_keep_a_key_property_still_loads_and_updates_in_place(tmp_path):
    """graphcase 0.1 stored each relationship's key as a property; such a store keeps it, filled in."""
    from graphcase.stores import dialects

    db = tmp_path / "old.db"
    store = LadybugStore(db)
    for statement in dialects.ladybug_ddl():
        if "CREATE REL TABLE" in statement and "SAME_AS" not in statement:
            statement = re.sub(r"\(FROM \w+ TO \w+, ", lambda m: m.group(0) + "key STRING, ", statement)
        store.write(statement)
    store.write("CREATE (:Agency {id: 'probation', name: 'Probation', kind: 'probation'})")  # not empty: no swap
    store.close()
    first = load_once(db)
    assert first.written["KNOWN_TO"] == {"new": 23, "updated": 0}
    assert load_once(db).written["KNOWN_TO"] == {"new": 0, "updated": 0}
    report = load_once(db, newer_extract(tmp_path))
    assert report.written["KNOWN_TO"] == {"new": 0, "updated": 1}
    store = LadybugStore(db, read_only=True)
    try:
        rows = store.query("MATCH (:Person {id: 'probation:JREID'})-[k:KNOWN_TO]->() RETURN k.key, k.until").rows
        assert [(key, until.isoformat()) for key, until in rows] == [("probation:JREID|probation|PR-3390", "2025-01-31")]
        assert store.query("MATCH ()-[k:KNOWN_TO]->() WHERE k.key IS NULL RETURN count(k)").rows == [[0]]
    finally:
        store.close()


CHILD_LOAD = """
    import os, signal, sys
    from graphcase import load_bundle
    from graphcase.stores.ladybug import LadybugStore
    import datetime as dt
    steps = []
    def progress(step, rows):
        steps.append(step)
        if len(steps) == {at_step}:
            {action}
    store = LadybugStore({db!r})
    try:
        load_bundle(store, {bundle!r}, progress=progress, today=dt.date(2026, 11, 1))
    except RuntimeError as exc:
        print("failed:", exc)
        store.close()
        sys.exit(0)
    print("completed")
"""


def test_failure_mid_load_leaves_the_store_unchanged(tmp_path):
    db = tmp_path / "g.db"
    load_once(db)
    before = snapshot(db)
    script = CHILD_LOAD.format(
        at_step=2, action="raise RuntimeError('disk full (injected)')", db=str(db), bundle=str(newer_extract(tmp_path))
    )
    done = run_child(script)
    assert "failed: disk full (injected)" in done.stdout, done.stderr
    assert snapshot(db) == before


def test_failure_mid_first_load_leaves_an_empty_store(tmp_path):
    db = tmp_path / "g.db"
    script = CHILD_LOAD.format(at_step=5, action="raise RuntimeError('boom')", db=str(db), bundle=str(SAMPLE))
    done = run_child(script)
    assert "failed: boom" in done.stdout, done.stderr
    assert all(rows == [] for rows in snapshot(db).values())
    load_once(db)  # and the file still takes a normal load afterwards
    assert len(snapshot(db)["Person"]) == 16


def test_a_killed_load_leaves_the_store_unchanged(tmp_path):
    db = tmp_path / "g.db"
    load_once(db)
    before = snapshot(db)
    # After the first step (the Person update) the transaction is open when the process dies.
    script = CHILD_LOAD.format(
        at_step=1, action="os.kill(os.getpid(), signal.SIGKILL)", db=str(db), bundle=str(newer_extract(tmp_path))
    )
    done = run_child(script)
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)
    assert snapshot(db) == before


def test_a_killed_first_load_leaves_the_empty_store_and_the_next_load_cleans_up(tmp_path):
    """A load builds the database in a copy beside the store (.g.db.<pid>-<hex>.building) and renames it over
    the store only when complete: a kill mid-build leaves the empty store as it was."""
    db = tmp_path / "g.db"
    script = CHILD_LOAD.format(at_step=6, action="os.kill(os.getpid(), signal.SIGKILL)", db=str(db), bundle=str(SAMPLE))
    done = run_child(script)
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)
    assert list(tmp_path.glob(".g.db.*.building")), "the kill came while the database was being built beside the store"
    assert all(rows == [] for rows in snapshot(db).values())
    load_once(db)
    assert len(snapshot(db)["Person"]) == 16
    assert not list(tmp_path.glob(".g.db.*")), "the next load removed the killed load's copy and its engine files"


def test_a_first_load_lands_whole_in_one_checkpointed_file(tmp_path):
    db = tmp_path / "g.db"
    report = load_once(db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.db", "g.db.lock"]  # no .wal, no copy left beside it
    counts = {k: len(v) for k, v in snapshot(db).items()}
    assert counts["Person"] == 16 and counts["KNOWN_TO"] == 23 and counts["RECORDED_BY"] == 10
    assert sum(c["new"] for c in report.written.values()) == sum(counts.values())
