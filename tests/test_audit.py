"""The audit log: every action on people's data recorded (who, when, what, about whom, why, outcome), hash-chained,
beside the real store, not switched off by the environment, written by the CLI and the Python API alike."""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd

import pytest
from click.testing import CliRunner

from graphcase import audit
from graphcase.audit import AuditLog, read_log
from graphcase.cli import main
from graphcase.stores.ladybug import LadybugStore

from .conftest import AS_OF, SAMPLE

ME = pwd.getpwuid(os.getuid()).pw_name


def _cli(db, *args, reason: str | None = "test", user: str | None = None):
    argv = ["--db", str(db)] + (["--reason", reason] if reason else []) + (["--user", user] if user else []) + list(args)
    return CliRunner().invoke(main, argv)


@pytest.fixture
def loaded(tmp_path):
    db = tmp_path / "g.db"
    assert _cli(db, "load", str(SAMPLE), "--quiet").exit_code == 0
    return db


@pytest.fixture
def initialised(tmp_path):
    """An empty store (no sample load: quicker), for tests of the log itself."""
    db = tmp_path / "g.db"
    assert _cli(db, "init", reason=None).exit_code == 0
    return db


def test_commands_are_recorded_with_who_reason_outcome_and_people(loaded, monkeypatch):
    monkeypatch.setenv("USER", "somebody-else")  # $USER says anything; the OS account comes from the uid
    run = _cli(loaded, "run", "probation_adult_child_unknown_to_csc", "-p", "as_of=2026-11-01",
               reason="MASH referral 2026-0412", user="ana.analyst")
    assert run.exit_code == 0, run.output
    refused = _cli(loaded, "cypher", "MATCH (p:Person) DELETE p")
    assert refused.exit_code == 3
    history = _cli(loaded, "history", "gp:TWARD", "--to", "2026-11-01", "--format", "json")
    assert history.exit_code == 0, history.output
    assert _cli(loaded, "queries").exit_code == 0  # opens no store: not recorded
    log = read_log(f"{loaded}.audit.jsonl")
    assert [(e["command"], e["phase"]) for e in log] == [
        ("load", "start"), ("load", "end"), ("run", "start"), ("run", "end"),
        ("cypher", "start"), ("cypher", "end"), ("history", "start"), ("history", "end")]
    start, end = log[2], log[3]
    assert start["os_account"] == ME and start["claimed_user"] == "ana.analyst" and start["reason"] == "MASH referral 2026-0412"
    assert start["arguments"] == ["probation_adult_child_unknown_to_csc", "-p", "as_of=2026-11-01"]
    assert end["start"] == start["seq"] and end["outcome"] == "ok" and end["rows"] >= 1 and end["people"]
    assert log[5]["outcome"] == "refused" and log[5]["message"]  # refused attempts are recorded, with why
    assert log[4]["arguments"] == ["MATCH (p:Person) DELETE p"]
    # history: the people of the chronology, touched through the API call inside the command (one pair of entries)
    assert "gp:TWARD" in log[7]["people"] and log[7]["rows"] == len(json.loads(history.output)["chronology"])
    assert all(e["at"].endswith("Z") and dt.datetime.fromisoformat(e["at"][:-1]) for e in log)
    assert oct(os.stat(f"{loaded}.audit.jsonl").st_mode & 0o777) == "0o600"
    verified = _cli(loaded, "audit", "verify", reason=None)
    assert verified.exit_code == 0 and "intact, 8 entries" in verified.output


def test_error_outcome_carries_the_message(loaded):
    result = _cli(loaded, "history", "gp:NOBODY")
    assert result.exit_code == 1
    end = read_log(f"{loaded}.audit.jsonl")[-1]
    assert end["outcome"] == "error" and "gp:NOBODY" in end["message"]


def _stats_entries(db, n=3):
    for _ in range(n):
        assert _cli(db, "stats", reason=None).exit_code == 0


def _rewrite(path, change):
    lines = open(path, encoding="utf-8").read().splitlines()
    lines = change(lines)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))


def _edit_rows(lines):
    entry = json.loads(lines[3])
    entry["rows"] = 999
    lines[3] = json.dumps(entry)
    return lines


