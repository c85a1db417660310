"""Every file graphcase writes is private (0600, folders 0700) whatever the umask: every command is run under
umask 022 in an empty working folder, and the whole tree it leaves is walked.

Also: DuckDB's spill folder for record linkage is a fresh private temp folder, removed afterwards (it was a
fixed, world-readable /tmp/graphcase-duckdb-spill), and ``fixtures generate`` writes no audit file.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase.cli import main

from .conftest import AS_OF

DAY = AS_OF.isoformat()


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def cli(*args, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def modes(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (not root itself) with its permission bits."""
    return {str(p.relative_to(root)): oct(stat.S_IMODE(p.lstat().st_mode)) for p in sorted(root.rglob("*"))}


def assert_private(root: Path) -> None:
    found = modes(root)
    assert found
    wrong = {p: m for p, m in found.items() if m != ("0o700" if (root / p).is_dir() else "0o600")}
    assert not wrong, f"not private under umask 022: {wrong}"


def test_every_command_writes_private_files_under_umask_022(tmp_path, monkeypatch, umask_022):
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(spill_root))  # where a spill folder would go

    cli("fixtures", "generate", "county", "--people", "300", "--seed", "3")
    assert not list(work.glob("*audit*")), "fixtures generate opens no store, so writes no audit file"
    cli("load", "county", "--quiet")
    cli("link-records", "--as-of", DAY)
    assert list(spill_root.iterdir()) == [], "the linkage spill folder was left behind"
    findings = json.loads(cli("links", "--as-of", DAY, "--format", "json"))["findings"]
    assert findings
    cli("links", "--as-of", DAY, "--person", findings[0]["children"][0])
    cli("explain", findings[0]["id"])
    child = findings[0]["children"][0]
    for fmt in ("table", "markdown", "csv", "json", "html"):
        cli("history", child, "--as-of", DAY, "--format", fmt, "-o", f"exports/chronology.{fmt}")
    cli("history", child, "--as-of", DAY, "--pseudonymise", "--key-file", "review-key.json", "-o", "exports/pseudo.md", "--format", "markdown")
    cli("map", child, "--as-of", DAY, "-o", "maps/ego.html")
    cli("map", "--findings", "--as-of", DAY, "-o", "maps/findings.html")
    cli("map", "--partnership", "--as-of", DAY, "-o", "maps/partnership.html")
    cli("review", "--all")
    cli("run", "history_people", "-p", f"person_id={child}", "--format", "csv")
    cli("cypher", "MATCH (p:Person) RETURN count(p) AS n")
    cli("stats")
    # A bad bundle: the reject report goes beside the store, private.
    bad = work / "bad"
    bad.mkdir()
    (bad / "people.csv").write_text("id,role,given_name,family_name,dob,sex,nhs_number,source_agency,source_record\n"
                                    "x:1,child,=cmd,A,2020-13-01,female,,x,X-1\n")
    os.chmod(bad / "people.csv", 0o600)
    os.chmod(bad, 0o700)
    cli("--db", "second.db", "load", str(bad), code=2)
    assert len(list(work.glob("second.db.rejects-*.csv"))) == 1
    cli("--db", "third.db", "init")
    cli("demo", "--out", "demo", "--people", "300")

    written = modes(work)
    for expected in ("graphcase.db", "graphcase.db.audit.jsonl", "graphcase.db.findings.json", "graphcase.db.sweep.json",
                     "graphcase.db.linkage-model.json", "graphcase.db.linkage-review.json", "review-key.json",
                     "exports/chronology.html", "maps/ego.html", "county/people.csv", "county/ground_truth.json",
                     "demo/graphcase.db", "demo/maps/findings-map.html"):
        assert expected in written, f"{expected} was not written: the walk below would not check it"
    assert_private(work)


def test_linkage_spills_into_a_private_folder_removed_afterwards(tmp_path, monkeypatch, umask_022):
    from graphcase.linkage.train import duckdb_api, uses_spill_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = {}

    @uses_spill_folder
    def one_run():
        folder = Path(duckdb_api()._con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
        seen["folder"], seen["mode"] = folder, oct(stat.S_IMODE(folder.stat().st_mode))

    one_run()
    assert seen["folder"].parent == tmp_path and seen["folder"].name.startswith("graphcase-duckdb-spill-")
    assert seen["mode"] == "0o700"
    assert not seen["folder"].exists()
