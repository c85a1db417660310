"""Score, decide, cluster and write: Person records of one person become SAME_AS-linked.

``link_records(store)``:

1. pulls every Person record and its current postcode with one Cypher query (``records.py``);
2. trains the model, or reads the one saved beside the store (``train.py``);
3. scores candidate pairs with Splink and keeps those at or above the review band's low end;
4. applies human decisions (``review.py``): a rejected pair is never linked, an accepted one always is;
   undecided pairs at or above ``threshold`` are linked, those in the review band are queued;
5. clusters the links (connected components, Splink) and gives each cluster a stable resolved-person id;
6. writes SAME_AS relationships (lower record id -> higher) in UNWIND batches, and removes SAME_AS links that
   a new decision or model no longer supports. A re-run with nothing changed leaves the graph as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from splink import DuckDBAPI
from splink.clustering import cluster_pairwise_predictions_at_threshold

from ..stores.base import GraphStore
from . import review as review_queue
from .records import fetch_person_records, normalise_people
from .train import GRAPHCASE_KEY, LinkageError, load_model, make_linker, model_path_for, save_model, splink_settings, train_model

DEFAULT_THRESHOLD = 0.95
DEFAULT_REVIEW_BAND = (0.50, 0.95)
WRITE_BATCH = 10_000
METHOD = "splink"

SAME_AS_UPSERT = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Person {id: row.b})
MERGE (a)-[s:SAME_AS {key: row.key}]->(b)
ON CREATE SET s.load_id = row.load_id, s.loaded_at = row.loaded_at
SET s.probability = row.probability, s.match_weight = row.match_weight, s.explanation = row.explanation,
    s.method = row.method, s.resolved_id = row.resolved_id, s.decided_by = row.decided_by
"""
SAME_AS_EXISTING = "MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN s.key AS key, a.id AS a, b.id AS b"
SAME_AS_DELETE = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})-[s:SAME_AS]->(b:Person)
WHERE s.key = row.key
DELETE s
"""


@dataclass
class LinkReport:
    records: int
    pairs_scored: int
    linked_pairs: int
    linked_by_model: int
    linked_by_review: int
    kept_apart_by_review: int
    queued_for_review: int
    clusters: int
    records_in_clusters: int
    same_as_removed: int
    model_path: str
    model_note: str
    seconds: float

    def summary(self) -> str:
        return "\n".join(
            [
                f"{self.records:,} person records; {self.pairs_scored:,} candidate pairs scored ({self.seconds:.1f} s)",
                f"model: {self.model_path} ({self.model_note})",
                f"SAME_AS: {self.linked_pairs:,} pairs ({self.linked_by_model:,} by the model, "
                f"{self.linked_by_review:,} accepted in review); {self.same_as_removed:,} stale links removed",
                f"resolved people: {self.clusters:,} clusters covering {self.records_in_clusters:,} records",
                f"review queue: {self.queued_for_review:,} pairs waiting; {self.kept_apart_by_review:,} pairs kept apart by a rejection",
            ]
        )


def pair_key(a: str, b: str) -> str:
    return f"{a}|{b}" if a < b else f"{b}|{a}"


def resolved_id_for(smallest_record_id: str) -> str:
    """Stable id of a resolved person: a hash of the smallest record id in its cluster."""
    return "rp-" + hashlib.sha1(smallest_record_id.encode("utf-8")).hexdigest()[:12]


# -- explanations -------------------------------------------------------------------------------------
def _level_labels(model: dict) -> dict[str, dict[int, str]]:
    """comparison output column -> {gamma value: level label}; Splink numbers non-null levels from the
    bottom (else = 0) up, and the null level is -1."""
    labels = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {-1: "missing"}
        for gamma, level in zip(range(len(non_null) - 1, -1, -1), non_null):
            mapping[gamma] = level.get("label_for_charts") or level["sql_condition"]
        labels[name] = mapping
    return labels


def explain_pairs(predictions: pd.DataFrame, model: dict) -> pd.Series:
    """One readable line per pair: each comparison's level, gamma and match weight (bits), and the prior.

    e.g. ``dob: day and month transposed (γ=4) +11.2; ...; prior -3.9 => total 23.1``
    """
    labels = _level_labels(model)
    lam = model["probability_two_random_records_match"]
    prior = math.log2(lam / (1 - lam))
    parts = []
    for name, mapping in labels.items():
        gamma_col = f"gamma_{name}"
        if gamma_col not in predictions:
            continue
        gamma = predictions[gamma_col].astype(int)
        weight = predictions[f"mw_{name}"].astype(float)
        tf_col = f"mw_tf_adj_{name}"
        if tf_col in predictions:
            weight = weight + predictions[tf_col].astype(float).fillna(0.0)
        label = gamma.map(mapping).fillna("?")
        parts.append(name + ": " + label + " (γ=" + gamma.astype(str) + ") " + weight.map("{:+.1f}".format))
    text = parts[0]
    for part in parts[1:]:
        text = text + "; " + part
    return text + f"; prior {prior:+.1f} => total " + predictions["match_weight"].map("{:.1f}".format)


# -- the run ------------------------------------------------------------------------------------------
def score_pairs(people: pd.DataFrame, model: dict, min_probability: float, db_api: DuckDBAPI | None = None) -> pd.DataFrame:
    """Candidate pairs with match_probability >= min_probability: unique_id_l, unique_id_r, match_probability,
    match_weight, explanation (and Splink's gamma_/mw_ columns)."""
    linker = make_linker(people, splink_settings(model), db_api)
    predictions = linker.inference.predict(threshold_match_probability=min_probability).as_pandas_dataframe()
    if predictions.empty:
        return predictions.assign(explanation=pd.Series(dtype=object))
    predictions["explanation"] = explain_pairs(predictions, model)
    return predictions


def _cluster(record_ids: pd.Series, links: pd.DataFrame) -> pd.DataFrame:
    """unique_id -> resolved_id for records in a cluster of two or more."""
    if links.empty:
        return pd.DataFrame({"unique_id": [], "resolved_id": []})
    nodes = pd.DataFrame({"unique_id": pd.unique(pd.concat([links["a"], links["b"]]))})
    edges = links.rename(columns={"a": "unique_id_l", "b": "unique_id_r"})[["unique_id_l", "unique_id_r"]]
    clusters = cluster_pairwise_predictions_at_threshold(
        nodes, edges, DuckDBAPI(), node_id_column_name="unique_id"
    ).as_pandas_dataframe()
    smallest = clusters.groupby("cluster_id")["unique_id"].transform("min")
    clusters["resolved_id"] = smallest.map(resolved_id_for)
    return clusters[["unique_id", "resolved_id"]]


def ensure_model(store: GraphStore, people: pd.DataFrame, model_path: Path | None, retrain: bool, **train_options) -> tuple[dict, Path]:
    model_path = Path(model_path) if model_path else model_path_for(store)
    if model_path.exists() and not retrain:
        return load_model(model_path), model_path
    model, _ = train_model(people, **train_options)
    save_model(model, model_path)
    return model, model_path


def link_records(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    review_band: tuple[float, float] = DEFAULT_REVIEW_BAND,
    model_path: Path | None = None,
    review_path: Path | None = None,
    retrain: bool = False,
    **train_options,
) -> LinkReport:
    """Link the store's person records; see the module docstring. Returns what was done."""
    started = time.perf_counter()
    low, high = review_band
    if not (0 < low <= high <= 1) or not (0 < threshold <= 1):
        raise LinkageError(f"need 0 < review band low ({low}) <= high ({high}) <= 1 and 0 < threshold ({threshold}) <= 1")
    as_of = as_of or dt.date.today()
    raw = fetch_person_records(store, as_of)
    if len(raw) < 2:
        raise LinkageError(f"record linkage needs at least 2 person records; the store has {len(raw)}")
    people = normalise_people(raw)
    model, model_path = ensure_model(store, people, model_path, retrain, **train_options)
    scored = score_pairs(people, model, min(low, threshold))

    review_path = Path(review_path) if review_path else review_queue.review_path_for(store)
    queue = review_queue.ReviewQueue.open(review_path)
    decisions = queue.decisions()  # pair key -> 'accepted' | 'rejected'

    scored["a"] = scored[["unique_id_l", "unique_id_r"]].min(axis=1)
    scored["b"] = scored[["unique_id_l", "unique_id_r"]].max(axis=1)
    scored["key"] = scored["a"] + "|" + scored["b"]
    decision = scored["key"].map(decisions)
    by_model = decision.isna() & (scored["match_probability"] >= threshold)
    in_band = decision.isna() & ~by_model & (scored["match_probability"] >= low) & (scored["match_probability"] < high)
    links = scored.loc[by_model, ["a", "b", "key", "match_probability", "match_weight", "explanation"]].copy()
    links["decided_by"] = f"splink: probability >= {threshold}"

    accepted = queue.accepted_links()
    if not accepted.empty:  # both records must still be in the store
        ids = set(people["unique_id"])
        accepted = accepted[accepted["a"].isin(ids) & accepted["b"].isin(ids)]
    links = pd.concat([links, accepted], ignore_index=True) if not accepted.empty else links
    kept_apart = int((decision == "rejected").sum())

    queue.refresh_pending(scored.loc[in_band], raw)
    queue.save()

    clusters = _cluster(people["unique_id"], links)
    links["resolved_id"] = links["a"].map(dict(zip(clusters["unique_id"], clusters["resolved_id"])))
    removed = write_same_as(store, links)
    return LinkReport(
        records=len(people),
        pairs_scored=len(scored),
        linked_pairs=len(links),
        linked_by_model=int(by_model.sum()),
        linked_by_review=len(accepted),
        kept_apart_by_review=kept_apart,
        queued_for_review=queue.pending_count(),
        clusters=clusters["resolved_id"].nunique() if len(clusters) else 0,
        records_in_clusters=len(clusters),
        same_as_removed=removed,
        model_path=str(model_path),
        model_note=model.get(GRAPHCASE_KEY, {}).get("note", "model file without graphcase notes"),
        seconds=time.perf_counter() - started,
    )


def write_same_as(store: GraphStore, links: pd.DataFrame) -> int:
    """Upsert SAME_AS for ``links`` (a, b, key, match_probability, match_weight, explanation, decided_by,
    resolved_id) and delete SAME_AS links not among them. Returns the number deleted."""
    loaded_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    load_id = f"link-{loaded_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    existing = store.query(SAME_AS_EXISTING).records()
    wanted = set(links["key"])
    stale = [row for row in existing if row["key"] not in wanted]
    for start in range(0, len(stale), WRITE_BATCH):
        store.write(SAME_AS_DELETE, {"rows": stale[start : start + WRITE_BATCH]})
    rows = [
        {
            "a": str(r.a),
            "b": str(r.b),
            "key": str(r.key),
            "probability": float(r.match_probability),
            "match_weight": float(r.match_weight),
            "explanation": str(r.explanation),
            "method": METHOD,
            "resolved_id": str(r.resolved_id),
            "decided_by": str(r.decided_by),
            "load_id": load_id,
            "loaded_at": loaded_at,
        }
        for r in links.itertuples(index=False)
    ]
    for start in range(0, len(rows), WRITE_BATCH):
        store.write(SAME_AS_UPSERT, {"rows": rows[start : start + WRITE_BATCH]})
    return len(stale)


def resolved_ids(store: GraphStore) -> dict[str, str]:
    """record id -> resolved-person id, for every record in a SAME_AS cluster. A record not in the dict is
    a person of its own: use ``resolved_ids(store).get(record_id, record_id)``."""
    result = store.query("MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN a.id, b.id, s.resolved_id")
    out: dict[str, str] = {}
    for a, b, rid in result.rows:
        out[a] = rid
        out[b] = rid
    return out


def current_user() -> str:
    """Who decides a review item: GRAPHCASE_USER (as the audit log), else the login name in USER."""
    import getpass

    return os.environ.get("GRAPHCASE_USER") or os.environ.get("USER") or getpass.getuser()
