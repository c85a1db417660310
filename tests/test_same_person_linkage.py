"""same_person_twice scored by the record-linkage model: a transposed day and month with a spelling variant is
found, said in plain words with the probability as computed; a pair SAME_AS joins, or a reviewer rejected, is
not; a pair the deterministic query finds too is one finding."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from graphcase import load_bundle
from graphcase.catalogue import wording
from graphcase.catalogue.findings import run_catalogue
from graphcase.catalogue.same_person import RULE, level_words
from graphcase.linkage import review
from graphcase.linkage.link import link_records
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic import plants_patterns  # noqa: F401
from graphcase.synthetic.builder import PLANTERS, ScenarioBuilder

from .conftest import ROOT, SCENARIO_AGENCIES, load_scenario
from .test_links_linkage import same_as

SCENARIO = ROOT / "fixtures" / "scenarios" / "same_person_two_agencies"
AS_OF = dt.date(2025, 9, 1)
LIAM = ("police:LBRENAN", "probation:LBRENNAN")


def pairs(store, as_of=AS_OF):
    return {tuple(sorted(f.key.values())): f for f in run_catalogue(store, as_of, ["same_person_twice"]).findings}


@pytest.fixture
def liam_store(empty_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a Neo4j store keeps its linkage model and review queue in the working folder
    report = load_bundle(empty_store, SCENARIO, today=dt.date(2026, 11, 1))
    assert not report.rejects
    return empty_store


def test_a_transposed_date_and_a_spelling_variant_are_found_and_said_in_words(liam_store):
    found = pairs(liam_store)
    assert sorted(found) == [LIAM]  # the GP's Liam Brennan born 1985 is another man
    finding = found[LIAM]
    [evidence] = finding.evidence
    assert evidence["rule"] == RULE and evidence["dob_a"] == "1992-07-03" and evidence["dob_b"] == "1992-03-07"
    assert "family name: one letter different" in evidence["comparisons"]
    assert "date of birth: day and month swapped" in evidence["comparisons"]
    assert 0.95 <= evidence["probability"] < 1
    printed = wording.probability(evidence["probability"])
    assert printed != "1" and f"probability of {printed} that they are one person" in finding.explanation
    assert "Liam Brenan (born 3 July 1992, Lowmoor Police record POL-L-2290)" in finding.explanation
    assert "family name: one letter different; date of birth: day and month swapped" in finding.explanation


def test_a_pair_link_records_held_for_review_is_still_reported_until_linked_or_rejected(liam_store):
    report = link_records(liam_store, as_of=AS_OF)
    # a fuzzy name and a fuzzy birth date with nothing else agreeing: held for review, not linked
    assert report.linked_by_model == 0 and report.held_for_review_fuzzy == 1
    assert LIAM in pairs(liam_store)
    path = review.review_path_for(liam_store)
    [item] = review.ReviewQueue.open(path).pending()
    review.decide(path, item["id"], "rejected", "checked with probation: two men", user="tester")
    assert LIAM not in pairs(liam_store)  # a person said no: the lead is not raised again


def test_a_pair_joined_by_same_as_is_not_reported(liam_store):
    same_as(liam_store, (*LIAM, 0.99))
    assert LIAM not in pairs(liam_store)


def test_a_pair_both_rules_find_is_one_finding_with_both_pieces_of_evidence(ladybug_store, tmp_path):
    b = ScenarioBuilder("same_person_twice", dt.date(2026, 11, 1), SCENARIO_AGENCIES)
    PLANTERS["same_person_twice"](b, np.random.default_rng(5), 1)
    load_scenario(ladybug_store, b, tmp_path)
    found = run_catalogue(ladybug_store, dt.date(2026, 11, 1), ["same_person_twice"]).findings
    keys = [tuple(f.key.values()) for f in found]
    assert len(keys) == len(set(keys))
    both = [f for f in found if {e["rule"] for e in f.evidence} == {RULE, "same_dob_similar_name"}]
    assert both, [(f.key, [e["rule"] for e in f.evidence]) for f in found]
    assert "the same date of birth and a similar name" in both[0].explanation and "record-linkage model" in both[0].explanation


@pytest.mark.parametrize("column, label, a, b, words", [
    ("family_name", "Jaro-Winkler >= 0.92", "Brenan", "Brennan", "family name: one letter different"),
    ("given_name", "Jaro-Winkler >= 0.88", "Jon", "John", "given name: one letter different"),
    ("given_name", "Jaro-Winkler >= 0.70", "Katherine", "Kathy", "given name: loosely similar"),
    ("dob", "day and month transposed", None, None, "date of birth: day and month swapped"),
    ("nhs_number", "missing", None, None, "NHS number: not recorded on one or both"),
])
def test_each_level_reads_as_words(column, label, a, b, words):
    assert level_words(column, label, a, b) == words


def test_query_table_gives_the_rows_query_gives(liam_store):
    """The whole-store scan the model rows start from: one Arrow table, the same rows on both engines."""
    from graphcase.linkage.unlinked import RECORD_FIELDS_CYPHER

    as_table = sorted(liam_store.query_table(RECORD_FIELDS_CYPHER).to_pylist(), key=lambda r: r["id"])
    as_rows = sorted(liam_store.query(RECORD_FIELDS_CYPHER).records(), key=lambda r: r["id"])
    assert len(as_rows) == 5 and as_table == as_rows


def test_the_model_rows_are_cached_beside_the_store_and_a_changed_record_is_rescored(ladybug_store, tmp_path, monkeypatch):
    """The cache (graphcase/linkage/pair_cache.py): an unchanged store gets the last answer back without
    scoring; a re-load that changes one record is scored again, and every answer equals a fresh computation
    on the same store."""
    import shutil

    from graphcase.linkage import unlinked
    from graphcase.linkage.pair_cache import cache_dir_for

    def fresh():
        rules = unlinked.unlinked_blocking_rules()
        return unlinked._score(ladybug_store, AS_OF, unlinked.DEFAULT_MIN_PROBABILITY, unlinked._fresh_candidates(ladybug_store, rules), rules)

    def same(a, b):
        assert a[0].to_dict("records") == b[0].to_dict("records")
        assert a[1].sort_index().to_dict("records") == b[1].sort_index().to_dict("records")

    load_bundle(ladybug_store, SCENARIO, today=dt.date(2026, 11, 1))
    first = unlinked.unlinked_pairs(ladybug_store, AS_OF)
    assert cache_dir_for(ladybug_store).is_dir() and LIAM in set(zip(first[0]["record_a"], first[0]["record_b"]))
    same(first, fresh())

    score = unlinked._score
    monkeypatch.setattr(unlinked, "_score", lambda *a: pytest.fail("an unchanged store was scored again"))
    same(unlinked.unlinked_pairs(ladybug_store, AS_OF), first)
    monkeypatch.setattr(unlinked, "_score", score)

    bundle = tmp_path / "renamed"
    shutil.copytree(SCENARIO, bundle)
    people = bundle / "people.csv"
    people.write_text(people.read_text().replace("police:LBRENAN,adult,Liam,Brenan,", "police:LBRENAN,adult,Liam,Okafor,"))
    load_bundle(ladybug_store, bundle, today=dt.date(2026, 11, 1))
    changed = unlinked.unlinked_pairs(ladybug_store, AS_OF)
    assert LIAM not in set(zip(changed[0]["record_a"], changed[0]["record_b"]))
    same(changed, fresh())

    load_bundle(ladybug_store, SCENARIO, today=dt.date(2026, 11, 1))  # and back
    again = unlinked.unlinked_pairs(ladybug_store, AS_OF)
    assert LIAM in set(zip(again[0]["record_a"], again[0]["record_b"]))
    same(again, fresh())
    same(again, first)


def test_a_cache_cut_short_is_rebuilt(ladybug_store, monkeypatch):
    """A table whose generation differs from meta.json's (a write cut short) is not trusted."""
    from graphcase.linkage import unlinked
    from graphcase.linkage.pair_cache import cache_dir_for

    load_bundle(ladybug_store, SCENARIO, today=dt.date(2026, 11, 1))
    first = unlinked.unlinked_pairs(ladybug_store, AS_OF)
    folder = cache_dir_for(ladybug_store)
    (folder / "pairs.parquet").write_bytes(b"not parquet")
    (folder / "records.parquet").write_bytes(b"names and dates of birth, from an older graphcase")
    again = unlinked.unlinked_pairs(ladybug_store, AS_OF)
    assert again[0].to_dict("records") == first[0].to_dict("records")
    assert not (folder / "records.parquet").exists()  # the retired layer's copy of people's data is deleted
    # a table from another write (its generation token not meta.json's) is scored again too
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "generation": "another write"}))
    scored = []
    score = unlinked._score
    monkeypatch.setattr(unlinked, "_score", lambda *a: scored.append(1) or score(*a))
    assert unlinked.unlinked_pairs(ladybug_store, AS_OF)[0].to_dict("records") == first[0].to_dict("records")
    assert scored == [1]


