"""Terminal output fits the terminal (issue 11, item 10): at 80 columns links, queries, history and explain
print no line wider than 80 and cut nothing (text wraps; a table too wide becomes one block per row)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from graphcase.cli import main


@pytest.fixture
def db(sample_db_path, tmp_path):
    for suffix in ("", ".wal"):
        src = sample_db_path.parent / (sample_db_path.name + suffix)
        if src.exists():
            shutil.copy(src, tmp_path / ("sample.db" + suffix))
    return str(tmp_path / "sample.db")


def cli(db, *args, columns=80):
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(main, ["--db", db, "--reason", "test", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [80, 60])
def test_every_command_fits_the_terminal(db, columns):
    doc = json.loads(cli(db, "links", "--as-of", "2026-11-01", "--format", "json"))
    lead = doc["leads"][0]
    first = next(f for f in doc["findings"] if f["id"] == lead["reasons"][0])
    outputs = {
        "links": cli(db, "links", "--as-of", "2026-11-01", columns=columns),
        "queries": cli(db, "queries", columns=columns),
        "history": cli(db, "history", "gp:TWARD", columns=columns),
        "explain": cli(db, "explain", lead["id"], columns=columns),
    }
    for name, out in outputs.items():
        wide = [line for line in out.splitlines() if len(line) > columns]
        assert not wide, (name, wide[:3])
        assert "…" not in out, name  # wrapped, never cut
    flat = " ".join(" ".join(outputs["explain"].split()).split("│"))
    assert " ".join(first["explanation"].split()) in flat  # the explanation is all there, wrapped


def test_a_wide_terminal_keeps_the_table(db):
    out = cli(db, "history", "gp:TWARD", columns=200)
    assert "┃ date" in out and "people concerned" in out


def test_a_sweep_with_no_leads_says_so_in_one_sentence_not_an_empty_table(db):
    out = cli(db, "links", "--as-of", "1990-01-01", columns=80)  # before anyone in the sample was known
    assert "Missed links as of 1990-01-01: none. No pattern found anything" in " ".join(out.split())
    assert "┃ lead" not in out and "Summary by pattern" in out
    assert not [line for line in out.splitlines() if len(line) > 80]
