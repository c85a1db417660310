"""Pairs of person records from different agencies that the record-linkage model scores as one person but
that no SAME_AS link joins: the model's half of the catalogue's ``same_person_twice`` pattern.

The pairs are scored with the model ``link-records`` uses (the trained model beside the store when there is
one, else the stated priors of ``settings.py``), so a transposed day and month, a nickname or a spelling
variant counts exactly as much here as it does when records are linked. Nothing is matched by hand.

Cost is kept to a sweep's budget in two stages:

1. every Person record's names, date of birth, sex and NHS number (one Cypher scan, no address join) go
   into DuckDB, where Splink blocks on ``settings.unlinked_blocking_rules`` (tight, cross-agency rules) and
   scores the pairs without postcodes, keeping those that could still reach ``min_probability`` if their
   postcodes agreed;
2. those few records' postcodes are read, and Splink scores the surviving pairs again with them, with the
   term frequencies of the whole store.

Pairs already joined by SAME_AS, and pairs a reviewer rejected in the review queue, are left out.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from ..stores.base import GraphStore
from . import review as review_queue
from .link import DEFAULT_THRESHOLD, _level_labels, explain_pairs, pair_key
from .records import normalise_people
from .settings import person_settings, unlinked_blocking_rules
from .train import duckdb_api, load_model, make_linker, model_path_for, splink_settings, uses_spill_folder

# The probability from which link-records links a pair without asking (unless it rests on a fuzzy name and a
# fuzzy birth date alone). Not the review band's low end (0.5): with the stated priors, twins of different sex
# with the same family name and date of birth score 0.83 in a small store, and pairs between 0.5 and 0.95 are
# already put to a person by link-records' review queue.
DEFAULT_MIN_PROBABILITY = DEFAULT_THRESHOLD

RECORD_FIELDS_CYPHER = """
MATCH (p:Person)
RETURN p.id AS id, p.role AS role, p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       p.sex AS sex, p.nhs_number AS nhs_number, p.source_agency AS source_agency, p.source_record AS source_record
"""
# The postcode of the latest current address, else the latest address the agency knew (as records.py). Each
# record by its primary key: `p.id IN $ids` scans every Person and took 15 s at 100k people on LadybugDB.
POSTCODES_CYPHER = """
UNWIND $ids AS id
MATCH (p:Person {id: id})-[l:LIVES_AT]->(a:Address)
WHERE l.from_date <= $as_of
RETURN p.id AS id, a.postcode AS postcode, l.from_date AS address_from,
       (l.to_date IS NULL OR l.to_date >= $as_of) AS address_current
"""
SAME_AS_PAIRS = "MATCH (a:Person)-[:SAME_AS]->(b:Person) RETURN a.id, b.id"
PAIR_COLUMNS = ["record_a", "record_b", "match_probability", "match_weight", "explanation", "levels"]


def side_files(store: GraphStore) -> list[Path]:
    """The files beside the store that change this pattern's answer: the model and the review queue."""
    return [model_path_for(store), review_queue.review_path_for(store)]


def _model(store: GraphStore, records: int) -> dict:
    path = model_path_for(store)
    if path.exists():
        return splink_settings(load_model(path))
    priors = person_settings(probability_two_random_records_match=min(0.1, 1.0 / records), record_count=records)
    return priors.get_settings("duckdb").as_dict()


def _postcodes(store: GraphStore, ids: list[str], as_of: dt.date) -> pd.Series:
    result = store.query(POSTCODES_CYPHER, {"ids": ids, "as_of": as_of})
    frame = pd.DataFrame(result.rows, columns=result.columns)
    if frame.empty:
        return pd.Series(dtype=object)
    frame["address_current"] = frame["address_current"].fillna(False).astype(bool)
    frame = frame.sort_values(["id", "address_current", "address_from"], na_position="first")
    return frame.drop_duplicates("id", keep="last").set_index("id")["postcode"]


def _max_weight(model: dict, column: str) -> float:
    """The most bits a comparison can add (its strongest level): what an unknown postcode could still bring."""
    best = 0.0
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] == column:
            for level in comparison["comparison_levels"]:
                m, u = level.get("m_probability"), level.get("u_probability")
                if m and u:
                    best = max(best, math.log2(m / u))
    return best