def _edit_and_rehash(lines):
    entry = json.loads(lines[3])
    entry["reason"] = "nothing to see"
    entry["hash"] = audit.entry_hash(entry)  # a careful forger recomputes the hash: the next entry's prev breaks
    lines[3] = json.dumps(entry)
    return lines


def _insert(lines):
    forged = json.loads(lines[2])
    forged["seq"] = 4
    forged["hash"] = audit.entry_hash(forged)
    return lines[:3] + [json.dumps(forged)] + lines[3:]


TAMPERING = {
    "edited entry": (_edit_rows, "line 4 (entry 4) was edited"),
    "edited and re-hashed entry": (_edit_and_rehash, "line 5 (entry 5) does not follow"),
    "deleted middle entry": (lambda lines: lines[:2] + lines[3:], "entry 3 missing before line 3"),
    "reordered pair": (lambda lines: lines[:2] + [lines[3], lines[2]] + lines[4:], "line 3 holds entry 4 where entry 3 belongs"),
    "inserted entry": (_insert, "line 4 (entry 4) does not follow"),
    "truncated tail": (lambda lines: lines[:-2], "truncated: the head records 8 entries, the log holds 6"),
    "damaged line": (lambda lines: lines[:5] + ["{not json"] + lines[6:], "line 6 is not an audit entry"),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_verify_reports_the_first_tampered_entry(initialised, how):
    _stats_entries(initialised)  # 8 entries: init, stats x3
    log = f"{initialised}.audit.jsonl"
    assert _cli(initialised, "audit", "verify", reason=None).exit_code == 0
    change, expected = TAMPERING[how]
    _rewrite(log, change)
    result = _cli(initialised, "audit", "verify", reason=None)
    assert result.exit_code == 4, result.output
    assert "BROKEN" in result.output and expected in result.output, result.output


def test_a_truncated_log_blocks_work_until_resealed_and_stays_visible(initialised, monkeypatch):
    monkeypatch.delenv("GRAPHCASE_REASON", raising=False)
    _stats_entries(initialised, 2)
    log = AuditLog(f"{initialised}.audit.jsonl")
    _rewrite(log.path, lambda lines: lines[:-2])
    blocked = _cli(initialised, "stats", reason=None)
    assert blocked.exit_code == 1 and "does not end where its head says" in blocked.output and "Graph" not in blocked.output
    # Deleting the head too does not help: a log without its head is refused as well.
    log.head_path.unlink()
    assert "head" in _cli(initialised, "stats", reason=None).output
    assert _cli(initialised, "audit", "reseal", reason=None).exit_code == 1  # needs a reason
    resealed = _cli(initialised, "audit", "reseal", reason="incident 44: log truncated")
    assert resealed.exit_code == 0, resealed.output
    assert _cli(initialised, "stats", reason=None).exit_code == 0
    entries = read_log(log.path)
    reseal = next(e for e in entries if e["phase"] == "reseal")
    assert reseal["reason"] == "incident 44: log truncated" and "head file" in reseal["found"]


def test_truncation_with_head_intact_leaves_a_gap_after_reseal(initialised):
    _stats_entries(initialised, 2)
    log = AuditLog(f"{initialised}.audit.jsonl")
    _rewrite(log.path, lambda lines: lines[:-2])
    assert _cli(initialised, "audit", "reseal", reason="incident 45").exit_code == 0
    assert _cli(initialised, "stats", reason=None).exit_code == 0
    verdict = log.verify()
    assert not verdict.ok and "entries 5-6 missing" in verdict.problem  # the deleted entries stay a visible gap


def test_the_environment_cannot_move_or_switch_off_the_log(initialised, monkeypatch, tmp_path):
    monkeypatch.setenv("GRAPHCASE_AUDIT_LOG", "/dev/null")
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    before = len(read_log(f"{initialised}.audit.jsonl"))
    assert _cli(initialised, "stats", reason=None).exit_code == 0
    assert len(read_log(f"{initialised}.audit.jsonl")) == before + 2


def test_a_symlinked_store_name_logs_beside_the_real_store(initialised, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "alias.db").symlink_to(initialised)
    assert _cli(other / "alias.db", "stats", reason=None).exit_code == 0
    assert not (other / "alias.db.audit.jsonl").exists()
    assert read_log(f"{initialised}.audit.jsonl")[-1]["store"] == str(initialised.resolve())


def test_reason_required_for_person_level_commands_and_configurable(loaded, monkeypatch):
    monkeypatch.delenv("GRAPHCASE_REASON", raising=False)
    result = _cli(loaded, "history", "gp:TWARD", "--to", "2026-11-01", reason=None)
    assert result.exit_code == 1 and "require a reason" in result.output and "--reason" in result.output
    assert "Tyler" not in result.output  # nothing was shown
    refused = read_log(f"{loaded}.audit.jsonl")[-1]
    assert refused["command"] == "history" and refused["outcome"] == "refused"
    assert _cli(loaded, "stats", reason=None).exit_code == 0  # counts only: no reason needed by default
    # The partnership's setting: a reason for every command ...
    assert _cli(loaded, "audit", "settings", "--reason-required", "all", reason=None).exit_code == 1  # a change needs a reason
    assert _cli(loaded, "audit", "settings", "--reason-required", "all", reason="IG board 2026-03").exit_code == 0
    assert _cli(loaded, "stats", reason=None).exit_code == 1
    # ... or for none (recorded either way).
    assert _cli(loaded, "audit", "settings", "--reason-required", "none", reason="IG board 2026-04").exit_code == 0
    assert _cli(loaded, "history", "gp:TWARD", "--to", "2026-11-01", reason=None).exit_code == 0
    changes = [e for e in read_log(f"{loaded}.audit.jsonl") if e["command"] == "audit settings" and e["phase"] == "start"]
    assert [c["arguments"]["to"]["reason_required"] for c in changes] == [["*"], []]


def test_the_log_moves_only_by_the_stores_setting(initialised):
    assert _cli(initialised, "audit", "settings", "--log", "audit/central.jsonl", reason="IG board").exit_code == 1  # no such folder
    (initialised.parent / "audit").mkdir()
    moved = _cli(initialised, "audit", "settings", "--log", "audit/central.jsonl", reason="IG board")
    assert moved.exit_code == 0, moved.output
    assert _cli(initialised, "stats", reason=None).exit_code == 0
    new = read_log(initialised.parent / "audit" / "central.jsonl")
    assert new[0]["arguments"]["previous_log"] == f"{initialised.resolve()}.audit.jsonl"
    assert [e["command"] for e in new[-2:]] == ["stats", "stats"]
    assert read_log(f"{initialised}.audit.jsonl")[-1]["command"] == "audit settings"  # the old log says where it went


def test_an_unwritable_log_stops_the_command(tmp_path):
    db = tmp_path / "g.db"
    (tmp_path / "g.db.audit.jsonl").mkdir()  # not a file (root ignores permission bits, so not chmod)
    result = _cli(db, "load", str(SAMPLE), "--quiet")
    assert result.exit_code == 1 and "audit log" in result.output and "nothing was run" in result.output
    assert "Traceback" not in result.output
    with LadybugStore(db, read_only=True) as store:  # the load did not run: not even its schema is there
        assert "Person" not in {row[1] for row in store.query("CALL show_tables() RETURN *").rows}


def test_a_settings_log_on_a_device_is_refused(initialised):
    settings = json.loads((initialised.parent / "g.db.settings.json").read_text()) if (initialised.parent / "g.db.settings.json").exists() else {"version": 1, "audit": {}}
    settings["audit"]["log"] = "/dev/null"
    (initialised.parent / "g.db.settings.json").write_text(json.dumps(settings))
    result = _cli(initialised, "stats", reason=None)
    assert result.exit_code == 1 and "not a regular file" in result.output


def test_init_writes_the_settings_beside_the_store(tmp_path):
    result = _cli(tmp_path / "new.db", "init", reason=None)
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "new.db.settings.json").read_text())
    assert doc["audit"]["log"] is None and "history" in doc["audit"]["reason_required"]
    assert oct(os.stat(tmp_path / "new.db.settings.json").st_mode & 0o777) == "0o600"


