"""A copy of the sample bundle with restricted records: a sexual-health agency's record and appointment about
Kerry Ward, and Kerry's adult mental health record (which a lead rests on) sealed by court order. Every
restricted field carries MARKER, so a test can grep any output for leaked content."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from .conftest import SAMPLE

MARKER = "ZEBRAQUARTZ"
HOLDER_NAME = "Northshire Sexual Health Service"
AMH_NAME = "Northshire Adult Mental Health"


def _rewrite(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows, fields = change(rows, fields)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _with_columns(fields: list[str], after: str) -> list[str]:
    i = fields.index(after) + 1
    return fields[:i] + ["restricted", "visible_to"] + fields[i:]


def restricted_bundle(folder: Path, *, visible_to_event: str = "reviewer") -> Path:
    out = folder / "restricted-bundle"
    shutil.copytree(SAMPLE, out)

    def agencies(rows, fields):
        rows.append({"id": "sh", "name": HOLDER_NAME, "kind": "other", "source_agency": "sh", "source_record": "ORG-SH"})
        return rows, fields

    def records(rows, fields):
        for r in rows:
            r.update(restricted="", visible_to="")
            if r["record_id"] == "AMH-0912":  # the mental-health record the under-fives lead rests on
                r.update(record_id=f"AMH-{MARKER}-0912", source_record=f"AMH-{MARKER}-0912", restricted="court_order")
        rows.append({"person_id": "gp:KWARD", "agency_id": "sh", "record_id": f"SH-{MARKER}-1", "since": "2025-03-01",
                     "until": "", "flags": "", "restricted": "sexual_health", "visible_to": "",
                     "source_agency": "sh", "source_record": f"SH-{MARKER}-1"})
        return rows, _with_columns(fields, "flags")

    def events(rows, fields):
        for r in rows:
            r.update(restricted="", visible_to="")
        rows.append({"id": f"E-{MARKER}", "kind": "health_appointment", "date": "2025-05-05",
                     "summary": f"Kerry seen at clinic {MARKER}", "outcome": "attended", "recorded_by": "sh",
                     "address_id": "A-WARD", "restricted": "sexual_health", "visible_to": visible_to_event,
                     "source_agency": "sh", "source_record": f"SH-APP-{MARKER}"})
        return rows, _with_columns(fields, "address_id")

    def event_people(rows, fields):
        rows.append({"event_id": f"E-{MARKER}", "person_id": "gp:KWARD", "involvement": "subject",
                     "source_agency": "sh", "source_record": f"SH-APP-{MARKER}"})
        return rows, fields

    _rewrite(out / "agencies.csv", agencies)
    _rewrite(out / "agency_records.csv", records)
    _rewrite(out / "events.csv", events)
    _rewrite(out / "event_people.csv", event_people)
    return out
