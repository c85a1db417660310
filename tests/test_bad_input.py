"""Every kind of hostile or careless bundle gets a reject naming file, row (line) and field: never a traceback,
a hang, a read outside the bundle or a silent change (issue 16, "Bad input")."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase import read_bundle, validate_bundle
from graphcase.cli import main
from graphcase.ingest.limits import InputLimits

from .conftest import AS_OF, SAMPLE

PEOPLE_HEADER = "id,role,given_name,family_name,dob,sex,nhs_number,source_agency,source_record"


def bundle(tmp_path: Path, **files: str | bytes) -> Path:
    """The sample bundle with some files replaced (name=text) or, for name=None, removed."""
    folder = tmp_path / "bundle"
    shutil.copytree(SAMPLE, folder)
    for name, content in files.items():
        path = folder / name.replace("__", ".")
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def people(*rows: str) -> str:
    return "\n".join([PEOPLE_HEADER, *rows]) + "\n"


def rejects_of(folder: Path, limits: InputLimits | None = None):
    return validate_bundle(read_bundle(folder, limits), today=AS_OF, limits=limits).rejects


def where(rejects) -> set[tuple]:
    return {(r.file, r.row, r.field) for r in rejects}


def in_time(call, seconds: float = 20.0):
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it does not return in time."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (a hang)"
    return box["value"]


# --- encodings and headers -------------------------------------------------------------------------------

def test_a_bom_before_a_numeric_looking_first_column_keeps_ids_as_text(tmp_path):
    text = "\ufeff" + people(
        "007,child,Amy,Hill,2020-01-01,female,,gp-riverside,R1",
        "12345,adult,Sam,Hill,1990-01-01,male,,gp-riverside,R2",
    )
    folder = bundle(tmp_path, people__csv=text.encode("utf-8"), relationships__csv=None, residences__csv=None,
                    agency_records__csv=None, event_people__csv=None)
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert validated.rejects == []
    assert validated.tables["people"]["id"].to_pylist() == ["007", "12345"]


def test_a_bom_before_an_empty_first_column_rejects_the_rows_not_the_program(tmp_path):
    text = "\ufeff" + people(",child,Amy,Hill,2020-01-01,female,,gp-riverside,R1", ",adult,Sam,Hill,1990-01-01,male,,gp-riverside,R2")
    folder = bundle(tmp_path, people__csv=text.encode("utf-8"))
    rejects = [r for r in rejects_of(folder) if r.file == "people.csv"]
    assert where(rejects) == {("people.csv", 2, "id"), ("people.csv", 3, "id")}
    assert all("required value missing" in r.reason for r in rejects)


def test_duplicate_column_names_reject_the_file_naming_the_column(tmp_path):
    folder = bundle(tmp_path, people__csv=people("gp:X,child,Amy,Hill,2020-01-01,female,,gp-riverside,R1").replace("sex,", "dob,", 1))
    rejects = [r for r in rejects_of(folder) if r.file == "people.csv"]
    assert [(r.row, r.field) for r in rejects] == [(1, "dob")]
    assert "appears more than once (columns 5 and 6)" in rejects[0].reason


def test_a_header_field_over_128_kib_is_a_clear_reject(tmp_path):
    huge = "x" * (200 * 1024)
    folder = bundle(tmp_path, addresses__csv=f"id,postcode,uprn,source_agency,source_record,{huge}\nA-1,NS1 1AA,,gp-riverside,R,v\n")
    rejects = [r for r in rejects_of(folder) if r.file == "addresses.csv"]
    assert any("unknown column" in r.reason for r in rejects)
    assert all(len(str(r)) < 1000 for r in rejects), "a reject quotes a huge value back whole"


def test_text_that_is_not_utf8_names_its_line(tmp_path):
    folder = bundle(tmp_path, people__csv=people("gp:X,child,Am\xe9e,Hill,2020-01-01,female,,gp-riverside,R1").encode("latin-1"))
    rejects = [r for r in rejects_of(folder) if r.file == "people.csv"]
    assert [r.row for r in rejects] == [2] and "not UTF-8" in rejects[0].reason and "CSV UTF-8" in rejects[0].reason


# --- line numbers ----------------------------------------------------------------------------------------

def test_reject_rows_are_physical_line_numbers_after_blank_lines_and_multi_line_values(tmp_path):
    text = "\n".join([
        PEOPLE_HEADER,                                                     # line 1
        "",                                                                # line 2: blank
        'gp:A,adult,"Ann\nMarie",Hill,1990-01-01,female,,gp-riverside,R1',  # lines 3-4
        "",                                                                # line 5
        "gp:B,adult,Bo,Hill,1990-13-01,male,,gp-riverside,R2",             # line 6: bad date
        'gp:C,adult,Cy,"Hill\n\nJones",1990-01-01,male,,gp-riverside,R3',   # lines 7-9
        "gp:D,teen,Di,Hill,1990-01-01,male,,gp-riverside,R4",              # line 10: bad role
    ]) + "\n"
    folder = bundle(tmp_path, people__csv=text)
    rejects = [r for r in rejects_of(folder) if r.file == "people.csv"]
    assert where(rejects) == {("people.csv", 6, "dob"), ("people.csv", 10, "role")}
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert validated.tables["people"]["given_name"].to_pylist()[:1] == ["Ann\nMarie"]


def test_crlf_files_keep_line_numbers(tmp_path):
    text = people("gp:A,adult,Ann,Hill,1990-01-01,female,,gp-riverside,R1", "gp:B,adult,Bo,Hill,1990-13-01,male,,gp-riverside,R2")
    folder = bundle(tmp_path, people__csv=text.replace("\n", "\r\n"))
    assert where(r for r in rejects_of(folder) if r.file == "people.csv") == {("people.csv", 3, "dob")}


def test_a_row_with_the_wrong_number_of_fields_is_rejected_alone_with_its_line(tmp_path):
    folder = bundle(tmp_path, people__csv=people(
        "gp:A,adult,Ann,Hill,1990-01-01,female,,gp-riverside,R1",
        "gp:B,adult,Bo,Hill,1990-01-01,male,,gp-riverside,R2,extra",
        "gp:C,adult,Cy,Hill,1990-01-01,male,,gp-riverside,R3",
    ))
    raw = read_bundle(folder)
    rejects = [r for r in validate_bundle(raw, today=AS_OF).rejects if r.file == "people.csv"]
    assert [(r.row, r.field) for r in rejects] == [(3, None)] and "10 fields; the header has 9" in rejects[0].reason
    assert len(raw["people"]) == 3, "the rejected row is still counted as read"


def test_a_quote_never_closed_rejects_the_file_at_its_line(tmp_path):
    folder = bundle(tmp_path, people__csv=people(
        "gp:A,adult,Ann,Hill,1990-01-01,female,,gp-riverside,R1",
        'gp:B,adult,"Bo,Hill,1990-01-01,male,,gp-riverside,R2',
        "gp:C,adult,Cy,Hill,1990-01-01,male,,gp-riverside,R3",
    ))
    rejects = [r for r in rejects_of(folder) if r.file == "people.csv"]
    assert [r.row for r in rejects] == [3] and "never closed" in rejects[0].reason


# --- files that are not what they seem ------------------------------------------------------------------

def test_a_symlink_to_dev_zero_is_refused_without_reading_it(tmp_path):
    folder = bundle(tmp_path, people__csv=None)
    (folder / "people.csv").symlink_to("/dev/zero")
    rejects = in_time(lambda: rejects_of(folder), 10)
    mine = [r for r in rejects if r.file == "people.csv"]
    assert len(mine) == 1 and "outside the bundle folder" in mine[0].reason


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    folder = bundle(tmp_path, people__csv=None)
    os.mkfifo(folder / "people.csv")
    rejects = in_time(lambda: rejects_of(folder), 10)
    mine = [r for r in rejects if r.file == "people.csv"]
    assert len(mine) == 1 and "is a FIFO, not a regular file" in mine[0].reason


def test_a_symlink_inside_the_folder_to_a_fifo_is_refused_too(tmp_path):
    folder = bundle(tmp_path, people__csv=None)
    os.mkfifo(folder / "pipe")
    (folder / "people.csv").symlink_to(folder / "pipe")
    rejects = in_time(lambda: rejects_of(folder), 10)
    assert any(r.file == "people.csv" and "FIFO" in r.reason for r in rejects)


def test_etc_passwd_through_a_symlink_is_not_read(tmp_path):
    folder = bundle(tmp_path, agencies__csv=None)
    (folder / "agencies.csv").symlink_to("/etc/passwd")
    raw = read_bundle(folder)
    assert "agencies" not in raw
    assert [r.reason for r in raw.rejects if r.file == "agencies.csv"] == [
        "is a symbolic link to a file outside the bundle folder; copy the file in instead"
    ]
    assert not any("root" in (r.value or "") for r in validate_bundle(raw, today=AS_OF).rejects)


def test_a_symlink_to_a_file_inside_the_folder_is_read(tmp_path):
    folder = bundle(tmp_path)
    (folder / "people.csv").rename(folder / "people-2026-11.csv.txt")
    (folder / "people.csv").symlink_to("people-2026-11.csv.txt")
    raw = read_bundle(folder)
    assert len(raw["people"]) == 16
    assert [r.file for r in raw.rejects] == ["people-2026-11.csv.txt"], "the target is still an unknown name"


def test_file_and_field_size_caps_give_clear_messages(tmp_path):
    folder = bundle(tmp_path, events__csv=(SAMPLE / "events.csv").read_text().replace("6-monthly asthma review", "x" * 5000))
    small = InputLimits(max_file_bytes=10_000_000, max_field_bytes=4096)
    rejects = rejects_of(folder, small)
    assert where(rejects) == {("events.csv", 2, "summary")} | {("event_people.csv", 2, "event_id")}
    assert "value is 5,007 bytes, over the field size cap of 4 KiB" in rejects[0].reason
    tiny = InputLimits(max_file_bytes=1000)
    big_files = {r.file for r in rejects_of(folder, tiny) if "over the size cap of 1,000 bytes" in r.reason}
    assert big_files == {p.name for p in folder.iterdir() if p.stat().st_size > 1000}


# --- JSON ------------------------------------------------------------------------------------------------

def json_bundle(tmp_path: Path, people_rows: list) -> Path:
    folder = bundle(tmp_path, people__csv=None)
    (folder / "people.json").write_text(json.dumps(people_rows) if not isinstance(people_rows, str) else people_rows)
    return folder


def person(**changes) -> dict:
    row = dict(zip(PEOPLE_HEADER.split(","), "gp:J,adult,Jo,Hill,1990-01-01,female,,gp-riverside,R1".split(",")))
    row["nhs_number"] = None
    row.update(changes)
    return row


def test_json_nested_100000_deep_is_a_clear_reject(tmp_path):
    folder = json_bundle(tmp_path, "[" * 100_000 + "]" * 100_000)
    rejects = [r for r in rejects_of(folder) if r.file == "people.json"]
    assert len(rejects) == 1 and "nested too deeply" in rejects[0].reason


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("given_name", {"first": "Jo"}, "a JSON object where text is expected"),
        ("family_name", ["Hill", "Jones"], "a JSON array where text is expected"),
        ("sex", True, "a JSON true/false where text is expected"),
        ("dob", float("nan"), "NaN"),
        ("nhs_number", float("inf"), "Infinity"),
        ("dob", {"y": 1990}, "where a date as text is expected"),
    ],
)
def test_json_values_of_the_wrong_type_are_rejected_not_turned_into_text(tmp_path, field, value, words):
    folder = json_bundle(tmp_path, [person(id="gp:OK"), person(id="gp:BAD", **{field: value})])
    rejects = [r for r in rejects_of(folder) if r.file == "people.json"]
    assert [(r.row, r.field) for r in rejects] == [(2, field)]
    assert words in rejects[0].reason


def test_json_numbers_are_kept_as_written_and_flags_may_be_a_list(tmp_path):
    folder = json_bundle(tmp_path, [person(nhs_number=4857773456)])
    folder.joinpath("agency_records.csv").unlink()
    records = [{"person_id": "gp:J", "agency_id": "police", "record_id": "P1", "since": "2020-01-01",
                "flags": ["mappa", "violence"], "source_agency": "police", "source_record": "P1"}]
    folder.joinpath("agency_records.json").write_text(json.dumps(records))
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert [r for r in validated.rejects if r.file in ("people.json", "agency_records.json")] == []
    assert validated.tables["people"].to_pylist()[0]["nhs_number"] == "4857773456"
    flags = validated.tables["agency_records"].to_pylist()[0]
    assert flags["mappa"] and flags["violence"] and not flags["sex_offender"]


def test_a_json_row_that_repeats_a_key_is_rejected(tmp_path):
    folder = json_bundle(tmp_path, '[{"id": "gp:J", "id": "gp:K", "role": "adult", "given_name": "Jo", "family_name": "Hill",'
                                   ' "source_agency": "gp-riverside", "source_record": "R1"}]')
    rejects = [r for r in rejects_of(folder) if r.file == "people.json"]
    assert [(r.row, r.field) for r in rejects] == [(1, "id")] and "more than once" in rejects[0].reason


# --- ids -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("hidden, name", [("\u200b", "ZERO WIDTH SPACE"), ("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
                                          ("\u00a0", "NO-BREAK SPACE"), ("\x07", "U+0007"), ("\u2066", "LEFT-TO-RIGHT ISOLATE")])
def test_ids_with_invisible_or_bidirectional_characters_are_rejected(tmp_path, hidden, name):
    folder = bundle(tmp_path, people__csv=people(f"gp:K{hidden}WARD2,adult,Kerry,Ward,1996-02-11,female,,gp-riverside,R1"),
                    residences__csv=f"person_id,address_id,from_date,to_date,source_agency,source_record\ngp:KWARD,A{hidden}-WARD,2018-04-01,,gp-riverside,R\n")
    rejects = rejects_of(folder)
    hidden_rejects = [r for r in rejects if "invisible" in r.reason]
    assert where(hidden_rejects) == {("people.csv", 2, "id"), ("residences.csv", 2, "address_id")}
    assert name in hidden_rejects[0].reason


def test_ids_differing_only_in_case_or_spacing_are_rejected_naming_each_other(tmp_path):
    folder = bundle(tmp_path, people__csv=people(
        "gp:KWARD,adult,Kerry,Ward,1996-02-11,female,,gp-riverside,R1",
        "gp:kward,adult,Kerry,Ward,1996-02-11,female,,gp-riverside,R2",
        "gp:K WARD,adult,Kerry,Ward,1996-02-11,female,,gp-riverside,R3",
        "gp:TWARD,child,Tyler,Ward,2019-05-30,male,,gp-riverside,R4",
    ), relationships__csv=None, residences__csv=None, agency_records__csv=None, event_people__csv=None)
    rejects = [r for r in rejects_of(folder) if r.file == "people.csv"]
    assert where(rejects) == {("people.csv", 2, "id"), ("people.csv", 3, "id"), ("people.csv", 4, "id")}
    assert "differs only in case or spacing from 'gp:kward' (row 3), 'gp:K WARD' (row 4)" in rejects[0].reason


# --- rows, names, dates ----------------------------------------------------------------------------------

def test_identical_repeated_rows_are_counted_per_file(tmp_path):
    line = (SAMPLE / "people.csv").read_text().splitlines()[1]
    folder = bundle(tmp_path, people__csv=(SAMPLE / "people.csv").read_text() + f"{line}\n{line}\n")
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert validated.rejects == [] and validated.duplicates["people"] == 2 and validated.duplicates["events"] == 0


def test_an_unknown_file_name_is_refused_with_the_nearest_name(tmp_path):
    folder = bundle(tmp_path)
    (folder / "agency_records.csv").rename(folder / "agency_record.csv")
    (folder / "notes.txt").write_text("hello")
    rejects = {r.file: r.reason for r in rejects_of(folder) if r.row is None}
    assert "did you mean agency_records.csv?" in rejects["agency_record.csv"]
    assert "bundle files are: agencies.csv" in rejects["notes.txt"]


def test_both_csv_and_json_of_one_table_are_refused(tmp_path):
    folder = bundle(tmp_path)
    (folder / "people.json").write_text("[]")
    assert any("both people.csv and people.json" in r.reason for r in rejects_of(folder))


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_dates_outside_the_sane_range_are_rejected(tmp_path, date):
    folder = bundle(tmp_path, events__csv=(SAMPLE / "events.csv").read_text().replace("2025-04-02", date, 1))
    rejects = [r for r in rejects_of(folder) if r.file == "events.csv"]
    assert [(r.row, r.field) for r in rejects] == [(2, "date")]
    assert "outside the accepted range 1900-01-01 to 2100-12-31" in rejects[0].reason or "future" in rejects[0].reason


def test_the_date_range_is_configurable(tmp_path):
    folder = bundle(tmp_path, events__csv=(SAMPLE / "events.csv").read_text().replace("2025-04-02", "1890-06-01", 1))
    wide = InputLimits(earliest_date=dt.date(1850, 1, 1))
    assert [r for r in rejects_of(folder, wide) if r.file == "events.csv"] == []


# --- the command line ------------------------------------------------------------------------------------

def load_cli(tmp_path: Path, folder: Path, *extra: str, cwd: Path | None = None):
    store_dir = tmp_path / "store"
    store_dir.mkdir(exist_ok=True)
    work = cwd or tmp_path / "work"
    work.mkdir(exist_ok=True)
    old = os.getcwd()
    os.chdir(work)
    try:
        result = CliRunner().invoke(main, ["--db", str(store_dir / "g.db"), "load", str(folder), "--quiet", *extra])
    finally:
        os.chdir(old)
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    return result, store_dir, work


def test_cli_hostile_bundle_exits_2_with_a_private_reject_report_beside_the_store(tmp_path):
    folder = bundle(tmp_path, people__csv=None)
    os.mkfifo(folder / "people.csv")
    (folder / "agency_record.csv").write_text("x\n")
    result, store_dir, work = in_time(lambda: load_cli(tmp_path, folder), 60)
    assert result.exit_code == 2, result.output
    assert "people.csv: is a FIFO, not a regular file" in result.output
    assert "did you mean agency_records.csv?" in result.output
    reports = list(store_dir.glob("*rejects-*.csv"))
    assert len(reports) == 1 and list(work.iterdir()) == []
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
    assert reports[0].read_text().splitlines()[0] == "file,row,field,reason,value"


def test_cli_says_how_many_identical_rows_were_dropped(tmp_path):
    line = (SAMPLE / "people.csv").read_text().splitlines()[1]
    folder = bundle(tmp_path, people__csv=(SAMPLE / "people.csv").read_text() + f"{line}\n{line}\n{line}\n")
    result, _, _ = load_cli(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert "3 identical repeated rows dropped (kept once): people 3" in result.output


def test_cli_limits_are_options(tmp_path):
    folder = bundle(tmp_path)
    result, _, _ = load_cli(tmp_path, folder, "--max-file-size", "1K")
    assert result.exit_code == 2 and "over the size cap of 1 KiB" in result.output
    result, _, _ = load_cli(tmp_path, folder, "--max-field-size", "lots")
    assert result.exit_code == 2 and "is not a size" in result.output
    result, _, _ = load_cli(tmp_path, folder, "--date-range", "2030-01-01:2020-01-01")
    assert result.exit_code == 2 and "2030-01-01 is after 2020-01-01" in result.output


def test_a_json_row_without_a_required_key_is_rejected_per_row_and_an_empty_array_is_an_empty_table(tmp_path):
    row = person(id="gp:J2")
    del row["role"]
    folder = json_bundle(tmp_path, [person(), row])
    rejects = [r for r in rejects_of(folder) if r.file == "people.json"]
    assert [(r.row, r.field, r.reason) for r in rejects] == [(2, "role", "required value missing")]
    folder = bundle(tmp_path / "empty", people__csv=None, relationships__csv=None, residences__csv=None,
                    agency_records__csv=None, event_people__csv=None)
    (folder / "people.json").write_text("[]")
    assert [r for r in rejects_of(folder) if r.file == "people.json"] == []


@pytest.mark.parametrize("hidden", ["\x00", "\x1b[31m", "\u202e"])
def test_free_text_keeps_control_and_direction_characters_for_the_outputs_to_show(tmp_path, hidden):
    """Only ids are refused for them: a name is kept as the source wrote it, and every output shows such a
    character as <U+XXXX> (output/plaintext.py), so nothing is silently changed or hidden."""
    folder = bundle(tmp_path, people__csv=people(f"gp:KWARD,adult,Ker{hidden}ry,Ward,1996-02-11,female,,gp-riverside,R1"),
                    relationships__csv=None, residences__csv=None, agency_records__csv=None, event_people__csv=None)
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert validated.rejects == [] and validated.tables["people"]["given_name"].to_pylist() == [f"Ker{hidden}ry"]


def test_names_in_any_script_with_their_marks_and_joiners_load(tmp_path):
    names = ["Zoë", "محمد\u200f", "שרה", "क्\u200dष", "Siân", "O'Brien", "名前"]
    rows = [f"gp:N{i},adult,{n},Ward,1996-02-11,female,,gp-riverside,R{i}" for i, n in enumerate(names)]
    folder = bundle(tmp_path, people__csv=people(*rows), relationships__csv=None, residences__csv=None,
                    agency_records__csv=None, event_people__csv=None)
    validated = validate_bundle(read_bundle(folder), today=AS_OF)
    assert validated.rejects == [] and validated.tables["people"]["given_name"].to_pylist() == names


def test_papers_beside_the_data_are_ignored_but_a_misnamed_extract_is_not(tmp_path):
    """A README or a scenario's expected.yaml is no extract; a misnamed CSV still is refused."""
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE, bundle)
    (bundle / "README.md").write_text("# what happened\n")
    (bundle / "expected.yaml").write_text("scenario: x\n")
    (bundle / "agency_record.csv").write_text("person_id\n")
    raw = read_bundle(bundle)
    assert [r.file for r in raw.rejects] == ["agency_record.csv"]


