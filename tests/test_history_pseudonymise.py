"""Pseudonymised chronologies: no real name, date of birth or identifier of the fixture in any output format."""

from __future__ import annotations

import csv
import json
import re

from click.testing import CliRunner

from graphcase.cli import main

from .conftest import SAMPLE

FORMATS = ("table", "markdown", "csv", "json", "html")


def _fixture_secrets() -> dict[str, set[str]]:
    """Every name, date of birth and identifier in the sample bundle (agency ids and names are allowed)."""
    def rows(name):
        with open(SAMPLE / f"{name}.csv", newline="") as f:
            return list(csv.DictReader(f))

    names, dobs, ids = set(), set(), set()
    for p in rows("people"):
        names |= {p["given_name"], p["family_name"], f"{p['given_name']} {p['family_name']}"}
        dobs.add(p["dob"])
        ids |= {p["id"], p["nhs_number"], p["source_record"]}
    for a in rows("addresses"):
        ids |= {a["id"], a["postcode"], a["uprn"], a["source_record"]}
    for e in rows("events"):
        ids |= {e["id"], e["source_record"]}
    for r in rows("agency_records"):
        ids |= {r["record_id"], r["source_record"]}
    for name in ("relationships", "residences", "event_people", "event_agencies"):
        ids |= {r["source_record"] for r in rows(name)}
    return {"name": names - {""}, "dob": dobs - {""}, "identifier": ids - {""}}


def _leaks(text: str, secrets: dict[str, set[str]]) -> list[str]:
    found = []
    for what, values in secrets.items():
        for value in values:
            if re.search(r"(?<![\w])" + re.escape(value) + r"(?![\w])", text, re.IGNORECASE):
                found.append(f"{what} {value!r}")
    return found


def test_no_real_name_dob_or_identifier_in_any_format(sample_db_path, tmp_path):
    runner = CliRunner()
    key = tmp_path / "review-key.json"
    secrets = _fixture_secrets()
    outputs = {}
    # Two children of one review, every format, one key file.
    for child in ("gp:TWARD", "csc:MBROWN"):
        for fmt in FORMATS:
            out = tmp_path / f"{child.replace(':', '_')}.{fmt}"
            result = runner.invoke(main, ["--db", str(sample_db_path), "history", child, "--to", "2026-11-01", "--network-hops", "2",
                                          "--format", fmt, "-o", str(out), "--pseudonymise", "--shift-dates", "-45", "--key-file", str(key)])
            assert result.exit_code == 0, result.output
            outputs[out.name] = out.read_text(encoding="utf-8")
    for name, text in outputs.items():
        assert _leaks(text, secrets) == [], name
    # The check itself can fail: the real output names Tyler and his records.
    real = runner.invoke(main, ["--db", str(sample_db_path), "history", "gp:TWARD", "--to", "2026-11-01", "--format", "json"])
    assert {"name 'Tyler'", "dob '2019-05-30'", "identifier 'GP-10232'"} <= set(_leaks(real.output, secrets))
    # Agency names stay; labels are used.
    assert "Riverside Surgery" in outputs["gp_TWARD.markdown"] and "Child A" in outputs["gp_TWARD.markdown"]


def test_labels_are_consistent_across_files_and_runs(sample_db_path, tmp_path):
    runner = CliRunner()
    key = tmp_path / "key.json"

    def run(child, hops, fmt="json"):
        result = runner.invoke(main, ["--db", str(sample_db_path), "history", child, "--to", "2026-11-01", "--network-hops", str(hops),
                                      "--format", fmt, "--pseudonymise", "--key-file", str(key)])
        assert result.exit_code == 0, result.output
        return result.output

    first = json.loads(run("gp:TWARD", 1))
    labels = json.loads(key.read_text())["people"]
    assert labels["gp:TWARD"] == "Child A"
    assert {p["id"] for p in first["people"]} == {labels[i] for i in ("gp:TWARD", "gp:KWARD", "gp:RWARD", "probation:DPLATT")}
    # Ruby's own chronology, later, in the same review: Ruby and her mother keep their labels.
    ruby = json.loads(run("gp:RWARD", 1))
    assert ruby["child_id"] == labels["gp:RWARD"]
    assert labels["gp:KWARD"] in {p["id"] for p in ruby["people"]}
    again = json.loads(key.read_text())["people"]
    assert {k: again[k] for k in labels} == labels
    # Event labels agree between the two files (both contain the second police call-out).
    events_t = {e["summary"]: e["event_id"] for e in first["chronology"]}
    events_r = {e["summary"]: e["event_id"] for e in ruby["chronology"]}
    common = set(events_t) & set(events_r)
    assert common and all(events_t[s] == events_r[s] for s in common)


def test_date_shift_keeps_order_and_intervals_and_one_shift_per_review(sample_db_path, tmp_path):
    runner = CliRunner()
    key = tmp_path / "key.json"
    args = ["--db", str(sample_db_path), "history", "gp:TWARD", "--to", "2026-11-01", "--format", "json", "--pseudonymise", "--key-file", str(key)]
    shifted = json.loads(runner.invoke(main, args + ["--shift-dates", "10"]).output)
    assert [e["date"] for e in shifted["chronology"]][:2] == ["2025-04-12", "2025-06-21"]
    assert shifted["date_shift_days"] == 10
    result = runner.invoke(main, args + ["--shift-dates", "11"])
    assert result.exit_code == 1 and "10 days" in result.output
    # Without --shift-dates, the review's shift from the key file is used.
    assert json.loads(runner.invoke(main, args).output)["chronology"][0]["date"] == "2025-04-12"
