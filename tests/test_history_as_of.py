"""A chronology as of a date: what was recorded by then, the network as it stood at each event, sharing
delays against a standard, and an adult's chronology named as an adult's."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from graphcase import load_bundle, write_bundle
from graphcase.cli import main
from graphcase.history import build_history, render_history
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.builder import ScenarioBuilder

from .conftest import AS_OF

D = dt.date
TYLER = "gp:TWARD"


@pytest.fixture(scope="module")
def sample_ro(sample_db_path):
    store = LadybugStore(sample_db_path, read_only=True)
    yield store
    store.close()


def test_as_of_shows_nothing_recorded_later(sample_ro):
    history = build_history(sample_ro, TYLER, hops=1, as_of=D(2025, 9, 15))
    chron = history.chronology
    assert [e.event_id for e in chron.entries] == ["E-W1", "E-W2", "E-W3", "E-W4"]
    assert all(t.date <= D(2025, 9, 15) for e in chron.entries for t in e.told if t.date)
    assert all(r.since is None or r.since <= D(2025, 9, 15) for r in chron.records)
    assert all(g.date_from <= D(2025, 9, 15) and (g.date_to is None or g.date_to <= D(2025, 9, 15)) for g in history.gaps)
    # The mother's mental-health record opened on 2025-11-20: not known on 2025-09-15.
    assert not [r for r in chron.records if r.agency.id == "amh"]


def test_an_agency_record_that_closed_after_as_of_is_shown_open(sample_ro):
    # Ella's health-visiting record closed on 2023-08-09: on 2022-06-01 nobody knew it would.
    ella = "gp:ESMYTH"
    history = build_history(sample_ro, ella, hops=0, as_of=D(2022, 6, 1))
    [then] = [r for r in history.chronology.records if r.agency.id == "hv"]
    assert then.until is None
    assert "2023-08-09" not in render_history(history, "json")
    [later] = [r for r in build_history(sample_ro, ella, hops=0, as_of=D(2023, 8, 9)).chronology.records if r.agency.id == "hv"]
    assert later.until == D(2023, 8, 9)


def test_a_sharing_later_than_the_standard_is_marked_late(sample_ro):
    history = build_history(sample_ro, TYLER, hops=1, date_to=AS_OF)
    e3 = next(e for e in history.chronology.entries if e.event_id == "E-W3")  # police DA incident, CSC told 2 days later
    assert [(t.agency.id, t.delay_days, t.over_standard) for t in e3.told] == [("csc", 2, 1)]
    assert "after 2 days, LATE: standard 1 day" in render_history(history, "markdown")
    relaxed = build_history(sample_ro, TYLER, hops=1, date_to=AS_OF, sharing_standards={"domestic_abuse_incident": 2})
    assert next(e for e in relaxed.chronology.entries if e.event_id == "E-W3").told[0].over_standard is None


def test_cli_sharing_standard_and_as_of(sample_db_path):
    out = CliRunner().invoke(main, ["--db", str(sample_db_path), "--reason", "test", "history", TYLER, "--as-of", "2025-09-15",
                                    "--sharing-standard", "domestic_abuse_incident=5", "--format", "markdown"])
    assert out.exit_code == 0, out.output
    assert "E-W5" not in out.output and "LATE" not in out.output and "as recorded by 2025-09-15" in out.output
    bad = CliRunner().invoke(main, ["--db", str(sample_db_path), "--reason", "test", "history", TYLER, "--sharing-standard", "x=soon"])
    assert bad.exit_code != 0 and "KIND=DAYS" in bad.output


def test_an_adults_chronology_is_labelled_as_an_adults(sample_ro):
    history = build_history(sample_ro, "gp:KWARD", hops=1, date_to=AS_OF)
    markdown = render_history(history, "markdown")
    assert markdown.startswith("# Chronology of Kerry Ward (an adult,")
    assert all("the child" not in g.explanation for g in history.gaps)


def test_the_network_is_taken_at_each_events_date(tmp_path):
    """A man arrested before he moved in: no gap for the child's school; arrested again after: a gap."""
    b = ScenarioBuilder("n", D(2026, 1, 1), {"police": "pol", "education": "school", "health_gp": "gp"})
    for kind, aid in (("police", "pol"), ("education", "school"), ("health_gp", "gp")):
        b.rows["agencies"].append({"id": aid, "name": aid.upper(), "kind": kind, "source_agency": aid, "source_record": f"ORG-{aid}"})
    child = b.person("child", "Cara", "Net", D(2016, 1, 1), "female")
    man = b.person("adult", "Mick", "Net", D(1980, 1, 1), "male")
    home = b.address("NT1 1AA")
    b.lives_at(child, home, D(2016, 1, 1))
    b.lives_at(man, home, D(2024, 6, 1))
    b.known_to(child, "education", D(2020, 9, 1))
    before = b.event("arrest", D(2024, 1, 10), "police", about=[(man, "subject")])
    after = b.event("arrest", D(2024, 8, 10), "police", about=[(man, "subject")])
    write_bundle(b.frames(), tmp_path / "bundle")
    store = LadybugStore(tmp_path / "n.db")
    assert not load_bundle(store, tmp_path / "bundle", today=D(2026, 1, 1)).rejects
    history = build_history(store, child, hops=1, date_to=D(2026, 1, 1))
    store.close()
    not_told = {(g.event_id, g.agency_id) for g in history.gaps if g.kind == "not_told"}
    assert not_told == {(after, "school")}
    entries = {e.event_id: e for e in history.chronology.entries}
    assert entries[before].not_told == [] and entries[after].not_told == ["school"]
