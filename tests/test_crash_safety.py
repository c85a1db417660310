"""Writes to the embedded store are all-or-nothing under kill -9, one writer at a time, readers unaffected.

The kill tests run the real CLI in child processes on a generated county of 3,000 people (see
``tests/crash_harness.py``; ``benchmarks/kill_loads.py`` runs 30+ kills per kind). The fast tests below pin
the pieces: the lock and its message, the clean-up of a killed run's files, the review queue's lock and the
side files written whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphcase.stores.base import StoreError
from graphcase.stores.ladybug import LadybugStore, remove_leftovers

from . import crash_harness as harness

KILLS_PER_KIND = 5
RACES = 4


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    work = tmp_path_factory.mktemp("crash")
    return work, harness.prepare(work)


# -- kill -9 at random moments -------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("kind", harness.KINDS)
def test_a_killed_write_leaves_the_store_exactly_before_or_after_and_the_next_run_completes(scenarios, kind):
    work, prepared = scenarios
    scenario = prepared[kind]
    assert scenario.before != scenario.after
    outcomes = harness.kill_many({kind: scenario}, work / kind, KILLS_PER_KIND, kinds=(kind,)).outcomes
    bad = [o for o in outcomes if o.state in ("torn", "unreadable") or not o.recovered]
    assert not bad, bad
    assert any(o.state == "before" for o in outcomes), outcomes  # the kills did land inside the runs


@pytest.mark.slow
def test_the_cli_stats_agree_with_the_fingerprint(scenarios):
    work, prepared = scenarios
    done = subprocess.run(harness.graphcase_command("stats", "--format", "json"), cwd=work / "state-linked", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    elements = json.loads(done.stdout)["elements"]
    assert elements == {k: rows for k, (rows, _) in prepared["link-records"].after.items()}


# -- the close/swap race --------------------------------------------------------------------------------
@pytest.mark.slow
def test_two_loads_started_together_never_lose_one(scenarios):
    """The issue's race: a second load opened the empty store between the first's close and its rename and
    replaced the first load's file. Now the second either waits (GRAPHCASE_LOCK_TIMEOUT) and loads after the
    first, or stops with the lock message; the store always holds every load that reported success."""
    work, prepared = scenarios
    a, b = work / "county-A", work / "county-B"
    fp_a, fp_ab = prepared["update load"].before, prepared["update load"].after
    only_b = work / "only-B"
    harness._seed_folder(only_b, None)
    assert harness._run(harness.graphcase_command("load", str(b), "--quiet"), only_b).returncode == 0
    fp_b = harness.fingerprint(only_b / harness.DB)
    assert harness._run(harness.graphcase_command("load", str(a), "--quiet"), only_b).returncode == 0
    fp_ba = harness.fingerprint(only_b / harness.DB)
    expected = {(0, 1): fp_a, (1, 0): fp_b}
    for i in range(RACES):
        waiting = i % 2 == 1
        env = harness.env_with(GRAPHCASE_LOCK_TIMEOUT="300") if waiting else None
        results, state = harness.race_once((a, b), work / "race", env=env, stagger=0.05 * (i // 2))
        codes = tuple(r.returncode for r in results)
        for r in results:
            assert "Traceback" not in r.stderr, r.stderr
            if r.returncode:
                assert r.returncode == 1 and harness.LOCK_MESSAGE in r.stderr, r.stderr
        if codes == (0, 0):
            assert state in (fp_ab, fp_ba), "both loads reported success, so the store holds both"
        else:
            assert not waiting, f"with a lock timeout both loads should succeed: {results}"
            assert codes in expected and state == expected[codes], codes


@pytest.mark.slow
def test_readers_keep_reading_while_a_load_writes(scenarios):
    work, prepared = scenarios
    scenario = prepared["update load"]
    folder = work / "readers"
    harness._seed_folder(folder, scenario.start)
    counts = {scenario.before["Person"][0], scenario.after["Person"][0]}
    proc = subprocess.Popen(scenario.command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = []
    while proc.poll() is None:
        store = LadybugStore(folder / harness.DB, read_only=True)
        try:
            seen.append(store.query("MATCH (p:Person) RETURN count(p)").rows[0][0])
        finally:
            store.close()
    assert proc.wait() == 0
    assert seen and set(seen) <= counts, seen


# -- the pieces -----------------------------------------------------------------------------------------
def test_a_second_writer_gets_a_clear_lock_message(tmp_path):
    db = tmp_path / "g.db"
    first = LadybugStore(db)
    try:
        with pytest.raises(StoreError, match=rf"{harness.LOCK_MESSAGE} \(pid {os.getpid()}, .*\); wait for it"):
            LadybugStore(db)
        reader = LadybugStore(db, read_only=True)  # readers take no lock
        reader.close()
        done = subprocess.run([sys.executable, "-m", "graphcase", "--db", str(db), "init"], capture_output=True, text=True)
        assert done.returncode == 1 and harness.LOCK_MESSAGE in done.stderr and "Traceback" not in done.stderr
    finally:
        first.close()
    LadybugStore(db).close()  # released on close


def test_the_next_writer_removes_only_what_killed_writes_left(tmp_path):
    db = tmp_path / "g.db"
    LadybugStore(db).close()
    leftovers = [".g.db.4242-abcd1234.building", ".g.db.4242-abcd1234.building.wal", ".g.db.4242-abcd1234.building.wal.checkpoint",
                 ".g.db.4242-abcd1234.building.shadow", ".g.db.7-00ff00ff.building.checkpoint.intent.lock", ".g.db.loading", ".g.db.loading.shadow"]
    kept = [".g.db.notes", ".other.db.1-2.building", "g.db.linkage-review.json", "g.db.building"]
    for name in leftovers + kept:
        (tmp_path / name).write_text("x")
    LadybugStore(db).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["g.db", "g.db.lock", *kept])
    assert remove_leftovers(db) == []


def test_a_symlinked_store_name_stays_a_symlink_to_the_written_file(tmp_path):
    (tmp_path / "real").mkdir()
    link = tmp_path / "g.db"
    link.symlink_to(tmp_path / "real" / "g.db")
    with LadybugStore(link) as store:
        store.ensure_schema()
        store.write("CREATE (:Agency {id: 'a1', name: 'One', kind: 'csc'})")
    assert link.is_symlink()
    with LadybugStore(tmp_path / "real" / "g.db", read_only=True) as store:
        assert store.query("MATCH (a:Agency) RETURN a.id").rows == [["a1"]]
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["g.db", "g.db.lock"]


def test_a_failed_write_leaves_the_store_and_no_copy(tmp_path):
    db = tmp_path / "g.db"
    store = LadybugStore(db)
    store.ensure_schema()
    store.write("CREATE (:Agency {id: 'a1', name: 'One', kind: 'csc'})")
    with pytest.raises(StoreError):
        store.write_all([("CREATE (:Agency {id: 'a2', name: 'Two', kind: 'csc'})", None), ("CREATE (:Nope {id: 1})", None)])
    assert store.query("MATCH (a:Agency) RETURN a.id").rows == [["a1"]]
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.db", "g.db.lock"]


def test_the_review_queue_is_locked_while_edited(tmp_path, monkeypatch):
    from graphcase.linkage import review

    monkeypatch.setattr(review, "LOCK_WAIT_SECONDS", 0.2)
    path = tmp_path / "g.db.linkage-review.json"
    queue = review.ReviewQueue(path, {"a|b": {"id": 1, "key": "a|b", "a": "a", "b": "b", "status": "pending"}}, 2)
    queue.save()
    with review.ReviewQueue.editing(path) as held:
        with pytest.raises(review.ReviewError, match=harness.LOCK_MESSAGE):
            review.decide(path, 1, "rejected", "different dates of birth", user="tester")
        held.items["a|b"]["probability"] = 0.7
    assert review.ReviewQueue.open(path).items["a|b"]["probability"] == 0.7  # saved when the block ended
    review.decide(path, 1, "rejected", "different dates of birth", user="tester")
    assert review.ReviewQueue.open(path).decisions() == {"a|b": "rejected"}


def _side_file_writers(tmp_path):
    from graphcase.catalogue.findings import CatalogueRun, _write_sweep_cache, write_findings
    from graphcase.history.pseudonymise import PseudonymKey
    from graphcase.linkage.review import ReviewQueue
    from graphcase.linkage.train import save_model
    import datetime as dt

    return {
        "findings.json": lambda p: write_findings(CatalogueRun(dt.date(2026, 1, 1), [], {}, None), p),
        "sweep-cache.jsonl": lambda p: _write_sweep_cache(p, "key", []),
        "linkage-model.json": lambda p: save_model({"new": True}, p),
        "linkage-review.json": lambda p: ReviewQueue(p, {}, 1).save(),
        "pseudonym-key.json": lambda p: PseudonymKey(shift_days=3).save(p),
    }


@pytest.mark.parametrize("name", ["findings.json", "sweep-cache.jsonl", "linkage-model.json", "linkage-review.json", "pseudonym-key.json"])
def test_side_files_are_replaced_whole(tmp_path, monkeypatch, name):
    """A crash before the rename (simulated: os.replace fails) leaves the old file as it was and no temp
    file; a normal write leaves a private (0600) file."""
    write = _side_file_writers(tmp_path)[name]
    path = tmp_path / name
    write(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_text("old content")

    def crash(*args):
        raise OSError("killed before the rename (simulated)")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        write(path)
    assert path.read_text() == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_truncated_findings_file_is_a_clear_error(tmp_path):
    from graphcase.catalogue.findings import read_findings
    from graphcase.catalogue.queries import CatalogueError

    path = tmp_path / "findings.json"
    path.write_text('{"as_of": "2026-01-01", "findings": [{"pat')
    with pytest.raises(CatalogueError, match="cannot read the findings file"):
        read_findings(path)
