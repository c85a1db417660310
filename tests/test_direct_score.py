"""The direct scorer (graphcase/linkage/score.py) gives Splink's own comparison levels and match weight on every
pair, so a search scored without DuckDB can never drift from what link-records and Splink say."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import random

import pandas as pd
import pytest

from graphcase.linkage.find import PersonIndex, find_person
from graphcase.linkage.link import _level_labels, explain_pair, explain_pairs
from graphcase.linkage.records import fetch_person_records, normalise_people, normalise_person
from graphcase.linkage.score import CodedColumns, PairScorer, condition_test
from graphcase.linkage.settings import PERSON_COLUMNS, person_settings
from graphcase.linkage.train import make_linker
from graphcase.stores.ladybug import LadybugStore

AS_OF = dt.date(2026, 11, 1)


def _variants(record: dict, rng: random.Random, given_pool: list[str]) -> list[dict]:
    """Copies of ``record`` that reach each comparison level: typos, swaps, transposed dates, moved homes."""
    g, f, dob, code = record["given_name"], record["family_name"], record["dob"], record["postcode"]
    out = [dict(record), {**record, "given_name": f, "family_name": g}]
    if g and len(g) > 3:
        out += [{**record, "given_name": g[:-1] + ("a" if g[-1] != "a" else "e")},  # Jaro-Winkler high
                {**record, "given_name": g[:3] + "zzqx"},  # same first three letters
                {**record, "given_name": g[0] + "x" + g[2:]},
                {**record, "given_name": rng.choice(given_pool), "sex": None}]
    if f and len(f) > 3:
        out += [{**record, "family_name": f[:-2] + "y", "nhs_number": None},
                {**record, "family_name": f[:3] + "wvvk"},
                {**record, "family_name": "q" + f[1:]}]
    if dob:
        year, month, day = dob[:4], dob[5:7], dob[8:10]
        if int(day) <= 12 and day != month:
            out.append({**record, "dob": f"{year}-{day}-{month}"})
        out += [{**record, "dob": dob[:-1] + str((int(dob[-1]) + 1) % 10)},  # one character
                {**record, "dob": (dt.date.fromisoformat(dob) + dt.timedelta(days=200)).isoformat()},  # within a year
                {**record, "dob": (dt.date.fromisoformat(dob) + dt.timedelta(days=900)).isoformat()},
                {**record, "dob": None}]
    if code and " " in code:
        outward, inward = code.split(" ", 1)
        out += [{**record, "postcode": f"{outward} {inward[0]}ZZ"},  # same sector
                {**record, "postcode": f"{outward} 9ZZ" if inward[0] != "9" else f"{outward} 8ZZ"},  # same district
                {**record, "postcode": None, "nhs_number": "9999999999"}]
    out.append({**record, "sex": "x" if record["sex"] != "x" else "y"})
    out += [{**record, "given_name": None}, {**record, "family_name": None, "surname_soundex": None}]
    return out


def _pairs_agree(people: pd.DataFrame, linker, rng: random.Random, originals: int = 40, others: int = 80) -> set:
    """Score variants of ``originals`` records against them and ``others`` more with Splink and directly;
    assert the two agree on every pair; return the (comparison, gamma) levels reached."""
    model = linker.misc.save_model_to_json()
    scorer = PairScorer.from_linker(linker, people)
    assert scorer is not None
    records = people.to_dict("records")
    right = rng.sample(records, originals + others)
    given_pool = [r["given_name"] for r in records if r["given_name"]]
    left = [{**v, "unique_id": f"q{i}-{j}"} for i, r in enumerate(right[:originals])
            for j, v in enumerate(_variants(r, rng, given_pool))]
    frame = linker.inference.score_pairs(left, right).as_pandas_dataframe()
    assert len(frame) == len(left) * len(right)
    by_id = {r["unique_id"]: r for r in left + right}
    labels, lam = _level_labels(model), model["probability_two_random_records_match"]
    prior = math.log2(lam / (1 - lam))
    expected = explain_pairs(frame, model)
    reached = set()
    for row, explanation in zip(frame.to_dict("records"), expected):
        got = scorer.score(by_id[row["unique_id_l"]], by_id[row["unique_id_r"]])
        for name, gamma in got.gammas.items():
            assert gamma == row[f"gamma_{name}"], (name, by_id[row["unique_id_l"]], by_id[row["unique_id_r"]])
            reached.add((name, gamma))
        assert got.match_weight == pytest.approx(row["match_weight"], abs=1e-6)
        assert got.match_probability == pytest.approx(row["match_probability"], abs=1e-9)
        assert explain_pair(labels, prior, got.gammas, got.weights, got.match_weight) == explanation
    # many candidates at once (a search) give the very same floats as one pair at a time
    coded = CodedColumns.of(pd.DataFrame(right)[list(PERSON_COLUMNS)])
    for query in left[::7]:
        assert scorer.match_weights(query, coded, list(range(len(right)))).tolist() == [
            scorer.score(query, r).match_weight for r in right]
    return reached


def _all_levels(linker) -> set:
    return {(c.output_column_name, lv.comparison_vector_value) for c in linker._settings_obj.comparisons
            for lv in c.comparison_levels}


@pytest.fixture(scope="module")
def county_people(generated_county):
    store, _ = generated_county
    return normalise_people(fetch_person_records(store, AS_OF))


def test_direct_scores_equal_splinks_on_every_level_of_the_priors(county_people):
    linker = make_linker(county_people, person_settings(probability_two_random_records_match=1 / len(county_people),
                                                        record_count=len(county_people)))
    for column in ("given_name", "family_name"):
        linker.table_management.compute_tf_table(column)
    reached = _pairs_agree(county_people, linker, random.Random(5))
    assert reached == _all_levels(linker), _all_levels(linker) - reached


def test_direct_scores_follow_a_trained_models_own_parameters(county_people):
    """Other m/u values, a term-frequency weight and floor, an unobserved level: read from the model, not assumed."""
    base = make_linker(county_people.head(1), person_settings(record_count=len(county_people)))
    model = copy.deepcopy(base.misc.save_model_to_json())
    rng = random.Random(9)
    model["probability_two_random_records_match"] = 0.003
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                level["m_probability"], level["u_probability"] = rng.uniform(0.01, 0.9), rng.uniform(0.0001, 0.9)
            if level.get("tf_adjustment_column"):
                level["tf_adjustment_weight"], level["tf_minimum_u_value"] = 0.6, 0.002
    model["comparisons"][2]["comparison_levels"][2]["u_probability"] = "level not observed in training dataset"
    linker = make_linker(county_people, model)
    for column in ("given_name", "family_name"):
        linker.table_management.compute_tf_table(column)
    reached = _pairs_agree(county_people, linker, random.Random(6), originals=25, others=40)
    assert len(reached) > 0.9 * len(_all_levels(linker))


def test_a_level_it_cannot_read_falls_back_to_splink_with_the_same_hits(generated_county):
    store, _ = generated_county
    people = normalise_people(fetch_person_records(store, AS_OF))
    model = make_linker(people.head(1), person_settings()).misc.save_model_to_json()
    model["comparisons"][4]["comparison_levels"][1]["sql_condition"] = 'lower("sex_l") = lower("sex_r")'
    assert condition_test('lower("sex_l") = lower("sex_r")') is None
    assert PairScorer.from_linker(make_linker(people.head(1), model), people) is None

    index = PersonIndex.build(store, AS_OF)
    splink = make_linker(index.people, person_settings(probability_two_random_records_match=min(0.1, 1 / len(index.people)),
                                                       record_count=len(index.people)))
    for column in ("given_name", "family_name"):
        splink.table_management.compute_tf_table(column)
    by_splink = dataclasses.replace(index, scorer=None, linker=splink)
    names = [f"{r.given_name} {r.family_name}" for r in index.raw.sample(8, random_state=2).itertuples()]
    for name in names + ["Jon Smyth"]:
        direct, fallback = find_person(store, name, index=index), find_person(store, name, index=by_splink)
        assert [h.record_id for h in direct] == [h.record_id for h in fallback] and direct
        for a, b in zip(direct, fallback):
            assert a.match_weight == pytest.approx(b.match_weight, abs=1e-6) and a.comparison == b.comparison


def test_a_query_is_normalised_as_a_record_is(county_people, generated_county):
    store, _ = generated_county
    raw = fetch_person_records(store, AS_OF).head(300)
    frame = normalise_people(raw)
    for (_, r), expected in zip(raw.iterrows(), frame.to_dict("records")):
        got = normalise_person(r.given_name, r.family_name, r.dob, r.sex, r.nhs_number, r.postcode)
        assert {k: v for k, v in got.items() if k != "unique_id"} == {k: expected[k] for k in PERSON_COLUMNS if k != "unique_id"}
    odd = pd.DataFrame([{"id": "x", "given_name": " Jo-Ann2 ", "family_name": "O'Neil!", "dob": "03/04/1990", "sex": "F",
                         "nhs_number": "943 476 5919", "postcode": " ab1  2cd "}])
    expected = normalise_people(odd).to_dict("records")[0]
    got = normalise_person(" Jo-Ann2 ", "O'Neil!", "03/04/1990", "F", "943 476 5919", " ab1  2cd ")
    assert {k: v for k, v in got.items() if k != "unique_id"} == {k: expected[k] for k in PERSON_COLUMNS if k != "unique_id"}
