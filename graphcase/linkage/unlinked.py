"""Pairs of person records from different agencies that the record-linkage model scores as one person but
that no SAME_AS link joins: the model's half of the catalogue's ``same_person_twice`` pattern.

The pairs are scored with the model ``link-records`` uses (the trained model beside the store when there is
one, else the stated priors of ``settings.py``), so a transposed day and month, a nickname or a spelling
variant counts exactly as much here as it does when records are linked. Nothing is matched by hand.

Cost is kept to a sweep's budget: every Person record's names, date of birth, sex and NHS number come out in
one Cypher scan (no address join, as one Arrow table) into DuckDB, which finds the candidate pairs with
``settings.unlinked_blocking_rules`` (tight, cross-agency rules) by plain joins; only the records in those
pairs, with their postcodes, go to Splink, scored with the term frequencies of the whole store.

Pairs already joined by SAME_AS, and pairs a reviewer rejected in the review queue, are left out.

Beside an embedded store the last answer is cached (``pair_cache.py``): an unchanged store (same files,
model, review queue, as_of) gets it back in milliseconds; any change scores afresh (about 12 s at 1M people).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..stores.base import GraphStore
from . import review as review_queue
from .link import DEFAULT_THRESHOLD, _level_labels, explain_pairs, pair_key
from .pair_cache import PairCache, cache_dir_for
from .records import latest_address_rows, normalise_people, normalise_postcodes
from .settings import person_settings, unlinked_blocking_rules
from .train import duckdb_api, load_model, make_linker, model_path_for, splink_settings, uses_spill_folder

# The probability from which link-records links a pair without asking (unless it rests on a fuzzy name and a
# fuzzy birth date alone). Not the review band's low end (0.5): with the stated priors, twins of different sex
# with the same family name and date of birth score 0.83 in a small store, and pairs between 0.5 and 0.95 are
# already put to a person by link-records' review queue.
DEFAULT_MIN_PROBABILITY = DEFAULT_THRESHOLD

FIELDS = """p.id AS id, p.role AS role, p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       p.sex AS sex, p.nhs_number AS nhs_number, p.source_agency AS source_agency, p.source_record AS source_record"""
RECORD_FIELDS_CYPHER = f"MATCH (p:Person)\nRETURN {FIELDS}\n"
# The postcode of each address a record lived at by $as_of (records.latest_address_rows picks one), of
# every record in one scan: most records are in some candidate pair at 1M people (688k of 1.04M), and looking
# each up by key took 5.6 s there against 1.0 s for the scan.
POSTCODES_CYPHER = """
MATCH (p:Person)-[l:LIVES_AT]->(a:Address)
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


def _postcodes(store: GraphStore, as_of: dt.date) -> pd.Series:
    """Each record's postcode at ``as_of``, by record id (as one Arrow table: row by row through Python took
    7 s at 1M people)."""
    frame = latest_address_rows(store.query_table(POSTCODES_CYPHER, {"as_of": as_of}).to_pandas())
    return pd.Series(dtype=object) if frame.empty else frame.set_index("id")["postcode"]


def levels_of(predictions: pd.DataFrame, model: dict) -> list[list[tuple[str, str]]]:
    """Per scored pair, each comparison's (column, level label) in the model's order."""
    labels = _level_labels(model)
    columns = [c for c in labels if f"gamma_{c}" in predictions]
    gammas = {c: predictions[f"gamma_{c}"].astype(int).map(labels[c]).fillna("?").tolist() for c in columns}
    return [[(c, gammas[c][i]) for c in columns] for i in range(len(predictions))]


def candidate_keys(people: pd.DataFrame, rules: list[str]) -> set[str]:
    """Pair keys of the records sharing one of ``rules`` (Splink blocking SQL over l and r), by one DuckDB
    join per rule over the whole frame: no Splink model is built for the many records in no pair."""
    connection = duckdb.connect(":memory:")
    try:
        connection.register("people", people)
        # each pair's key (pair_key: the smaller id first) made and de-duplicated in DuckDB: in Python it took
        # 2.4 s for the 888k candidate pairs of a 1M-person store
        found = " UNION ".join(
            f"SELECT least(l.unique_id, r.unique_id) || '|' || greatest(l.unique_id, r.unique_id) AS key "
            f"FROM people l JOIN people r ON ({rule}) AND l.unique_id < r.unique_id" for rule in rules)
        return set(connection.sql(found).to_arrow_table().column("key").to_pylist())
    finally:
        connection.close()


def _normalised(raw: pd.DataFrame) -> pd.DataFrame:
    people = normalise_people(raw.assign(postcode=None))
    people["source_agency"] = raw["source_agency"].astype(object).values
    return people


@dataclass
class Candidates:
    raw: pd.DataFrame  # RECORD_FIELDS, one row per Person record
    people: pd.DataFrame  # normalise_people(raw) without postcodes, rows aligned with raw
    keys: set[str]  # candidate pair keys from the blocking rules, before SAME_AS and review filtering


def _fresh_candidates(store: GraphStore, rules: list[str]) -> Candidates:
    raw = store.query_table(RECORD_FIELDS_CYPHER).to_pandas()
    people = _normalised(raw) if len(raw) else pd.DataFrame(columns=["unique_id", "source_agency"])
    return Candidates(raw, people, candidate_keys(people, rules) if len(raw) >= 2 else set())


def _record_ids(keys: set[str]) -> pa.Array:
    """The record ids in pair keys "a|b", by Arrow (a Python set of 688k ids from 888k keys took 1.6 s)."""
    halves = pc.split_pattern(pa.array(list(keys), pa.string()), "|")
    return pc.unique(pc.list_flatten(halves))


