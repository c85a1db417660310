"""The missed-link catalogue: precision and recall on a generated county, hand-built boundaries, siblings in sync."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from graphcase.catalogue.findings import finding_id, person_network, run_catalogue
from graphcase.catalogue.quality import evaluate
from graphcase.catalogue.dialect import expected_siblings
from graphcase.synthetic.builder import PLANTERS, ScenarioBuilder

from .conftest import SCENARIO_AGENCIES, load_scenario
from graphcase.synthetic import plants_patterns  # noqa: F401

AS_OF = dt.date(2026, 11, 1)
AGENCIES = SCENARIO_AGENCIES




def test_ladybug_siblings_are_generated_from_the_main_files():
    for path, text in expected_siblings().items():
        assert path.exists() and path.read_text() == text, f"{path} is stale: run python -m graphcase.links_dialect"


@pytest.mark.parametrize("pattern", sorted(p for p in PLANTERS if p != "probation_adult_child_unknown_to_csc" and p != "same_person_records"))
def test_each_planter_alone_gives_exact_findings(pattern, ladybug_store, tmp_path):
    b = ScenarioBuilder(pattern, AS_OF, AGENCIES)
    PLANTERS[pattern](b, np.random.default_rng(5), 2)
    load_scenario(ladybug_store, b, tmp_path)
    run = run_catalogue(ladybug_store, AS_OF)
    report = evaluate(run, b.truth.as_dict())
    for name, figures in report.items():
        assert figures["false_pos"] == [] and figures["missed"] == [], (name, figures)


def test_boundaries_move_with_as_of(ladybug_store, tmp_path):
    b = ScenarioBuilder("t", AS_OF, AGENCIES)
    PLANTERS["risky_adult_unseen_child"](b, np.random.default_rng(1), 1)
    load_scenario(ladybug_store, b, tmp_path)
    lodger_in = next(r for r in b.rows["residences"] if r["source_agency"] == AGENCIES["probation"] and r["from_date"] == AS_OF)
    day_before = {tuple(f.key.values()) for f in run_catalogue(ladybug_store, AS_OF - dt.timedelta(days=1), ["risky_adult_unseen_child"]).findings}
    on_the_day = {tuple(f.key.values()) for f in run_catalogue(ladybug_store, AS_OF, ["risky_adult_unseen_child"]).findings}
    moved_in = {k for k in on_the_day if k[1] == lodger_in["person_id"]}
    assert moved_in and not moved_in & day_before  # the lodger counts from the day he moves in
    gone = next(r for r in b.rows["residences"] if r["to_date"] == AS_OF - dt.timedelta(days=1))
    assert any(k[1] == gone["person_id"] for k in day_before)  # on his last day he still lives there
    assert not any(k[1] == gone["person_id"] for k in on_the_day)


def test_finding_ids_are_stable_and_explanations_name_the_people(ladybug_store, tmp_path):
    b = ScenarioBuilder("t", AS_OF, AGENCIES)
    PLANTERS["hidden_men"](b, np.random.default_rng(2), 1)
    load_scenario(ladybug_store, b, tmp_path)
    first = run_catalogue(ladybug_store, AS_OF, ["hidden_men"]).findings
    again = run_catalogue(ladybug_store, AS_OF, ["hidden_men"]).findings
    assert [f.id for f in first] == [f.id for f in again] and len(first) == len(b.truth.patterns["hidden_men"]["hits"]) == 4
    for f in first:
        assert f.id == finding_id("hidden_men", f.key)
        assert "but has no record of him" in f.explanation or "household does not include him" in f.explanation
        assert all(ev["sources"] for ev in f.evidence)


def test_person_mode_keeps_only_findings_touching_the_network(ladybug_store, tmp_path):
    b = ScenarioBuilder("t", AS_OF, AGENCIES)
    PLANTERS["under_fives_parent_risk"](b, np.random.default_rng(3), 1)
    load_scenario(ladybug_store, b, tmp_path)
    everyone = run_catalogue(ladybug_store, AS_OF)
    child = everyone.findings[0].children[0]
    mine = run_catalogue(ladybug_store, AS_OF, person=child)
    assert mine.findings and any(child in f.people for f in mine.findings)
    assert {f.id for f in mine.findings} < {f.id for f in everyone.findings}


def test_precision_and_recall_are_one_on_a_generated_county(generated_county):
    store, truth = generated_county
    quality = evaluate(run_catalogue(store, truth.as_of), truth.as_dict())
    assert set(quality) == set(PLANTERS) - {"probation_adult_child_unknown_to_csc", "same_person_records"}
    for name, figures in quality.items():
        assert figures["hits"] > 0, name
        assert (figures["precision"], figures["recall"]) == (1.0, 1.0), (name, figures)


def _people_to_try(truth, sweep) -> list[str]:
    """A person from one finding of each pattern, a near-miss child and two background people."""
    picks = []
    for name in sorted({f.pattern for f in sweep.findings}):
        first = next(f for f in sweep.findings if f.pattern == name)
        picks.append((first.children or first.others)[0])
    near = truth.as_dict()["patterns"]["risky_adult_unseen_child"]["near_misses"][0]["child_id"]
    return picks + [near, "P10", "P1000"]


def test_person_findings_equal_the_sweep_filtered_to_the_network(generated_county, tmp_path):
    store, truth = generated_county
    sweep = run_catalogue(store, truth.as_of)
    cache = tmp_path / "sweep.json"
    first = run_catalogue(store, truth.as_of, sweep_cache=cache)  # writes the cache
    assert not first.from_cache and [f.as_dict() for f in first.findings] == [f.as_dict() for f in sweep.findings]
    for person in _people_to_try(truth, sweep):
        network = person_network(store, person, truth.as_of)
        expected = sorted(json.dumps(f.as_dict(), sort_keys=True) for f in sweep.findings if f.touches(network))
        swept = run_catalogue(store, truth.as_of, person=person)
        cached = run_catalogue(store, truth.as_of, person=person, sweep_cache=cache)
        assert cached.from_cache and not swept.from_cache
        assert sorted(json.dumps(f.as_dict(), sort_keys=True) for f in swept.findings) == expected, person
        assert sorted(json.dumps(f.as_dict(), sort_keys=True) for f in cached.findings) == expected, person
    assert any(run_catalogue(store, truth.as_of, person=p).findings for p in _people_to_try(truth, sweep)[:3])


def test_sweep_cache_is_not_used_for_another_as_of_or_after_a_write(generated_county, tmp_path):
    store, truth = generated_county
    cache = tmp_path / "sweep.json"
    run_catalogue(store, truth.as_of, ["cumulative_harm"], sweep_cache=cache)
    assert run_catalogue(store, truth.as_of, ["cumulative_harm"], sweep_cache=cache).from_cache
    assert not run_catalogue(store, truth.as_of - dt.timedelta(days=1), ["cumulative_harm"], sweep_cache=cache).from_cache
    run_catalogue(store, truth.as_of, ["cumulative_harm"], sweep_cache=cache)
    store.write("MATCH (p:Person {id: 'P10'}) SET p.given_name = p.given_name")
    assert not run_catalogue(store, truth.as_of, ["cumulative_harm"], sweep_cache=cache).from_cache
