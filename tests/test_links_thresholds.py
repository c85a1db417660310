"""Pattern thresholds a partnership sets: --set for one run, a settings file the store remembers, the values
used printed with the sweep and saved with the findings, and clear errors for names that do not exist."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graphcase import load_bundle
from graphcase.cli import main
from graphcase.stores.ladybug import LadybugStore

from .conftest import AS_OF, SAMPLE


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "own.db"
    store = LadybugStore(path)
    load_bundle(store, SAMPLE, today=AS_OF)
    store.close()
    return path


def links(db, *args):
    return CliRunner().invoke(main, ["--db", str(db), "--reason", "test", "links", "--as-of", AS_OF.isoformat(), *args])


def wnb_children(result) -> set[str]:
    doc = json.loads(result.output)
    return {c for f in doc["findings"] if f["pattern"] == "repeated_was_not_brought" for c in f["children"]}


def test_set_changes_one_run_and_is_saved_with_the_findings(db):
    default = links(db, "--pattern", "repeated_was_not_brought", "--format", "json")
    assert default.exit_code == 0, default.output
    assert "gp:TWARD" not in wnb_children(default)  # Tyler missed one appointment, 17 months before
    lowered = links(db, "--pattern", "repeated_was_not_brought", "--set", "repeated_was_not_brought.min_count=1",
                    "--set", "repeated_was_not_brought.months=24", "--format", "json")
    assert lowered.exit_code == 0, lowered.output
    assert "gp:TWARD" in wnb_children(lowered)
    assert json.loads(lowered.output)["parameters"]["repeated_was_not_brought"]["min_count"] == 1
    saved = json.loads((db.parent / "own.db.findings.json").read_text())
    assert saved["parameters"]["repeated_was_not_brought"] == {"months": 24, "min_count": 1, "baby_min_count": 2, "baby_limit_years": 1,
                                                                "event_kinds": ["was_not_brought"]}


def test_a_settings_file_is_remembered_by_the_store(db, tmp_path):
    settings = tmp_path / "northshire.toml"
    settings.write_text("# agreed by the partnership\n[repeated_was_not_brought]\nmin_count = 1\nmonths = 24\n")
    first = links(db, "--settings", str(settings), "--pattern", "repeated_was_not_brought")
    assert first.exit_code == 0, first.output
    assert "repeated_was_not_brought.min_count" in first.output and "settings" in first.output
    settings.unlink()  # the store keeps its own copy
    later = links(db, "--pattern", "repeated_was_not_brought", "--format", "json")
    assert "gp:TWARD" in wnb_children(later)
    overridden = links(db, "--pattern", "repeated_was_not_brought", "--set", "repeated_was_not_brought.min_count=5", "--format", "json")
    assert "gp:TWARD" not in wnb_children(overridden)


@pytest.mark.parametrize("assignment, message", [
    ("repeated_was_not_brougt.min_count=2", "did you mean 'repeated_was_not_brought'"),
    ("repeated_was_not_brought.min_cnt=2", "did you mean 'min_count'"),
    ("repeated_was_not_brought.min_count=two", "not a valid int"),
    ("repeated_was_not_brought.as_of=2020-01-01", "has no parameter 'as_of'"),
    ("min_count=2", "pattern.parameter=value"),
])
def test_bad_assignments_are_named(db, assignment, message):
    result = links(db, "--set", assignment)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_a_bad_settings_file_is_refused_and_not_remembered(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[repeated_was_not_brought]\nmin_count = 'many'\n")
    result = links(db, "--settings", str(bad))
    assert result.exit_code != 0 and "not a valid int" in result.output
    assert not (db.parent / "own.db.thresholds.toml").exists()
