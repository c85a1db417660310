"""Knowledge gaps a reviewer would sign, on tiny hand-built families: never about what an agency holds itself,
bounded by the dates of every period, and grouped and ranked by what the reviews weigh most."""

from __future__ import annotations

import datetime as dt

import pytest

from graphcase import load_bundle, write_bundle
from graphcase.history import build_history, render_history
from graphcase.history.ranking import RANKING_RULE, TIERS
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.builder import ScenarioBuilder

D = dt.date
AS_OF = D(2026, 1, 1)
AGENCIES = {"police": "pol", "education": "school", "health_gp": "gp", "csc": "csc", "probation": "prob",
            "substance_misuse": "drugs", "health_visiting": "hv"}


def _gp_holds_both(b: ScenarioBuilder) -> str:
    """A violent man living with the child: the GP holds its own record of him with the same flag as police."""
    child = b.person("child", "Gina", "Holds", D(2018, 1, 1), "female")
    man = b.person("adult", "Gary", "Holds", D(1985, 1, 1), "male")
    home = b.address("GP1 1AA")
    b.lives_at(child, home, D(2018, 1, 1))
    b.lives_at(man, home, D(2020, 1, 1))
    b.known_to(child, "health_gp", D(2018, 1, 1))
    b.known_to(child, "education", D(2022, 9, 1))
    b.known_to(man, "health_gp", D(2020, 1, 1), flags=("violence",))
    b.known_to(man, "police", D(2021, 1, 1), flags=("violence",))
    return child


def _undated_partner(b: ScenarioBuilder, family: str, moves_in: dt.date | None) -> str:
    """Mother's partner with no start date on the partner link, known to substance-misuse services since 2021;
    he moves in on ``moves_in`` (or never shares an address)."""
    child = b.person("child", "Una", family, D(2020, 1, 1), "female")
    mum = b.person("adult", "Mia", family, D(1995, 1, 1), "female")
    man = b.person("adult", "Ned", family, D(1990, 1, 1), "male")
    home = b.address("UD1 1AA")
    b.lives_at(child, home, D(2020, 1, 1))
    b.lives_at(mum, home, D(2019, 1, 1))
    if moves_in:
        b.lives_at(man, home, moves_in)
    b.relate(mum, child, "parent", D(2020, 1, 1))
    b.relate(man, mum, "partner")  # the extract gave no start date
    b.known_to(child, "education", D(2022, 9, 1))
    b.known_to(man, "substance_misuse", D(2021, 1, 1))
    return child


def _lodger_left_before_birth(b: ScenarioBuilder) -> str:
    child = b.person("child", "Lily", "Lodge", D(2020, 1, 1), "female")
    lodger = b.person("adult", "Len", "Other", D(1980, 1, 1), "male")
    home = b.address("LL1 1AA")
    b.lives_at(lodger, home, D(2018, 1, 1), D(2019, 6, 30))
    b.lives_at(child, home, D(2020, 1, 1))
    b.known_to(child, "education", D(2024, 9, 1))
    b.known_to(lodger, "probation", D(2017, 1, 1), flags=("violence",))
    return child


def _baby_with_everything(b: ScenarioBuilder) -> str:
    """A baby known to the health visitor and GP; the mother's partner (known to probation) lives in; police
    attend two domestic-abuse incidents and tell only CSC; the GP refers to CSC and hears nothing back."""
    baby = b.person("child", "Bea", "Rank", D(2025, 1, 1), "female")
    mum = b.person("adult", "Rita", "Rank", D(1998, 1, 1), "female")
    man = b.person("adult", "Rob", "Rank", D(1994, 1, 1), "male")
    home = b.address("RK1 1AA")
    for person, since in ((baby, D(2025, 1, 1)), (mum, D(2024, 1, 1)), (man, D(2025, 2, 1))):
        b.lives_at(person, home, since)
    b.relate(mum, baby, "parent", D(2025, 1, 1))
    b.relate(man, mum, "partner", D(2024, 6, 1))
    b.known_to(baby, "health_visiting", D(2025, 1, 10))
    b.known_to(baby, "health_gp", D(2025, 1, 1))
    b.known_to(man, "probation", D(2024, 3, 1))
    for day in (D(2025, 3, 1), D(2025, 5, 1)):
        incident = b.event("domestic_abuse_incident", day, "police", about=[(baby, "household_member"), (mum, "victim"), (man, "alleged_perpetrator")])
        b.inform(incident, "csc", "shared_with", day + dt.timedelta(days=1))
    referral = b.event("referral", D(2025, 6, 1), "health_gp", about=[(baby, "subject")])
    b.inform(referral, "csc", "referred_to", D(2025, 6, 1))
    return baby


