"""The missed-link catalogue follows record linkage (SAME_AS): a risk held about a linked record counts, a child
known to CSC under a linked record is not 'unknown to CSC', and a finding says which link it relied on."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphcase import load_bundle
from graphcase.bundle import write_bundle
from graphcase.findings import run_catalogue
from graphcase.linkage.link import SAME_AS_UPSERT
from graphcase.model import agency_kinds
from graphcase.synthetic.builder import ScenarioBuilder

AS_OF = dt.date(2026, 11, 1)
AGENCIES = {k: f"{k}-1" for k in agency_kinds()}
D = dt.date


def load(store, b: ScenarioBuilder, tmp_path):
    frames = b.frames()
    frames["agencies"] = pd.DataFrame([{"id": v, "name": v, "kind": k, "source_agency": v, "source_record": v} for k, v in AGENCIES.items()])
    write_bundle(frames, tmp_path / "bundle")
    report = load_bundle(store, tmp_path / "bundle", today=AS_OF)
    assert not report.rejects, [str(r) for r in report.rejects[:5]]


def same_as(store, a: str, b: str, probability: float, decided_by="splink: probability >= 0.95"):
    a, b = sorted((a, b))
    store.write(SAME_AS_UPSERT, {"rows": [{
        "a": a, "b": b, "key": f"{a}|{b}", "probability": probability, "match_weight": 9.5, "explanation": "test link",
        "method": "splink", "resolved_id": f"R-{a}", "decided_by": decided_by, "load_id": "t", "loaded_at": dt.datetime(2026, 11, 1)}]})


def risky(store):
    return run_catalogue(store, AS_OF, ["risky_adult_unseen_child"]).findings


def test_a_risk_held_about_a_linked_record_makes_a_finding_with_its_probability(ladybug_store, tmp_path):
    b = ScenarioBuilder("t", AS_OF, AGENCIES)
    child = b.person("child", "Amy", "Hill", D(2019, 5, 1), "female")
    dad_gp = b.person("adult", "Daniel", "Hill", D(1988, 2, 3), "male")
    dad_probation = b.person("adult", "Dan", "Hill", D(1988, 3, 2), "male", agency="probation")
    b.relate(dad_gp, child, "parent", D(2019, 5, 1))
    record = b.known_to(dad_probation, "probation", D(2025, 1, 10))
    load(ladybug_store, b, tmp_path)
    assert risky(ladybug_store) == []  # two strangers until the records are linked

    same_as(ladybug_store, dad_gp, dad_probation, 0.97)
    [finding] = risky(ladybug_store)
    assert finding.key == {"child_id": child, "adult_id": dad_gp}
    assert finding.linkage == [{"linked_record_id": dad_probation, "linked_to": dad_gp, "probability": 0.97,
                                "decided_by": "splink: probability >= 0.95"}]
    assert f"known to probation (probation-1) since 2025-01 through a linked record ({dad_probation}, linkage probability 0.97)" in finding.explanation
    assert "Amy Hill has no record with children's social care" in finding.explanation
    [ev] = finding.evidence
    assert ev["risk_record"] == record and ev["path_nodes"] == [dad_probation, dad_gp, child]
    assert ev["path_rels"] == ["SAME_AS", "RELATED_TO"] and "SAME_AS:splink" in ev["sources"]


def test_a_child_known_to_csc_under_a_linked_record_is_not_unknown_to_csc(ladybug_store, tmp_path):
    b = ScenarioBuilder("t", AS_OF, AGENCIES)
    child_gp = b.person("child", "Leo", "Park", D(2020, 7, 7), "male")
    child_csc = b.person("child", "Leon", "Park", D(2020, 7, 7), "male", agency="csc")
    dad = b.person("adult", "Sam", "Park", D(1985, 1, 1), "male", agency="probation")
    b.relate(dad, child_gp, "parent", D(2020, 7, 7))
    b.known_to(dad, "probation", D(2024, 1, 1))
    b.known_to(dad, "csc", D(2024, 2, 1))  # CSC knows the father: the only possible gap is the child
    b.known_to(child_csc, "csc", D(2024, 2, 1))
    load(ladybug_store, b, tmp_path)
    [finding] = risky(ladybug_store)  # unlinked, the GP's child record is unknown to CSC
    assert finding.key["child_id"] == child_gp and finding.linkage == []
    assert "Leo Park has no record with children's social care" in finding.explanation

    same_as(ladybug_store, child_gp, child_csc, 0.99)
    assert risky(ladybug_store) == []  # CSC knows the child under its own record


def test_the_store_without_links_skips_the_linkage_query(ladybug_store, tmp_path):
    from graphcase.findings import has_same_as_links

    b = ScenarioBuilder("t", AS_OF, AGENCIES)
    a = b.person("adult", "Ann", "Lee", D(1980, 1, 1), "female")
    c = b.person("adult", "Anne", "Lee", D(1980, 1, 1), "female", agency="police")
    load(ladybug_store, b, tmp_path)
    assert not has_same_as_links(ladybug_store)
    same_as(ladybug_store, a, c, 0.96)
    assert has_same_as_links(ladybug_store)
