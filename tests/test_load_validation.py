"""Every kind of validation error names the file, the row and the field, and the row is rejected whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase import load_bundle, read_bundle, validate_bundle
from graphcase.cli import main

from .conftest import AS_OF, SAMPLE


def bad_copy(tmp_path: Path, edits: dict[str, list[str]]) -> Path:
    """Copy the sample bundle and append raw CSV lines to some of its files."""
    folder = tmp_path / "bundle"
    shutil.copytree(SAMPLE, folder)
    for name, lines in edits.items():
        with (folder / f"{name}.csv").open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return folder


def rejects_of(folder: Path):
    return validate_bundle(read_bundle(folder), today=AS_OF).rejects


# (file, appended line, field, words in the reason). Sample files have N data lines, so the appended line
# is row N + 2 (the header is line 1).
CASES = [
    ("people", "gp:X1,child,Amy,Hill,2020-13-01,female,,gp-riverside,R1", "dob", "not a valid date"),
    ("people", "gp:X7,child,Amy,Hill,2020-02-30,female,,gp-riverside,R7", "dob", "not a valid date"),
    ("people", "gp:X2,,Amy,Hill,2020-01-01,female,,gp-riverside,R2", "role", "required value missing"),
    ("people", "gp:X3,teen,Amy,Hill,2020-01-01,female,,gp-riverside,R3", "role", "not one of"),
    ("people", "gp:X4,child,Amy,Hill,2031-01-01,female,,gp-riverside,R4", "dob", "in the future"),
    ("people", "gp:X5,child,Amy,Hill,2020-01-01,female,12345,gp-riverside,R5", "nhs_number", "pattern"),
    ("people", "gp:X6,child,Amy,Hill,2020-01-01,female,,no-such-agency,R6", "source_agency", "unknown agencies id"),
    ("residences", "gp:KWARD,A-NOWHERE,2020-01-01,,gp-riverside,R7", "address_id", "unknown addresses id"),
    ("residences", "gp:SKHAN,A-WARD,2020-05-01,2020-04-01,gp-riverside,R8", "to_date", "before from_date"),
    ("agency_records", "gp:KWARD,police,POL-9,2020-01-01,,violence;dragon,police,POL-9", "flags", "unknown flag"),
]


@pytest.mark.parametrize("name,line,field,reason", CASES, ids=[c[2] + ":" + c[3] for c in CASES])
def test_each_error_kind_names_file_row_and_field(tmp_path, name, line, field, reason):
    folder = bad_copy(tmp_path, {name: [line]})
    data_rows = len((SAMPLE / f"{name}.csv").read_text().strip().splitlines()) - 1
    rejects = rejects_of(folder)
    assert rejects, "the bad row was accepted"
    assert {(r.file, r.row, r.field) for r in rejects} == {(f"{name}.csv", data_rows + 2, field)}
    assert reason in rejects[0].reason
    assert reason in str(rejects[0]) and f"{name}.csv, row {data_rows + 2}, field {field}" in str(rejects[0])


def test_one_id_with_conflicting_values_rejects_every_row_of_it(tmp_path):
    folder = bad_copy(
        tmp_path,
        {"people": ["gp:DUP,adult,Sam,Lee,1980-01-01,male,,gp-riverside,R1", "gp:DUP,adult,Sam,Lee,1981-01-01,male,,gp-riverside,R1"]},
    )
    rejects = rejects_of(folder)
    assert [(r.row, r.field) for r in rejects] == [(18, "id"), (19, "id")]
    assert "conflicting values on rows 18, 19" in rejects[0].reason


def test_an_identical_repeated_row_is_not_an_error(tmp_path):
    line = (SAMPLE / "people.csv").read_text().splitlines()[1]
    folder = bad_copy(tmp_path, {"people": [line]})
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert validated.rejects == [] and validated.duplicates_dropped == 1


def test_rows_pointing_at_a_rejected_row_are_rejected_with_the_reason(tmp_path):
    folder = bad_copy(
        tmp_path,
        {
            "people": ["gp:BAD,child,Amy,Hill,not-a-date,female,,gp-riverside,R1"],
            "residences": ["gp:BAD,A-WARD,2020-01-01,,gp-riverside,R2"],
        },
    )
    rejects = rejects_of(folder)
    follow_on = [r for r in rejects if r.file == "residences.csv"]
    assert len(follow_on) == 1 and "which was rejected (people.csv row 18)" in follow_on[0].reason


def test_a_missing_required_column_rejects_the_file_with_a_clear_reason(tmp_path):
    folder = tmp_path / "bundle"
    shutil.copytree(SAMPLE, folder)
    text = (folder / "addresses.csv").read_text().replace("postcode", "post_code")
    (folder / "addresses.csv").write_text(text)
    rejects = rejects_of(folder)
    reasons = {(r.file, r.row, r.field, r.reason) for r in rejects if r.file == "addresses.csv"}
    assert ("addresses.csv", None, "post_code", "unknown column(s); expected: id, postcode, uprn, source_agency, source_record") in reasons
    assert ("addresses.csv", None, "postcode", "required column missing") in reasons


def test_json_bundle_is_read_like_csv(tmp_path):
    import pandas as pd

    from graphcase import write_bundle

    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in SAMPLE.glob("*.csv")}
    write_bundle(frames, tmp_path / "json", fmt="json")
    validated = validate_bundle(read_bundle(tmp_path / "json"), today=AS_OF)
    assert validated.rejects == []
    assert validated.accepted_counts() == validate_bundle(read_bundle(SAMPLE), today=AS_OF).accepted_counts()


def test_load_with_rejects_writes_nothing_unless_allowed(ladybug_store, tmp_path):
    folder = bad_copy(tmp_path, {"people": ["gp:X1,child,Amy,Hill,2020-13-01,female,,gp-riverside,R1"]})
    report = load_bundle(ladybug_store, folder, allow_rejects=False, today=AS_OF)
    assert not report.applied
    assert ladybug_store.query("MATCH (p:Person) RETURN count(p)").rows[0][0] == 0
    report = load_bundle(ladybug_store, folder, allow_rejects=True, today=AS_OF)
    assert report.applied and report.rejected_rows == 1
    assert ladybug_store.query("MATCH (p:Person) RETURN count(p)").rows[0][0] == 16


def test_cli_load_reports_rejects_and_exits_non_zero(tmp_path, monkeypatch):
    folder = bad_copy(tmp_path, {"people": ["gp:X1,child,Amy,Hill,2020-13-01,female,,gp-riverside,R1"]})
    runner = CliRunner()
    db = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["--db", str(db), "load", str(folder), "--quiet", "--rejects", "rejects.csv"])
    assert result.exit_code == 2
    assert "people.csv, row 18, field dob: not a valid date" in result.output
    assert "nothing was loaded" in result.output
    report = Path("rejects.csv").read_text()
    assert report.splitlines()[0] == "file,row,field,reason,value"
    assert "people.csv,18,dob" in report and "2020-13-01" in report
    result = runner.invoke(main, ["--db", str(db), "load", str(folder), "--quiet", "--allow-rejects", "--rejects", "r2.csv"])
    assert result.exit_code == 0, "--allow-rejects loads the accepted rows and succeeds"
    assert "written; 1 rows rejected" in result.output


def test_accepted_rows_come_typed_dates_as_dates_and_flags_as_booleans():
    import datetime as dt

    import pyarrow as pa

    validated = validate_bundle(read_bundle(SAMPLE), today=AS_OF)
    people, records = validated.tables["people"], validated.tables["agency_records"]
    assert people.schema.field("dob").type == pa.date32()
    tward = people.filter(pa.compute.equal(people["id"], "gp:TWARD")).to_pylist()[0]
    assert tward["dob"] == dt.date(2019, 5, 30) and tward["_row"] >= 2
    assert "flags" not in records.column_names and records.schema.field("mappa").type == pa.bool_()
    flagged = {r["person_id"] for r in records.filter(records["mappa"]).to_pylist()}
    raw = (SAMPLE / "agency_records.csv").read_text().splitlines()
    assert flagged == {line.split(",")[0] for line in raw[1:] if "mappa" in line.split(",")[5]}
    assert validated.frames["people"]["id"].tolist() == people["id"].to_pylist()


def test_dates_parse_the_same_whether_or_not_a_column_holds_a_bad_one():
    """A column of good dates takes Arrow's cast; one bad value sends the whole column the slow, per-value way."""
    import pyarrow as pa

    from graphcase.ingest.validate import _parse_dates

    good = ["2020-02-29", None, "1999-12-31", "2026-11-01"]
    fast = _parse_dates(pa.chunked_array([pa.array(good)]))
    slow = _parse_dates(pa.chunked_array([pa.array(good + ["2020-02-30", "2020-1-5", "2021-02-29"])]))
    assert fast.to_pylist() == slow.to_pylist()[:4]
    assert slow.to_pylist()[4:] == [None, None, None]
    assert str(fast.to_pylist()[0]) == "2020-02-29"
