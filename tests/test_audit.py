"""Every command that shows people's data leaves an audit entry: who, when, what, about whom, why."""

from click.testing import CliRunner

from graphcase.audit import read_log
from graphcase.cli import main

from .conftest import SAMPLE


def test_commands_are_recorded_with_user_reason_and_arguments(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHCASE_AUDIT_LOG", raising=False)
    db = tmp_path / "g.db"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db), "load", str(SAMPLE), "--quiet"]).exit_code == 0
    result = runner.invoke(
        main,
        ["--db", str(db), "--user", "ana.analyst", "--reason", "MASH referral 2026-0412",
         "run", "probation_adult_child_unknown_to_csc", "-p", "as_of=2026-11-01"],
    )
    assert result.exit_code == 0, result.output
    refused = runner.invoke(main, ["--db", str(db), "cypher", "MATCH (p:Person) DELETE p"])
    assert refused.exit_code == 3
    assert runner.invoke(main, ["--db", str(db), "queries"]).exit_code == 0
    log = read_log(tmp_path / "g.db.audit.jsonl")
    assert [e["command"] for e in log] == ["load", "run", "cypher"]  # 'queries' shows no one's data
    run = log[1]
    assert run["user"] == "ana.analyst" and run["reason"] == "MASH referral 2026-0412"
    assert run["arguments"] == ["probation_adult_child_unknown_to_csc", "-p", "as_of=2026-11-01"]
    assert log[2]["arguments"] == ["MATCH (p:Person) DELETE p"]  # refused attempts are recorded too
    assert all(e["at"].endswith("+00:00") for e in log)