def levels_of(predictions: pd.DataFrame, model: dict) -> list[list[tuple[str, str]]]:
    """Per scored pair, each comparison's (column, level label) in the model's order."""
    labels = _level_labels(model)
    columns = [c for c in labels if f"gamma_{c}" in predictions]
    gammas = {c: predictions[f"gamma_{c}"].astype(int).map(labels[c]).fillna("?").tolist() for c in columns}
    return [[(c, gammas[c][i]) for c in columns] for i in range(len(predictions))]


@uses_spill_folder
def unlinked_pairs(store: GraphStore, as_of: dt.date, min_probability: float = DEFAULT_MIN_PROBABILITY
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, records): pairs of records from different agencies with model probability >= ``min_probability``,
    not joined by SAME_AS and not rejected in review (``PAIR_COLUMNS``, record_a < record_b, ``levels`` as
    :func:`levels_of`), and the raw records of those pairs indexed by id (with their postcode)."""
    raw = store.query_table(RECORD_FIELDS_CYPHER).to_pandas()
    empty = pd.DataFrame(columns=PAIR_COLUMNS)
    if len(raw) < 2:
        return empty, raw
    people = normalise_people(raw.assign(postcode=None))
    people["source_agency"] = raw["source_agency"].astype(object).values
    model = _model(store, len(people))
    settings = dict(model)
    settings["blocking_rules_to_generate_predictions"] = [{"blocking_rule": r, "sql_dialect": "duckdb"} for r in unlinked_blocking_rules()]
    settings["additional_columns_to_retain"] = ["source_agency"]
    db_api = duckdb_api()
    linker = make_linker(people, settings, db_api)
    for column in ("given_name", "family_name"):
        linker.table_management.compute_tf_table(column)
    # stage 1, no postcodes: keep pairs that an agreeing postcode could still lift to min_probability
    needed = math.log2(min_probability / (1 - min_probability)) - _max_weight(model, "postcode")
    first = linker.inference.predict(threshold_match_weight=needed).as_pandas_dataframe()
    if first.empty:
        return empty, raw.iloc[0:0]
    keys = {pair_key(a, b) for a, b in zip(first["unique_id_l"], first["unique_id_r"])}
    keys -= {pair_key(a, b) for a, b in store.query(SAME_AS_PAIRS).rows}
    path = review_queue.review_path_for(store)
    if path.exists():
        keys -= {k for k, status in review_queue.ReviewQueue.open(path).decisions().items() if status == "rejected"}
    if not keys:
        return empty, raw.iloc[0:0]
    ids = sorted({x for k in keys for x in k.split("|")})
    # stage 2: those records with their postcodes, scored again (term frequencies of the whole store)
    candidates = people[people["unique_id"].isin(ids)].copy()
    postcodes = _postcodes(store, ids, as_of)
    with_postcode = normalise_people(raw[raw["id"].isin(ids)].assign(postcode=lambda f: f["id"].map(postcodes)))
    candidates["postcode"] = candidates["unique_id"].map(dict(zip(with_postcode["unique_id"], with_postcode["postcode"])))
    candidates = candidates.astype(object).where(candidates.notna(), None)
    scored = linker.inference.predict_within(
        db_api.register(candidates), blocking_rules_to_generate_predictions=settings["blocking_rules_to_generate_predictions"],
        threshold_match_probability=min_probability, warning_mode="never",
    ).as_pandas_dataframe()
    if scored.empty:
        return empty, raw.iloc[0:0]
    scored["key"] = [pair_key(a, b) for a, b in zip(scored["unique_id_l"], scored["unique_id_r"])]
    scored = scored[scored["key"].isin(keys)].drop_duplicates("key").sort_values("key").reset_index(drop=True)
    pairs = pd.DataFrame({
        "record_a": scored["key"].str.split("|").str[0], "record_b": scored["key"].str.split("|").str[1],
        "match_probability": scored["match_probability"].astype(float), "match_weight": scored["match_weight"].astype(float),
        "explanation": explain_pairs(scored, model) if len(scored) else [], "levels": levels_of(scored, model),
    })
    records = raw[raw["id"].isin(set(pairs["record_a"]) | set(pairs["record_b"]))].set_index("id", drop=False)
    records = records.assign(postcode=records["id"].map(postcodes))
    return pairs[PAIR_COLUMNS], records
