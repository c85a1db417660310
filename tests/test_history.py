"""Case-history reconstruction: chronology on the sample bundle, gap rules on tiny graphs, renderers, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from graphcase import load_bundle, write_bundle
from graphcase.cli import main
from graphcase.history import HistoryError, build_chronology, build_history, render_history
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.builder import ScenarioBuilder

from .conftest import AS_OF

D = dt.date
TYLER = "gp:TWARD"

# The hand-written chronology of Tyler Ward with a 1-hop network (mother Kerry, baby sister Ruby, Dean Platt
# at the same address), read from fixtures/sample: (event, date, recording agency, people concerned,
# agencies told, agencies working with Tyler then but never told).
EXPECTED_TYLER = [
    ("E-W1", D(2025, 4, 2), "gp-riverside", {TYLER}, [], ["school-oak"]),
    ("E-W2", D(2025, 6, 11), "gp-riverside", {TYLER}, [], ["school-oak"]),
    ("E-W3", D(2025, 9, 14), "police", {TYLER, "gp:KWARD", "probation:DPLATT"}, [("csc", "shared_with", D(2025, 9, 16))], ["gp-riverside", "school-oak"]),
    ("E-W4", D(2025, 9, 15), "school-oak", {TYLER}, [], ["gp-riverside"]),
    ("E-W5", D(2025, 10, 1), "school-oak", {TYLER}, [("csc", "referred_to", D(2025, 10, 1))], ["gp-riverside"]),
    ("E-W6", D(2025, 11, 20), "amh", {"gp:KWARD"}, [("gp-riverside", "shared_with", D(2025, 11, 25))], ["school-oak"]),
    ("E-W7", D(2026, 7, 3), "police", {TYLER, "gp:KWARD", "gp:RWARD", "probation:DPLATT"}, [("csc", "shared_with", D(2026, 7, 4))], ["gp-riverside", "school-oak"]),
]


def _rows(chron):
    return [
        (e.event_id, e.date, e.recorded_by.id, {c.person_id for c in e.people}, [(t.agency.id, t.how, t.date) for t in e.told], e.not_told)
        for e in chron.entries
    ]


# -- the sample bundle -----------------------------------------------------------------------------------
def test_tyler_chronology_matches_the_hand_written_one(sample_store):
    chron = build_chronology(sample_store, TYLER, hops=1, date_to=AS_OF)
    assert _rows(chron) == EXPECTED_TYLER
    assert all(e.involved == ["gp-riverside", "school-oak"] for e in chron.entries)
    assert {p: chron.people[p].hop for p in chron.people} == {TYLER: 0, "gp:KWARD": 1, "gp:RWARD": 1, "probation:DPLATT": 1}
    assert chron.relation_text("gp:KWARD") == "parent; household member (A-WARD)"
    assert chron.relation_text("probation:DPLATT") == "household member (A-WARD)"
    e3 = chron.entries[2]
    assert str(e3.source) == "police:POL-INC-90211"
    assert str(e3.told[0].source) == "police:POL-INC-90211"


@pytest.fixture(scope="module")
def sample_ro(sample_db_path):
    store = LadybugStore(sample_db_path, read_only=True)
    yield store
    store.close()


def test_without_network_only_events_about_tyler(sample_ro):
    chron = build_chronology(sample_ro, TYLER, hops=0, date_to=AS_OF)
    assert [e.event_id for e in chron.entries] == ["E-W1", "E-W2", "E-W3", "E-W4", "E-W5", "E-W7"]
    assert list(chron.people) == [TYLER]


def test_two_hops_adds_the_partner_of_the_mother_relation(sample_ro):
    chron = build_chronology(sample_ro, TYLER, hops=2, date_to=AS_OF)
    assert [e.event_id for e in chron.entries] == [r[0] for r in EXPECTED_TYLER]
    assert "partner of parent Kerry Ward" in chron.relation_text("probation:DPLATT")


def test_date_window(sample_ro):
    chron = build_chronology(sample_ro, TYLER, hops=1, date_from=D(2025, 9, 14), date_to=D(2025, 10, 1))
    assert [e.event_id for e in chron.entries] == ["E-W3", "E-W4", "E-W5"]


def test_unknown_person_and_bad_arguments_are_named(sample_ro):
    with pytest.raises(HistoryError, match="gp:NOBODY"):
        build_chronology(sample_ro, "gp:NOBODY")
    with pytest.raises(HistoryError, match="hops"):
        build_chronology(sample_ro, TYLER, hops=3)
    with pytest.raises(HistoryError, match="after"):
        build_chronology(sample_ro, TYLER, date_from=D(2026, 1, 1), date_to=D(2025, 1, 1))


def test_tyler_gaps_cite_their_records(sample_ro):
    history = build_history(sample_ro, TYLER, hops=1, date_to=AS_OF)
    event_gaps = sorted((g.event_id, g.agency_id) for g in history.gaps if g.kind == "not_told")
    # E-W1 (health appointment) and E-W4 (absence) are not significant; E-W6 (mental health) neither.
    assert event_gaps == [
        ("E-W2", "school-oak"), ("E-W3", "gp-riverside"), ("E-W3", "school-oak"),
        ("E-W5", "gp-riverside"), ("E-W7", "gp-riverside"), ("E-W7", "school-oak"),
    ]
    feedback = [g for g in history.gaps if g.kind == "no_feedback"]
    assert [(g.event_id, g.agency_id, g.evidence) for g in feedback] == [("E-W5", "school-oak", ["school-oak:SCH-REF-12"])]
    risks = {(g.agency_id, g.person_id, g.evidence[1], g.date_from, g.date_to) for g in history.gaps if g.kind == "risk_not_shared"}
    assert risks == {
        ("gp-riverside", "probation:DPLATT", "probation:PR-5531", D(2025, 3, 1), AS_OF),
        ("gp-riverside", "probation:DPLATT", "police:POL-N-7720", D(2025, 3, 1), AS_OF),
        ("school-oak", "probation:DPLATT", "probation:PR-5531", D(2025, 3, 1), AS_OF),
        ("school-oak", "probation:DPLATT", "police:POL-N-7720", D(2025, 3, 1), AS_OF),
        # The GP was told of the mother's mental-health episode five days after the record opened.
        ("gp-riverside", "gp:KWARD", "amh:AMH-0912", D(2025, 11, 20), D(2025, 11, 24)),
        ("school-oak", "gp:KWARD", "amh:AMH-0912", D(2025, 11, 20), AS_OF),
    }
    w3 = next(g for g in history.gaps if g.event_id == "E-W3" and g.agency_id == "school-oak")
    assert w3.evidence == ["police:POL-INC-90211", "school-oak:SCH-2211"]
    m = history.matrix
    assert m.periods[0] == "2025-Q2" and m.periods[-1] == "2026-Q3"
    assert m.agencies[:2] == ["school-oak", "gp-riverside"]  # working with the child first (by name)
    q3 = {(k.status, k.event_id) for k in m.cell("2025-Q3", "school-oak")}
    assert q3 == {("not_told", "E-W3"), ("recorded", "E-W4")}
    assert {(k.status, k.event_id) for k in m.cell("2025-Q2", "school-oak")} == {("not_told", "E-W2")}
    assert {(k.status, k.event_id) for k in m.cell("2025-Q3", "csc")} == {("told", "E-W3")}


# -- gap rules on tiny graphs ----------------------------------------------------------------------------
AGENCIES = {"police": "pol", "education": "school", "health_gp": "gp", "csc": "csc", "probation": "prob"}
# Scenario name -> (school record opens, school told of the first incident on, a violent adult in the household)
SCENARIOS = {
    "told_same_day": (D(2024, 9, 1), D(2025, 3, 1), False),
    "told_before_next_incident": (D(2024, 9, 1), D(2025, 4, 30), False),
    "told_after_next_incident": (D(2024, 9, 1), D(2025, 6, 1), False),
    "never_told": (D(2024, 9, 1), None, False),
    "school_not_yet_involved": (D(2025, 4, 1), None, False),
    "violent_adult_in_household": (D(2024, 9, 1), None, True),
}


def _plant(b: ScenarioBuilder, name: str, school_since, told, violent_adult) -> str:
    """A child known to a school; police record domestic-abuse incidents on 2025-03-01 and 2025-05-01."""
    child = b.person("child", "Amy", name, D(2018, 1, 1), "female", agency="education")
    mum = b.person("adult", "Beth", name, D(1990, 1, 1), "female", agency="health_gp")
    b.relate(mum, child, "parent", D(2018, 1, 1), agency="health_gp")
    b.known_to(child, "education", school_since)
    first = b.event("domestic_abuse_incident", D(2025, 3, 1), "police", about=[(child, "household_member"), (mum, "victim")])
    b.event("domestic_abuse_incident", D(2025, 5, 1), "police", about=[(child, "household_member")])
    if told:
        b.inform(first, "education", "shared_with", told)
    if violent_adult:
        man = b.person("adult", "Carl", name, D(1985, 1, 1), "male", agency="probation")
        b.relate(man, mum, "partner", D(2024, 1, 1), agency="probation")
        b.relate(man, child, "household_member", D(2024, 6, 1), agency="probation")
        b.known_to(man, "probation", D(2024, 2, 1), flags=("violence",))
    return child


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """All tiny scenarios in one store (separate families), loaded once: scenario name -> CaseHistory."""
    tmp = tmp_path_factory.mktemp("tiny")
    b = ScenarioBuilder("t", D(2026, 1, 1), AGENCIES)
    for kind, aid in AGENCIES.items():
        b.rows["agencies"].append({"id": aid, "name": aid.upper(), "kind": kind, "source_agency": aid, "source_record": f"ORG-{aid}"})
    children = {name: _plant(b, name, *spec) for name, spec in SCENARIOS.items()}
    # A child known to the school, and the GP's separate record of the same child, joined by a SAME_AS link.
    linked = children["linked_record"] = _plant(b, "linked_record", D(2024, 9, 1), None, False)
    gp_record = b.person("child", "Amy", "Linked-Record", D(2018, 1, 1), "female", agency="health_gp")
    b.known_to(gp_record, "health_gp", D(2024, 1, 1))
    b.event("was_not_brought", D(2025, 2, 1), "health_gp", about=[(gp_record, "subject")])
    write_bundle(b.frames(), tmp / "bundle")
    store = LadybugStore(tmp / "tiny.db")
    report = load_bundle(store, tmp / "bundle", today=D(2026, 1, 1))
    assert not report.rejects, [str(r) for r in report.rejects]
    store.write(
        "MATCH (a:Person {id: $a}) MATCH (b:Person {id: $b}) "
        "CREATE (a)-[:SAME_AS {key: $key, probability: 0.99, method: 'splink', decided_by: 'test link'}]->(b)",
        {"a": linked, "b": gp_record, "key": f"{linked}|{gp_record}"},
    )
    histories = {name: build_history(store, child, hops=1, date_to=D(2026, 1, 1)) for name, child in children.items()}
    store.close()
    return histories


def _event_gaps(history, index):
    event_id = history.chronology.entries[index].event_id
    return [(g.kind, g.agency_id) for g in history.gaps if g.event_id == event_id and g.kind in ("not_told", "told_late")]


def test_told_the_same_day_is_no_gap(tiny):
    assert _event_gaps(tiny["told_same_day"], 0) == []
    assert tiny["told_same_day"].chronology.entries[0].not_told == []


def test_told_before_the_next_incident_is_no_gap(tiny):
    assert _event_gaps(tiny["told_before_next_incident"], 0) == []


def test_told_only_after_the_next_incident_is_a_gap(tiny):
    history = tiny["told_after_next_incident"]
    assert _event_gaps(history, 0) == [("told_late", "school")]
    gap = next(g for g in history.gaps if g.kind == "told_late")
    assert "2025-06-01" in gap.explanation and "2025-05-01" in gap.explanation
    assert history.chronology.entries[0].not_told == []  # it was told, late


def test_never_told_is_a_gap(tiny):
    assert _event_gaps(tiny["never_told"], 0) == [("not_told", "school")]


def test_agency_not_yet_involved_is_no_gap(tiny):
    history = tiny["school_not_yet_involved"]
    assert _event_gaps(history, 0) == []
    # ... but the second incident, after the school started working with the child, is a gap.
    assert _event_gaps(history, 1) == [("not_told", "school")]


def test_no_risk_gap_without_a_risk(tiny):
    assert [g for g in tiny["never_told"].gaps if g.kind == "risk_not_shared"] == []


def test_records_linked_by_same_as_are_the_child(tiny):
    history = tiny["linked_record"]
    chron = history.chronology
    linked = [p for p in chron.people.values() if p.hop == 0 and p.id != chron.child_id]
    assert len(linked) == 1 and "another record: test link, p=0.990" in chron.relation_text(linked[0].id)
    # The GP's record of the same child: the GP worked with the child, and its was-not-brought is in the chronology.
    assert [e.kind for e in chron.entries] == ["was_not_brought", "domestic_abuse_incident", "domestic_abuse_incident"]
    assert chron.entries[1].involved == ["gp", "school"]
    assert _event_gaps(history, 0) == [("not_told", "school")]
    assert sorted(_event_gaps(history, 1)) == [("not_told", "gp"), ("not_told", "school")]
    from graphcase.history.pseudonymise import Pseudonymiser

    published = Pseudonymiser().apply(chron)
    assert sorted(p.id for p in published.people.values() if p.hop == 0) == ["Child A", "Child A (record 2)"]


def test_risk_about_household_member_not_shared(tiny):
    history = tiny["violent_adult_in_household"]
    risks = [g for g in history.gaps if g.kind == "risk_not_shared"]
    # The school worked with the child from 2024-09-01; the man was in the household from 2024-06-01.
    assert [(g.agency_id, g.date_from, g.date_to) for g in risks] == [("school", D(2024, 9, 1), D(2026, 1, 1))]
    assert "violence" in risks[0].explanation


# -- renderers -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tyler(sample_ro):
    return build_history(sample_ro, TYLER, hops=1, date_to=AS_OF)


def test_markdown_has_the_chronology_gaps_and_matrix(tyler):
    md = render_history(tyler, "markdown")
    assert md.startswith("# Chronology of Tyler Ward")
    assert "| 2025-09-14 | Northshire Police | domestic abuse incident |" in md
    assert "## Knowledge gaps" in md and "## Who knew what, when" in md
    assert "NOT told of domestic abuse incident 2025-09-14 (E-W3)" in md


def test_csv_and_json_round_trip(tyler):
    rows = list(csv.DictReader(io.StringIO(render_history(tyler, "csv"))))
    events = [r for r in rows if r["section"] == "event"]
    assert [r["event_id"] for r in events] == [e[0] for e in EXPECTED_TYLER]
    assert events[2]["not_told"] == "Riverside Surgery; Oak Lane Primary School"
    assert len([r for r in rows if r["section"] == "gap"]) == len(tyler.gaps)
    doc = json.loads(render_history(tyler, "json"))
    assert [e["event_id"] for e in doc["chronology"]] == [e[0] for e in EXPECTED_TYLER]
    assert doc["chronology"][4]["told"][0] == {"agency": "csc", "how": "referred_to", "date": "2025-10-01", "feedback_date": None, "outcome": None, "outcome_date": None, "source": "school-oak:SCH-REF-12", "delay_days": 0, "over_standard_days": None}


def test_html_is_self_contained(tyler):
    page = render_history(tyler, "html")
    assert "http://" not in page and "https://" not in page and "src=" not in page
    assert page.count('class="lane"') == len(tyler.matrix.agencies)
    assert 'class="mark gap"' in page and 'class="period gap"' in page


def test_table_output(tyler):
    text = render_history(tyler, "table")
    assert "Chronology of Tyler Ward" in text and "Knowledge gaps" in text and "Who knew what, when" in text


# -- CLI -------------------------------------------------------------------------------------------------
def test_cli_history_writes_each_format(sample_db_path, tmp_path):
    runner = CliRunner()
    for fmt in ("markdown", "csv", "json", "html"):
        out = tmp_path / f"tyler.{fmt}"
        result = runner.invoke(main, ["--db", str(sample_db_path), "history", TYLER, "--to", "2026-11-01", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "Tyler" in out.read_text()
    result = runner.invoke(main, ["--db", str(sample_db_path), "history", "gp:NOBODY"])
    assert result.exit_code == 1 and "gp:NOBODY" in result.output
    result = runner.invoke(main, ["--db", str(sample_db_path), "history", TYLER, "--from", "yesterday"])
    assert result.exit_code == 2 and "yesterday" in result.output


# -- demo step -------------------------------------------------------------------------------------------
def test_demo_step_without_ground_truth_takes_the_child_with_most_events(sample_ro, tmp_path):
    from graphcase.demo import DemoContext
    from graphcase.history.demo_step import history_step

    from .conftest import SAMPLE

    ctx = DemoContext(tmp_path, SAMPLE, sample_ro, people=0, seed=0, echo=lambda line: None)
    history_step(ctx)
    assert sorted(p.name for p in ctx.files) == ["chronology-gp_TWARD.html", "chronology-gp_TWARD.md"]
    assert ctx.found == ["Chronology of gp:TWARD (the child with most events): 7 events, 13 knowledge gaps "
                         "(no_feedback, not_told, risk_not_shared)"]


def test_demo_step_shows_a_chronology_with_knowledge_gaps_and_says_truly_why(tmp_path):
    """The demo's chronology has knowledge gaps, and says it is a planted child's only when it is."""
    import json

    from graphcase.demo import DemoContext
    from graphcase.history.demo_step import PATTERN, history_step
    from graphcase.synthetic.county import generate_county

    bundle = tmp_path / "county"
    generate_county(600, seed=3, out_dir=bundle)
    store = LadybugStore(tmp_path / "county.db")
    store.ensure_schema()
    load_bundle(store, bundle, today=AS_OF)
    ctx = DemoContext(tmp_path / "out", bundle, store, people=0, seed=0, echo=lambda line: None)
    history_step(ctx)
    store.close()
    planted = {h["child_id"] for h in json.loads((bundle / "ground_truth.json").read_text())["patterns"][PATTERN]["hits"]}
    (line,) = ctx.found
    child = line.split()[2]
    assert (f"planted by pattern {PATTERN}" in line) == (child in planted), line
    assert " 0 knowledge gaps" not in line, line
