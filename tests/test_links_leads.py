"""One lead per child and person: every pattern that fires for the pair is a reason inside one lead, and a lead
keeps answering to its id after record linkage joins its records (issue 11, item 3)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from click.testing import CliRunner

from graphcase import load_bundle
from graphcase.catalogue.findings import run_catalogue
from graphcase.cli import main
from graphcase.linkage.link import link_pairs
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.builder import ScenarioBuilder

from .conftest import ROOT, SCENARIO_AGENCIES, load_scenario

AS_OF = dt.date(2026, 11, 1)
D = dt.date


def test_the_invisible_man_and_the_baby_are_one_lead_with_several_reasons(tmp_path):
    store = LadybugStore(tmp_path / "s.db")
    try:
        store.ensure_schema()
        assert not load_bundle(store, ROOT / "fixtures/scenarios/invisible_men_baby", today=AS_OF).rejects
        run = run_catalogue(store, D(2025, 3, 1))
    finally:
        store.close()
    pair = [lead for lead in run.leads if "gp:LHARPER" in lead.children and "probation:JREID" in lead.others]
    assert len(pair) == 1, [lead.as_dict() for lead in run.leads]
    [lead] = pair
    assert lead.subject == {"child": "gp:LHARPER", "other": "probation:JREID"}
    assert lead.patterns == ["risky_adult_unseen_child", "under_fives_parent_risk"]
    assert all(r.evidence and r.lead == lead.id for r in lead.reasons)  # each reason its own evidence
    assert len(run.leads) < len(run.findings)
    doc = run.as_dict()  # findings.json: leads name their reasons, every reason names its lead
    saved = {f["id"]: f for f in doc["findings"]}
    [saved_lead] = [x for x in doc["leads"] if x["id"] == lead.id]
    assert sorted(saved[r]["pattern"] for r in saved_lead["reasons"]) == lead.patterns
    assert all(saved[r]["lead"] == lead.id for r in saved_lead["reasons"])


def _father_twice(tmp_path):
    b = ScenarioBuilder("t", AS_OF, SCENARIO_AGENCIES)
    child = b.person("child", "Amy", "Hill", D(2019, 5, 1), "female")
    dad_gp = b.person("adult", "Daniel", "Hill", D(1988, 2, 3), "male")
    dad_probation = b.person("adult", "Dan", "Hill", D(1988, 3, 2), "male", agency="probation")
    home = b.address("NS3 3CC")
    b.relate(dad_gp, child, "parent", D(2019, 5, 1))
    b.lives_at(child, home, D(2024, 1, 1))
    b.lives_at(dad_probation, home, D(2024, 1, 1), agency="probation")
    b.known_to(dad_probation, "probation", D(2025, 1, 10))
    return b, child, dad_gp, dad_probation


def _link(store, a, b, p=0.97):
    link_pairs(store, pd.DataFrame([{"a": min(a, b), "b": max(a, b), "key": "|".join(sorted((a, b))), "match_probability": p,
                                     "match_weight": 9.5, "explanation": "test link", "decided_by": "splink: probability >= 0.95"}]))


def test_a_lead_keeps_its_id_across_record_linkage(ladybug_store, tmp_path):
    b, child, dad_gp, dad_probation = _father_twice(tmp_path)
    load_scenario(ladybug_store, b, tmp_path)
    before = run_catalogue(ladybug_store, AS_OF, ["risky_adult_unseen_child"])
    [old] = before.leads
    assert old.subject == {"child": child, "other": dad_probation}
    old_reason = old.reasons[0].id

    _link(ladybug_store, dad_gp, dad_probation)
    after = run_catalogue(ladybug_store, AS_OF, ["risky_adult_unseen_child"])
    [lead] = after.leads
    assert lead.subject == {"child": child, "other": min(dad_gp, dad_probation)}  # the earliest record of the cluster
    assert lead.reasons[0].id != old_reason  # the reason is keyed on the resolved person now...
    assert after.lead_for(old.id) is lead and after.lead_for(old_reason) is lead  # ...but both old ids still answer
    assert (lead.id == old.id) == (dad_probation < dad_gp)


def _father_twice_store(tmp_path, monkeypatch):
    """The father-twice scenario in an embedded store at tmp_path/g.db, and a CLI runner on it that asserts exit 0."""
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "g.db")
    b, child, dad_gp, dad_probation = _father_twice(tmp_path)
    store = LadybugStore(db)
    store.ensure_schema()
    load_scenario(store, b, tmp_path)
    store.close()

    def cli(*args):
        result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return db, cli, child, dad_gp, dad_probation


def test_explain_finds_a_lead_by_its_id_from_before_link_records(tmp_path, monkeypatch):
    db, cli, child, dad_gp, dad_probation = _father_twice_store(tmp_path, monkeypatch)

    before = json.loads(cli("links", "--as-of", AS_OF.isoformat(), "--format", "json"))
    [old] = [x for x in before["leads"] if x["subject"].get("other") == dad_probation]
    store = LadybugStore(db)
    _link(store, dad_gp, dad_probation)
    store.close()
    table = cli("links", "--as-of", AS_OF.isoformat())
    assert "lead(s)" in table
    shown = cli("explain", old["id"])
    assert "reason 1: risky_adult_unseen_child" in shown
    if dad_gp < dad_probation:  # the lead is now keyed on the GP record: the old id is an alias
        assert "before record linkage" in shown
    assert "linkage_probability: 0.97" in shown


def test_explain_rerun_reuses_the_last_sweep_of_an_unchanged_store(tmp_path, monkeypatch):
    """'explain --rerun' on an unchanged store at the sweep's date reads the cached sweep (its key holds the store's
    files, the date and the parameters) and says the lead still stands; after a load it sweeps again."""
    from graphcase.catalogue import findings as catalogue_findings

    db, cli, child, dad_gp, dad_probation = _father_twice_store(tmp_path, monkeypatch)

    lead = json.loads(cli("links", "--as-of", AS_OF.isoformat(), "--format", "json"))["leads"][0]
    sweeps = []
    sweep = catalogue_findings.run_pattern_rows
    monkeypatch.setattr(catalogue_findings, "run_pattern_rows", lambda *a, **k: sweeps.append(a[1]) or sweep(*a, **k))
    assert "the finding still stands" in cli("explain", lead["id"], "--rerun")
    assert sweeps == []  # the cached sweep answered
    store = LadybugStore(db)
    _link(store, dad_gp, dad_probation)
    store.close()
    cli("explain", lead["id"], "--rerun")
    assert sweeps  # the store changed: swept again
