"""Pseudonymised free text: withheld by default; with --scrub-free-text a realistic case note leaks nothing the
store knows and every date in it moves by the review's shift."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from graphcase.cli import main
from graphcase.history.scrub import DateShiftError, shift_date

from .conftest import SAMPLE

# Written like a real case note. Kerry, Dean, Mia and Jonathan are in the store; Shannon Pike is not.
CASE_NOTE = (
    "Home visit to Tyler at 12 Elm Road, NS1 4AB (UPRN 100010001). Mum Kerry Ward (DOB 11/02/1996) said K. Ward's "
    "partner Dean Platt has not been seen since 03.04.25. Tyler's aunt Shannon Pike collects him from school. "
    "Mia Brown (CSC-88012) was also present; Jonny from next door (Jonathan Smyth) called round. "
    "Next review 2 May 2025, last one Feb 11 2025 and 2025-03-01, referral received 14th March 2025. "
    "Contact Kerry on 07700 900123 or kerry.ward@example.org. NHS no. 485 777 3457."
)
SHIFTED_DATES = ["21/02/1996", "13.04.25", "12 May 2025", "Feb 21 2025", "2025-03-11", "24 March 2025"]
KNOWN_TO_STORE = ["Kerry", "Ward", "Dean", "Platt", "Mia", "Brown", "Jonathan", "Smyth", "Jonny", "Tyler",
                  "NS1 4AB", "100010001", "CSC-88012", "4857773457", "485 777 3457", "07700 900123",
                  "kerry.ward@example.org", "12 Elm Road", "K. Ward"]
ORIGINAL_DATES = ["11/02/1996", "03.04.25", "2 May 2025", "Feb 11 2025", "2025-03-01", "14th March 2025"]


@pytest.fixture(scope="module")
def noted_db(tmp_path_factory):
    """The sample bundle with the case note as the summary of Tyler's first event, loaded."""
    folder = tmp_path_factory.mktemp("scrub")
    bundle = folder / "bundle"
    shutil.copytree(SAMPLE, bundle)
    with open(bundle / "events.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["summary"] = CASE_NOTE  # E-W1, Tyler's asthma review
    with open(bundle / "events.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    db = folder / "g.db"
    assert CliRunner().invoke(main, ["--db", str(db), "load", str(bundle), "--quiet"]).exit_code == 0
    return db


def _history(db, *extra):
    result = CliRunner().invoke(main, ["--db", str(db), "history", "gp:TWARD", "--to", "2026-11-01", "--format", "json",
                                       "--network-hops", "0", "--pseudonymise", *extra])
    return result


def _summary(result) -> tuple[str, dict]:
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    return doc["chronology"][0]["summary"], doc


def test_a_real_case_note_leaks_nothing_the_store_knows(noted_db):
    text, doc = _summary(_history(noted_db, "--scrub-free-text", "--shift-dates", "10"))
    leaks = [v for v in KNOWN_TO_STORE if re.search(r"(?<![\w])" + re.escape(v) + r"(?![\w])", text, re.IGNORECASE)]
    assert leaks == [], text
    # Every date moved by the same 10 days, written as it was; none left as it was.
    def has(d):
        return re.search(r"(?<![\w/.-])" + re.escape(d) + r"(?![\w/-]|\.\d)", text)

    assert all(has(d) for d in SHIFTED_DATES), text
    assert not any(has(d) for d in ORIGINAL_DATES), text
    # The child keeps the review label; others become [name]; "K. Ward" is not half a label.
    assert text.startswith("Home visit to Child A at [address]") and "K. Child A" not in text
    assert "[phone]" in text and "[email]" in text and "[NHS number]" in text and "[postcode]" in text
    assert "Record" in text or "[id]" in text  # Mia's CSC record id
    # What it cannot catch is said in the output: a relative nobody recorded.
    assert "Shannon Pike" in text and "names nobody recorded" in doc["pseudonymisation"]


def test_the_scrubbed_note_in_every_format_says_what_it_cannot_catch(noted_db, tmp_path):
    for fmt in ("markdown", "html", "table"):
        result = CliRunner().invoke(main, ["--db", str(noted_db), "history", "gp:TWARD", "--to", "2026-11-01", "--format", fmt,
                                           "--pseudonymise", "--scrub-free-text"])
        assert result.exit_code == 0, result.output
        assert "names nobody recorded" in " ".join(result.output.split()), fmt
        assert "Kerry" not in result.output and "07700" not in result.output, fmt


def test_summaries_are_withheld_by_default(noted_db):
    text, doc = _summary(_history(noted_db))
    assert text == "health appointment [summary withheld]"
    assert "withheld" in doc["pseudonymisation"]
    assert all(e["summary"].endswith("[summary withheld]") for e in doc["chronology"])
    # Without --pseudonymise the note is there as written (the check above can fail).
    real = CliRunner().invoke(main, ["--db", str(noted_db), "history", "gp:TWARD", "--to", "2026-11-01", "--format", "json"])
    assert CASE_NOTE in json.loads(real.output)["chronology"][0]["summary"]


def test_hops_zero_hides_the_parents_too(noted_db):
    """The old bug: with --network-hops 0 the parents' names leaked and "K. Ward" became "K. Child A"."""
    text, _ = _summary(_history(noted_db, "--scrub-free-text"))
    assert "Kerry" not in text and "Platt" not in text and "K. Child A" not in text and "Mum [name]" in text


def test_a_shift_off_the_calendar_is_refused(noted_db):
    result = _history(noted_db, "--shift-dates", "-800000")
    assert result.exit_code == 1 and "leaves the calendar" in result.output and "Traceback" not in result.output
    result = _history(noted_db, "--scrub-free-text", "--shift-dates", "3000000")
    assert result.exit_code == 1 and "leaves the calendar" in result.output
    with pytest.raises(DateShiftError):
        shift_date(shift_date.__globals__["dt"].date(9999, 12, 30), 5)


def test_scrub_needs_pseudonymise(noted_db):
    result = CliRunner().invoke(main, ["--db", str(noted_db), "history", "gp:TWARD", "--scrub-free-text"])
    assert result.exit_code == 1 and "--pseudonymise" in result.output