@pytest.fixture(scope="module")
def families(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gaps")
    b = ScenarioBuilder("g", AS_OF, AGENCIES)
    for kind, aid in AGENCIES.items():
        b.rows["agencies"].append({"id": aid, "name": aid.upper(), "kind": kind, "source_agency": aid, "source_record": f"ORG-{aid}"})
    children = {
        "gp_holds_both": _gp_holds_both(b),
        "undated_partner": _undated_partner(b, "Dated", D(2023, 5, 1)),
        "undated_never_together": _undated_partner(b, "Apart", None),
        "lodger": _lodger_left_before_birth(b),
        "baby": _baby_with_everything(b),
    }
    write_bundle(b.frames(), tmp / "bundle")
    store = LadybugStore(tmp / "gaps.db")
    report = load_bundle(store, tmp / "bundle", today=AS_OF)
    assert not report.rejects, [str(r) for r in report.rejects]
    histories = {name: build_history(store, child, hops=2, date_to=AS_OF) for name, child in children.items()}
    store.close()
    return histories


def risk_gaps(history):
    return [g for g in history.gaps if g.kind == "risk_not_shared"]


def test_an_agency_is_never_said_to_lack_what_it_holds_itself(families):
    gaps = risk_gaps(families["gp_holds_both"])
    # The school was never told of either record; the GP holds the same risk about him itself.
    assert sorted({g.agency_id for g in gaps}) == ["school"]
    assert {g.evidence[1].split(":")[0] for g in gaps} == {"gp", "pol"}


def test_an_undated_partner_link_starts_when_first_recorded(families):
    gaps = risk_gaps(families["undated_partner"])
    assert gaps, "the school was never told of the substance misuse of the man living with the child"
    # He moved in on 2023-05-01: nothing before that, though the school worked with the child from 2022-09-01.
    assert {g.date_from for g in gaps} == {D(2023, 5, 1)}
    partner_text = [g.explanation for g in gaps if "partner" in g.explanation]
    assert all("first recorded on 2023-05-01" in text for text in partner_text)
    assert not any("since 2020-01-01" in g.explanation for g in gaps)


def test_an_undated_link_with_nothing_to_bound_it_says_the_period_is_unknown(families):
    gaps = risk_gaps(families["undated_never_together"])
    assert gaps and all("period unknown" in g.explanation for g in gaps)


def test_a_lodger_who_left_before_the_birth_is_not_in_the_childs_history(families):
    history = families["lodger"]
    names = {p.name for p in history.chronology.people.values()}
    assert names == {"Lily Lodge"}
    assert risk_gaps(history) == []
    assert "prob" not in history.matrix.agencies


def test_gaps_are_grouped_and_ranked(families):
    history = families["baby"]
    groups = history.groups
    ranks = [g.rank for g in groups]
    assert ranks == sorted(ranks)
    assert groups[0].tier == TIERS[0][0] and groups[0].about == "Rob Rank"
    da = [g for g in groups if g.tier == TIERS[1][0]]
    # Two incidents never reached the health visitor, nor the GP: one row each, spanning both dates.
    assert sorted((g.agency_id, len(g.gaps), g.date_from, g.date_to) for g in da) == [
        ("gp", 2, D(2025, 3, 1), D(2025, 5, 1)), ("hv", 2, D(2025, 3, 1), D(2025, 5, 1))]
    assert [g.agency_id for g in groups if g.tier == TIERS[2][0]] == ["gp"]
    assert len(history.groups) < len(history.gaps)
    markdown = render_history(history, "markdown")
    assert RANKING_RULE in markdown and "## Knowledge gaps that weigh most" in markdown