def test_the_python_api_writes_the_same_entries(loaded, tmp_path, monkeypatch):
    from graphcase.catalogue.findings import run_catalogue
    from graphcase.history import build_history
    from graphcase.maps import Window, ego_map

    log = f"{loaded}.audit.jsonl"
    before = len(read_log(log))
    with LadybugStore(loaded, read_only=True) as store:
        build_history(store, "gp:TWARD", date_to=AS_OF)
        run = run_catalogue(store, AS_OF, person="gp:TWARD")
        ego_map(store, "gp:TWARD", hops=1, window=Window.as_of(AS_OF), out=tmp_path / "m.html")
        with audit.recorded(store, "history", {"batch": 2}, reason="case review 7") as outer:
            build_history(store, "gp:TWARD", date_to=AS_OF)
            build_history(store, "gp:RWARD", date_to=AS_OF)
        monkeypatch.delenv("GRAPHCASE_REASON")
        with pytest.raises(audit.ReasonRequired):
            build_history(store, "gp:TWARD", date_to=AS_OF)
    entries = read_log(log)[before:]
    assert [(e["command"], e["phase"], e["via"]) for e in entries] == [
        ("history", "start", "api"), ("history", "end", "api"), ("links", "start", "api"), ("links", "end", "api"),
        ("map", "start", "api"), ("map", "end", "api"), ("history", "start", "api"), ("history", "end", "api"),
        ("history", "start", "api"), ("history", "end", "api")]
    assert entries[1]["arguments"]["person_id"] == "gp:TWARD" and "gp:TWARD" in entries[1]["people"]
    assert entries[3]["findings"] == sorted(f.id for f in run.findings) and entries[3]["people"]
    assert "gp:TWARD" in entries[5]["people"]
    assert entries[7]["reason"] == "case review 7" and {"gp:TWARD", "gp:RWARD"} <= set(entries[7]["people"])
    assert entries[7]["people"] == sorted(outer.people)
    assert entries[9]["outcome"] == "refused"
    assert AuditLog(log).verify().ok