def test_a_read_only_sweep_keeps_its_model_rows_beside_its_sweep_cache(tmp_path, monkeypatch):
    """'graphcase links' opens the store read-only: the model rows are cached beside its sweep cache (named after
    the store), so the next sweep does not score them again; without a sweep cache no model-row cache is written."""
    from graphcase.linkage import unlinked
    from graphcase.stores.ladybug import LadybugStore

    db = tmp_path / "store" / "county.db"
    db.parent.mkdir()
    with LadybugStore(db) as writer:
        writer.ensure_schema()
        load_bundle(writer, SCENARIO, today=dt.date(2026, 11, 1))
    sweeps = tmp_path / "sweeps"
    sweeps.mkdir()
    with LadybugStore(db, read_only=True) as store:
        plain = pairs(store)
        assert not list(db.parent.glob("*.unlinked-pairs")) and not any(sweeps.iterdir())
        first = run_catalogue(store, AS_OF, ["same_person_twice"], sweep_cache=sweeps / "county.db.sweep.json")
        assert (sweeps / "county.db.unlinked-pairs" / "meta.json").is_file()
        monkeypatch.setattr(unlinked, "_score", lambda *a: pytest.fail("the cached model rows were scored again"))
        again = run_catalogue(store, AS_OF, ["same_person_twice"], params={"same_person_twice": {}},  # not the sweep cache
                              sweep_cache=sweeps / "other.sweep.json")
    assert [f.as_dict() for f in again.findings] == [f.as_dict() for f in first.findings] == [f.as_dict() for f in plain.values()]
    assert LIAM in {tuple(sorted(f.key.values())) for f in again.findings}