# --- ids already in the store ----------------------------------------------------------------------------

def test_a_new_id_spelt_like_a_stored_one_is_rejected_and_nothing_is_written(sample_store, tmp_path):
    """The store holds gp:KWARD and gp:TWARD (the sample); a second load spelling them GP:kward and with a
    full-width "gp" is refused row by row, and with rejects refused the load writes nothing at all."""
    from graphcase import load_bundle

    def people_ids():
        return sorted(row[0] for row in sample_store.query("MATCH (p:Person) RETURN p.id").rows)

    before = people_ids()
    assert "gp:KWARD" in before
    folder = tmp_path / "second"
    folder.mkdir()
    (folder / "people.csv").write_text(people(
        "GP:kward,adult,Kerry,Ward,1996-02-11,female,,gp-riverside,R1",
        "gp:NEW1,adult,Nia,Evans,1990-01-01,female,,gp-riverside,R2",
        "\uff47\uff50:TWARD,child,Tyler,Ward,2019-05-30,male,,gp-riverside,R3",  # full-width "gp"
    ), encoding="utf-8")
    report = load_bundle(sample_store, folder, allow_rejects=False, today=AS_OF)
    assert not report.applied
    assert where(report.rejects) == {("people.csv", 2, "id"), ("people.csv", 4, "id")}
    first, full_width = sorted(report.rejects, key=lambda r: r.row)
    assert "did you mean the stored gp:KWARD?" in first.reason and first.value == "GP:kward"
    assert "did you mean the stored gp:TWARD?" in full_width.reason
    assert people_ids() == before  # gp:NEW1 was not written either
    # An id the store holds exactly is an update, not a look-alike.
    again = load_bundle(sample_store, SAMPLE, allow_rejects=False, today=AS_OF)
    assert again.applied and again.rejects == []


def test_cli_load_names_the_stored_spelling_and_writes_nothing(tmp_path):
    result, store_dir, _ = load_cli(tmp_path, SAMPLE)
    assert result.exit_code == 0, result.output
    store_file = store_dir / "g.db"
    size_before = store_file.stat().st_size, store_file.stat().st_mtime_ns
    second = tmp_path / "second"
    second.mkdir()
    (second / "people.csv").write_text(people("GP:kward,adult,Kerry,Ward,1996-02-11,female,,gp-riverside,R1"))
    result, _, _ = load_cli(tmp_path, second)
    assert result.exit_code == 2, result.output
    assert "people.csv, row 2, field id" in result.output and "did you mean the stored gp:KWARD?" in result.output
    assert (store_file.stat().st_size, store_file.stat().st_mtime_ns) == size_before