def test_audit_show_filters_by_user_person_and_date(loaded):
    assert _cli(loaded, "history", "gp:TWARD", "--to", "2026-11-01", user="ana").exit_code == 0
    assert _cli(loaded, "history", "csc:MBROWN", "--to", "2026-11-01", user="bob").exit_code == 0
    shown = json.loads(_cli(loaded, "audit", "show", "--person", "gp:TWARD", "--format", "json", reason=None).output)
    assert [(a["command"], a["claimed_user"]) for a in shown] == [("history", "ana")]
    by_user = json.loads(_cli(loaded, "audit", "show", "--user", "bob", "--format", "json", reason=None).output)
    assert [a["arguments"][0] for a in by_user] == ["csc:MBROWN"]
    assert len(json.loads(_cli(loaded, "audit", "show", "--user", ME, "--format", "json", reason=None).output)) == 3
    today = dt.datetime.now(dt.timezone.utc).date()
    assert json.loads(_cli(loaded, "audit", "show", "--to", str(today - dt.timedelta(days=1)), "--format", "json", reason=None).output) == []
    table = _cli(loaded, "audit", "show", "--from", str(today), reason=None)
    assert table.exit_code == 0 and "csc:MBROWN" in table.output


def test_run_cypher_is_the_audited_ad_hoc_query_and_query_read_only_is_not(loaded, monkeypatch):
    import graphcase
    from graphcase.stores import guard

    monkeypatch.delenv("GRAPHCASE_REASON", raising=False)
    log = f"{loaded}.audit.jsonl"
    before = len(read_log(log))
    query = "MATCH (p:Person) WHERE p.id STARTS WITH $prefix RETURN p.id AS id ORDER BY id"
    with LadybugStore(loaded, read_only=True) as store:
        result = graphcase.run_cypher(store, query, {"prefix": "gp:"}, reason="MASH 2026-0412")
        assert len(read_log(log)) == before + 2
        assert store.query_read_only(query, {"prefix": "gp:"}).rows == result.rows  # the low-level call: no entry
        assert len(read_log(log)) == before + 2
        with pytest.raises(guard.GuardRefusal):
            graphcase.run_cypher(store, "MATCH (p:Person) DELETE p", reason="MASH 2026-0412")
        with pytest.raises(audit.ReasonRequired):
            graphcase.run_cypher(store, query, {"prefix": "gp:"})
    start, end, refused_start, refused, no_reason_start, no_reason = read_log(log)[before:]
    assert (start["command"], start["phase"], start["via"], start["reason"]) == ("cypher", "start", "api", "MASH 2026-0412")
    assert start["arguments"]["query"] == query and start["arguments"]["params"] == {"prefix": "gp:"}
    assert end["outcome"] == "ok" and end["rows"] == len(result) > 0
    assert end["people"] == sorted(row[0] for row in result.rows) and "gp:TWARD" in end["people"]
    assert refused["outcome"] == "refused" and "DELETE" in refused["message"] and refused["rows"] is None
    assert no_reason["outcome"] == "refused" and no_reason["rows"] is None
    verified = _cli(loaded, "audit", "verify", reason=None)
    assert verified.exit_code == 0, verified.output


