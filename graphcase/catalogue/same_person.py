"""The record-linkage model's rows for ``same_person_twice``: pairs of records that the model scores as one
person (a transposed day and month, a nickname, a spelling variant) and that no SAME_AS link joins.

The pairs and their scores come from :func:`graphcase.linkage.unlinked.unlinked_pairs`; here they become rows
of the pattern's own shape (the columns of ``cypher/links/same_person_twice.cypher``) with rule
``linkage_model``, the probability as computed, and each comparison's level in plain words, so a pair that
the deterministic query also finds is one finding with two pieces of evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import jellyfish
import pandas as pd

from ..files import atomic_write_text, private_dir
from ..linkage.pair_cache import CACHE_SUFFIX, cache_dir_for
from ..linkage.unlinked import DEFAULT_MIN_PROBABILITY, side_files, unlinked_pairs
from ..stores.base import GraphStore

RULE = "linkage_model"
COMPARISON_WORDS = {"given_name": "given name", "family_name": "family name", "dob": "date of birth",
                    "postcode": "postcode", "sex": "sex", "nhs_number": "NHS number"}
LEVEL_WORDS = {
    "exact": "the same",
    "missing": "not recorded on one or both",
    "different": "different",
    "swapped with family_name": "given and family names swapped",
    "swapped with given_name": "given and family names swapped",
    "same first three letters": "same first three letters (a short form or nickname)",
    "Jaro-Winkler >= 0.70": "loosely similar",
    "day and month transposed": "day and month swapped",
    "one character different": "one digit different",
    "within a year": "within a year of each other",
    "same sector": "same postcode sector, different address",
    "same district": "same postcode district, different address",
}
LETTERS = {1: "one letter different", 2: "two letters different"}

__all__ = ["CACHE_SUFFIX", "RULE", "held_by", "linkage_rows", "level_words", "rule_rows", "side_files"]


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) else str(value)


def level_words(column: str, label: str, value_a, value_b) -> str:
    """'family name: one letter different' for one comparison of a pair (its level in the model, in words)."""
    words = LEVEL_WORDS.get(label)
    if words is None and label.startswith("Jaro-Winkler"):  # say how far apart two close spellings are
        a, b = (_text(value_a) or "").lower(), (_text(value_b) or "").lower()
        words = LETTERS.get(jellyfish.levenshtein_distance(a, b), "spelt similarly")
    return f"{COMPARISON_WORDS.get(column, column.replace('_', ' '))}: {words or label}"


def _date(value):
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return value if isinstance(value, dt.date) else pd.Timestamp(value).date()


def linkage_rows(store: GraphStore, as_of: dt.date, min_probability: float = DEFAULT_MIN_PROBABILITY,
                 cache_dir: Path | None = None) -> list[dict]:
    """The pattern's rows from the model: one per unlinked pair at or above ``min_probability`` (``cache_dir``:
    where the model rows are cached, see :func:`graphcase.linkage.unlinked.unlinked_pairs`)."""
    pairs, records = unlinked_pairs(store, as_of, min_probability, cache_dir=cache_dir)
    rows = []
    for pair in pairs.itertuples(index=False):
        a, b = records.loc[pair.record_a], records.loc[pair.record_b]
        values = {"given_name": (a.given_name, b.given_name), "family_name": (a.family_name, b.family_name)}
        rows.append({
            "pattern": "same_person_twice", "record_a": pair.record_a, "record_b": pair.record_b, "rule": RULE,
            "name_a": " ".join(x for x in (_text(a.given_name), _text(a.family_name)) if x),
            "name_b": " ".join(x for x in (_text(b.given_name), _text(b.family_name)) if x),
            "dob_a": _date(a.dob), "dob_b": _date(b.dob), "nhs_a": _text(a.nhs_number), "nhs_b": _text(b.nhs_number),
            "role_a": _text(a.role), "role_b": _text(b.role),
            "path_nodes": [pair.record_a, pair.record_b], "path_rels": [],
            "sources": [f"{a.source_agency}:{a.source_record}", f"{b.source_agency}:{b.source_record}"],
            "agency_a": _text(a.source_agency), "agency_b": _text(b.source_agency),
            "postcode_a": _text(a.postcode), "postcode_b": _text(b.postcode),
            "probability": float(pair.match_probability), "match_weight": float(pair.match_weight),
            "comparisons": [level_words(column, label, *values.get(column, (None, None))) for column, label in pair.levels],
            "model_explanation": pair.explanation,
        })
    return rows


# When each record was first held: the earliest start of its agency records (an agency's record of a person).
# The person by key first, then the hop: one MATCH of both scans the KNOWN_TO table on LadybugDB 0.22
# (30 ms at 100k people whatever the number of ids; this form 2-8 ms for 10-1,000 ids).
FIRST_HELD_CYPHER = """
UNWIND $ids AS id
MATCH (p:Person {id: id})
OPTIONAL MATCH (p)-[k:KNOWN_TO]->(:Agency)
RETURN id, min(k.since) AS first_held
"""


def held_by(store: GraphStore, rows: list[dict], as_of: dt.date) -> list[dict]:
    """The rows whose two records were both held by ``as_of``: a pair is not a missed link on a date before
    one of its records existed (``links --as-of`` then looks back at what the agencies held). A record with no
    start date counts as held."""
    ids = sorted({r[c] for r in rows for c in ("record_a", "record_b")})
    if not ids:
        return rows
    later = {r["id"] for r in store.query(FIRST_HELD_CYPHER, {"ids": ids}).records()
             if r["first_held"] is not None and _date(r["first_held"]) > as_of}
    return [r for r in rows if r["record_a"] not in later and r["record_b"] not in later]


RULE_ROWS_FILE = "rule-rows.json"


def rule_rows(store: GraphStore, text: str, params: dict, fingerprint: str | None, cache_dir: Path | None = None) -> list[dict]:
    """The deterministic query's rows (``cypher/links/same_person_twice.cypher``), kept beside the model rows.
    They depend on the store's records and SAME_AS links alone (no parameter, no as_of), and the query groups
    every record three times (3.6 s at 1M people on LadybugDB 0.22), so they are kept in the model-row cache's
    folder keyed by the store's files (``fingerprint``: any load or ``link-records`` changes it) and the query
    text. Same rule as the model rows for where: ``cache_dir`` when given, else beside a store open for writing."""
    folder = Path(cache_dir) if cache_dir is not None else None if getattr(store, "read_only", False) else cache_dir_for(store)
    if folder is None or fingerprint is None:
        return store.query(text, params).records()
    key = hashlib.sha1(json.dumps([fingerprint, text, params], sort_keys=True, default=str).encode()).hexdigest()
    path = folder / RULE_ROWS_FILE
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return [{k: _decoded(v) for k, v in row.items()} for row in kept["rows"]]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        pass  # missing, half-written or foreign: run the query and write it again
    rows = store.query(text, params).records()
    try:
        private_dir(folder)
        atomic_write_text(path, json.dumps({"key": key, "rows": [{k: _encoded(v) for k, v in r.items()} for r in rows]},
                                           ensure_ascii=False))
    except OSError:
        pass  # a folder that can't be written: the next sweep runs the query again
    return rows


def _encoded(value):
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return [_encoded(v) for v in value] if isinstance(value, list) else value


def _decoded(value):
    if isinstance(value, dict) and set(value) == {"$date"}:
        return dt.date.fromisoformat(value["$date"])
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return dt.datetime.fromisoformat(value["$datetime"])
    return [_decoded(v) for v in value] if isinstance(value, list) else value