def test_the_rule_rows_are_kept_until_the_store_changes(ladybug_store, tmp_path, monkeypatch):
    """The deterministic query's rows are kept beside the model rows, keyed by the store's files: an unchanged
    store reads them back (the same findings), a SAME_AS link written since makes the query run again."""
    import json

    from graphcase.catalogue import same_person

    b = ScenarioBuilder("same_person_twice", dt.date(2026, 11, 1), SCENARIO_AGENCIES)
    PLANTERS["same_person_twice"](b, np.random.default_rng(5), 1)
    load_scenario(ladybug_store, b, tmp_path)
    sweep = lambda: {tuple(f.key.values()): f.as_dict() for f in run_catalogue(ladybug_store, dt.date(2026, 11, 1), ["same_person_twice"]).findings}
    first = sweep()
    kept = json.loads((tmp_path / "test.db.unlinked-pairs" / same_person.RULE_ROWS_FILE).read_text())
    ruled = {(r["record_a"], r["record_b"]) for r in kept["rows"]}
    assert ruled and ruled <= set(first)
    ran = []
    query = ladybug_store.query
    monkeypatch.setattr(ladybug_store, "query", lambda text, params=None: ran.append(text) or query(text, params))
    assert sweep() == first
    assert not [t for t in ran if "same_dob_similar_name" in t]  # read back, not run
    pair = sorted(ruled)[0]
    same_as(ladybug_store, (*pair, 0.99))
    after = sweep()
    assert [t for t in ran if "same_dob_similar_name" in t] and pair not in after  # the store changed: run again


def test_a_pair_is_not_reported_as_of_a_date_before_one_of_its_records_was_held(liam_store):
    # probation opened its record of Liam on 2024-11-18; police have held theirs since 2018
    assert LIAM not in pairs(liam_store, dt.date(2024, 11, 17))
    assert LIAM in pairs(liam_store, dt.date(2024, 11, 18))


def test_a_pair_both_rules_find_waits_for_its_later_record(ladybug_store, tmp_path):
    b = ScenarioBuilder("same_person_twice", dt.date(2026, 11, 1), SCENARIO_AGENCIES)
    PLANTERS["same_person_twice"](b, np.random.default_rng(5), 1)
    found = run_catalogue_on(b, ladybug_store, tmp_path)
    [both] = [f for f in found if {e["rule"] for e in f.evidence} == {RULE, "same_dob_similar_name"}]
    later = dt.date(2026, 3, 2)
    b.known_to(sorted(both.key.values())[1], "police", later)  # one record's agency opened it on this day
    store = LadybugStore(tmp_path / "later.db")
    found = run_catalogue_on(b, store, tmp_path / "later")
    assert both.key in [f.key for f in found]
    before = run_catalogue(store, later - dt.timedelta(days=1), ["same_person_twice"]).findings
    assert both.key not in [f.key for f in before]  # neither rule's row is reported before both records existed
    assert both.key in [f.key for f in run_catalogue(store, later, ["same_person_twice"]).findings]
    store.close()


def run_catalogue_on(builder, store, folder):
    folder.mkdir(exist_ok=True)
    load_scenario(store, builder, folder)
    return run_catalogue(store, dt.date(2026, 11, 1), ["same_person_twice"]).findings