def _among(column: pd.Series, values) -> np.ndarray:
    """``column.isin(values)`` as a boolean mask, by Arrow: pandas' isin on an Arrow string column checks the
    values one by one in Python (4 s for a 1M-record store's candidate ids, against 0.2 s here)."""
    value_set = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    found = pc.is_in(pa.array(column.astype(object) if column.dtype == object else column, pa.string()),
                     value_set=value_set)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _stamp(path: Path) -> str | None:
    """Size, modification time and inode: any write to the file (or a new file renamed over it) changes it."""
    if not path.exists():
        return None
    st = path.stat()
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _result_key(store: GraphStore, as_of: dt.date, min_probability: float) -> str:
    """What the answer depends on besides the records: the store's files (a load, link-records' SAME_AS links,
    residences for postcodes), as_of, the model, the review queue and the threshold."""
    location = Path(store.location)
    files = [_stamp(location), _stamp(Path(f"{location}.wal")), *(_stamp(f) for f in side_files(store))]
    blob = json.dumps([files, as_of.isoformat(), repr(float(min_probability))])
    return hashlib.sha1(blob.encode()).hexdigest()


def _blocking_signature(rules: list[str]) -> str:
    return hashlib.sha1(json.dumps(rules).encode()).hexdigest()
def term_frequencies(people: pd.DataFrame, column: str) -> pd.DataFrame:
    """Splink's term-frequency table of ``column`` over every record (share of the non-null values)."""
    shares = people[column].dropna().value_counts(normalize=True)
    return pd.DataFrame({column: shares.index.astype(object), f"tf_{column}": shares.values.astype(float)})


def unlinked_pairs(store: GraphStore, as_of: dt.date, min_probability: float = DEFAULT_MIN_PROBABILITY,
                   cache_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, records): pairs of records from different agencies with model probability >= ``min_probability``,
    not joined by SAME_AS and not rejected in review (``PAIR_COLUMNS``, record_a < record_b, ``levels`` as
    :func:`levels_of`), and the raw records of those pairs indexed by id (with their postcode). Beside an
    embedded store, from the cache when nothing it depends on changed (``pair_cache.py``). ``cache_dir``: keep
    the cache there instead, written even when the store is open read-only (the caller keeps its side files
    there: ``graphcase links`` beside the store)."""
    rules = unlinked_blocking_rules()
    folder = Path(cache_dir) if cache_dir is not None else cache_dir_for(store)
    if folder is None:
        return _score(store, as_of, min_probability, _fresh_candidates(store, rules), rules)
    cache = PairCache.open(folder, _blocking_signature(rules))
    key = _result_key(store, as_of, min_probability)
    answer = cache.result(key)
    if answer is not None:
        return answer
    pairs, records = _score(store, as_of, min_probability, _fresh_candidates(store, rules), rules)
    # a store opened read-only may be shared: nothing written beside it unless the caller chose the folder
    if cache_dir is not None or not getattr(store, "read_only", False):
        cache.save(key, pairs, records)
    return pairs, records


@uses_spill_folder
def _score(store: GraphStore, as_of: dt.date, min_probability: float, found: Candidates, rules: list[str]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the candidate pairs left after SAME_AS links and rejected reviews, with the whole store's name
    frequencies and record count."""
    raw, people, keys = found.raw, found.people, set(found.keys)
    empty = pd.DataFrame(columns=PAIR_COLUMNS)
    if len(raw) < 2:
        return empty, raw
    if keys:
        keys -= {pair_key(a, b) for a, b in store.query(SAME_AS_PAIRS).rows}
    path = review_queue.review_path_for(store)
    if keys and path.exists():
        keys -= {k for k, status in review_queue.ReviewQueue.open(path).decisions().items() if status == "rejected"}
    if not keys:
        return empty, raw.iloc[0:0]
    ids = _record_ids(keys)
    # only the records in a candidate pair go to Splink (normalised once, when blocked), with their postcodes
    # and the whole store's name frequencies
    postcodes = _postcodes(store, as_of)
    chosen = _among(raw["id"], ids)
    candidates = people[chosen].reset_index(drop=True)
    candidates["postcode"] = normalise_postcodes(raw.loc[chosen, "id"].map(postcodes).reset_index(drop=True))
    candidates["source_agency"] = raw.loc[chosen, "source_agency"].astype(object).values
    model = _model(store, len(people))
    settings = dict(model)
    settings["blocking_rules_to_generate_predictions"] = [{"blocking_rule": r, "sql_dialect": "duckdb"} for r in rules]
    settings["additional_columns_to_retain"] = ["source_agency"]
    db_api = duckdb_api()
    linker = make_linker(candidates, settings, db_api)
    for column in ("given_name", "family_name"):
        linker.table_management.register_term_frequency_lookup(db_api.register(term_frequencies(people, column)), column)
    scored = linker.inference.predict(threshold_match_probability=min_probability).as_pandas_dataframe()
    if scored.empty:
        return empty, raw.iloc[0:0]
    scored["key"] = [pair_key(a, b) for a, b in zip(scored["unique_id_l"], scored["unique_id_r"])]
    scored = scored[_among(scored["key"], keys)].sort_values("key").reset_index(drop=True)
    if scored.empty:
        return empty, raw.iloc[0:0]
    pairs = pd.DataFrame({
        "record_a": scored["key"].str.split("|").str[0], "record_b": scored["key"].str.split("|").str[1],
        "match_probability": scored["match_probability"].astype(float), "match_weight": scored["match_weight"].astype(float),
        "explanation": explain_pairs(scored, model), "levels": levels_of(scored, model),
    })
    records = raw[_among(raw["id"], set(pairs["record_a"]) | set(pairs["record_b"]))].set_index("id", drop=False)
    records = records.assign(postcode=records["id"].map(postcodes))
    return pairs[PAIR_COLUMNS], records