def test_a_web_view_is_one_entry_holding_its_start_and_its_outcome(initialised, monkeypatch):
    """``one_entry``: one fsynced append per look (the workspace's pages), chained like the rest, refused and
    failed looks included, and listed by ``audit show`` as one action each."""
    monkeypatch.delenv("GRAPHCASE_REASON", raising=False)
    store = LadybugStore(initialised, read_only=True)
    try:
        log, _ = audit.locate(store)
        before = len(read_log(log.path))
        with audit.recorded(store, "history", {"person": "gp:TWARD"}, reason="MASH 7", user="ana", via="web", one_entry=True) as rec:
            assert len(read_log(log.path)) == before  # nothing written until the look has read the store
            rec.touch(people=["gp:TWARD"], rows=3)
        with pytest.raises(audit.ReasonRequired):
            with audit.recorded(store, "history", {"person": "gp:TWARD"}, user="ana", via="web", one_entry=True):
                pytest.fail("a look without a reason must not run")
        with pytest.raises(ValueError):
            with audit.recorded(store, "map", {"person": "gp:TWARD"}, reason="MASH 7", user="ana", via="web", one_entry=True):
                raise ValueError("no such person")
        new = read_log(log.path)[before:]
        assert [(e["phase"], e["command"], e["outcome"]) for e in new] == [
            ("view", "history", "ok"), ("view", "history", "refused"), ("view", "map", "error")]
        ok = new[0]
        assert ok["user"] == "ana" and ok["reason"] == "MASH 7" and ok["people"] == ["gp:TWARD"] and ok["rows"] == 3
        assert ok["at"] <= ok["ended"] and "start" not in ok
        assert "no such person" in new[2]["message"]
        assert log.verify().ok
    finally:
        store.close()
    shown = _cli(initialised, "audit", "show", "--format", "json", reason=None)
    assert shown.exit_code == 0, shown.output
    views = [a for a in json.loads(shown.output) if a.get("phase") == "view"]
    assert [(a["command"], a["outcome"]) for a in views] == [("history", "ok"), ("history", "refused"), ("map", "error")]


KILL_AT_THE_NTH_HEAD_WRITE = """
import os, signal, sys
from graphcase.audit import AuditLog

real_replace, head_writes = os.replace, []

def killed_before_the_rename(source, target):
    # A kill -9 inside atomic_write_text: its temp copy written, the head not yet moved on.
    if str(target).endswith(".head"):
        head_writes.append(target)
        if len(head_writes) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(source, target)

os.replace = killed_before_the_rename
log = AuditLog(sys.argv[1])
for n in range(3):
    log.append({"command": "stats", "phase": "start", "n": n})
"""


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_a_kill_while_the_head_moves_on_never_stops_the_next_command(tmp_path, nth):
    """A kill -9 between writing an entry and moving the head on (the first entry included) leaves the head one
    entry behind: the next append works, verify says intact, and the killed write's temp copy is removed."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "g.db.audit.jsonl"
    killed = subprocess.run([sys.executable, "-c", KILL_AT_THE_NTH_HEAD_WRITE, str(path), str(nth)])
    assert killed.returncode == -signal.SIGKILL
    assert list(tmp_path.glob(".*.tmp"))  # the killed write's copy
    log = AuditLog(path)
    log.append({"command": "stats", "phase": "start"})
    assert log.verify().ok, log.verify().problem
    assert [e["seq"] for e in read_log(path)] == list(range(1, len(read_log(path)) + 1))
    assert not list(tmp_path.glob(".*.tmp"))
