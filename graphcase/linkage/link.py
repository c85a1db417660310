"""Score, decide, cluster and write: Person records of one person become SAME_AS-linked.

``link_records(store)``:

1. pulls every Person record and its current postcode with one Cypher query (``records.py``);
2. trains the model, or reads the one saved beside the store (``train.py``);
3. scores candidate pairs with Splink and keeps those at or above the review band's low end;
4. applies human decisions (``review.py``): a rejected pair is never linked, an accepted one always is;
   undecided pairs at or above ``threshold`` are linked, those in the review band are queued;
5. clusters the links (``resolve_clusters``): strongest first, a link joins two clusters only if no
   rejected pair would end up in one (a rejection wins over any chain of links); each cluster gets a stable
   resolved-person id;
6. writes SAME_AS between EVERY pair of records in a cluster (lower record id -> higher): the model's or the
   reviewer's direct links with their own probability, and the pairs the cluster implies with
   method 'cluster', the probability of the weakest link on the strongest chain between them and that chain
   in the explanation. Clusters are small (a person has a handful of records), and every query then
   needs one SAME_AS hop (variable-length paths are slow on LadybugDB). SAME_AS links that a new decision
   or model no longer supports are removed. A re-run with nothing changed leaves the graph as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import networkx as nx
from splink import DuckDBAPI

from .. import audit
from ..stores.base import GraphStore
from . import review as review_queue
from .records import fetch_person_records, normalise_people
from .train import GRAPHCASE_KEY, LinkageError, load_model, make_linker, model_path_for, save_model, splink_settings, train_model, uses_spill_folder

DEFAULT_THRESHOLD = 0.95
DEFAULT_REVIEW_BAND = (0.50, 0.95)
WRITE_BATCH = 10_000
METHOD = "splink"
CLUSTER_METHOD = "cluster"
LINK_COLUMNS = ["a", "b", "key", "match_probability", "match_weight", "explanation", "decided_by", "method"]

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
    linked_pairs: int  # direct links (model or review)
    linked_by_model: int
    linked_by_review: int
    kept_apart_by_review: int
    queued_for_review: int
    clusters: int
    records_in_clusters: int
    same_as_removed: int
    implied_pairs: int  # pairs inside a cluster that no direct link joins (method 'cluster')
    held_apart_by_rejection: int  # direct links not made because they would join a rejected pair
    model_path: str
    model_note: str
    seconds: float
    held_for_review_fuzzy: int = 0  # above the threshold, but resting on a fuzzy name and a fuzzy birth date alone
    pairs: list[dict] = field(default_factory=list)  # every pair linked or queued: decision, probability, both records

    def summary(self) -> str:
        return "\n".join(
            [
                f"{self.records:,} person records; {self.pairs_scored:,} candidate pairs scored ({self.seconds:.1f} s)",
                f"model: {self.model_path} ({self.model_note})",
                f"SAME_AS: {self.linked_pairs:,} pairs ({self.linked_by_model:,} by the model, "
                f"{self.linked_by_review:,} accepted in review) and {self.implied_pairs:,} implied within clusters; "
                f"{self.same_as_removed:,} stale links removed",
                f"resolved people: {self.clusters:,} clusters covering {self.records_in_clusters:,} records",
                f"review queue: {self.queued_for_review:,} pairs waiting; {self.kept_apart_by_review:,} pairs kept apart by a "
                f"rejection, {self.held_apart_by_rejection:,} more links not made because they would join a rejected pair",
                f"held for review although above the threshold: {self.held_for_review_fuzzy:,} pairs resting on a "
                f"spelling variant and a fuzzy date of birth with no agreeing NHS number or postcode",
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


def explain_pair(labels: dict[str, dict[int, str]], prior: float, gammas: dict[str, int], weights: dict[str, float],
                 match_weight: float) -> str:
    """:func:`explain_pairs` for one pair (``labels`` from ``_level_labels``, ``prior`` its log2 odds, ``weights``
    each comparison's weight with its term-frequency adjustment): a search explains a few hits, not a frame."""
    parts = [f"{name}: {mapping.get(gammas[name], '?')} (γ={gammas[name]}) {weights[name]:+.1f}"
             for name, mapping in labels.items() if name in gammas]
    return "; ".join(parts) + f"; prior {prior:+.1f} => total {match_weight:.1f}"


IDENTIFIERS = ("nhs_number", "postcode")  # an exact agreement here is evidence beyond name and birth date


def rests_on_fuzzy_name_and_dob(scored: pd.DataFrame, model: dict) -> pd.Series:
    """Pairs whose name is not exact (given or family name), whose date of birth is not exact, and that agree
    exactly on no identifier or address: a spelling variant and a transposed date together can make a high
    probability out of two different people, so a human looks first (issue 11)."""
    labels = _level_labels(model)

    def exact(column: str) -> pd.Series:
        if f"gamma_{column}" not in scored:
            return pd.Series(False, index=scored.index)
        levels = [gamma for gamma, label in labels.get(column, {}).items() if label == "exact"]
        return scored[f"gamma_{column}"].astype(int).isin(levels)

    fuzzy_name = ~(exact("given_name") & exact("family_name"))
    agreeing = pd.Series(False, index=scored.index)
    for column in IDENTIFIERS:
        agreeing |= exact(column)
    return fuzzy_name & ~exact("dob") & ~agreeing


# -- the run ------------------------------------------------------------------------------------------
@uses_spill_folder
def score_pairs(people: pd.DataFrame, model: dict, min_probability: float, db_api: DuckDBAPI | None = None) -> pd.DataFrame:
    """Candidate pairs with match_probability >= min_probability: unique_id_l, unique_id_r, match_probability,
    match_weight, explanation (and Splink's gamma_/mw_ columns)."""
    linker = make_linker(people, splink_settings(model), db_api)
    predictions = linker.inference.predict(threshold_match_probability=min_probability).as_pandas_dataframe()
    if predictions.empty:
        return predictions.assign(explanation=pd.Series(dtype=object))
    predictions["explanation"] = explain_pairs(predictions, model)
    return predictions


def resolve_clusters(links: pd.DataFrame, rejected: set[str] = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Direct links (``LINK_COLUMNS``) -> (every SAME_AS pair to write, with ``resolved_id``; unique_id ->
    resolved_id; number of links not made because they would put a rejected pair (key in ``rejected``)
    in one cluster).

    Links are taken strongest first (human acceptances before the model's), so a rejection breaks the
    weakest chain. Each pair inside a cluster that no direct link joins is written too, with method
    'cluster': its probability is that of the weakest link on the strongest chain between the two records
    (the bottleneck path of a maximum spanning tree), its explanation names the chain."""
    if links.empty:
        return links.assign(resolved_id=pd.Series(dtype=object)), pd.DataFrame({"unique_id": [], "resolved_id": []}), 0
    order = links.assign(_human=links["decided_by"].str.startswith("review:")).sort_values(
        ["_human", "match_probability", "key"], ascending=[False, False, True])
    parent: dict[str, str] = {}
    members: dict[str, set[str]] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        members.setdefault(x, {x})
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept, held_apart = [], 0
    for row in order.itertuples(index=False):
        ra, rb = find(row.a), find(row.b)
        if ra != rb:
            if rejected and any(pair_key(x, y) in rejected for x in members[ra] for y in members[rb]):
                held_apart += 1
                continue
            if len(members[ra]) < len(members[rb]):
                ra, rb = rb, ra
            parent[rb] = ra
            members[ra] |= members.pop(rb)
        kept.append(row)
    direct = pd.DataFrame(kept, columns=order.columns).drop(columns="_human")
    resolved = {}
    for root, ids in members.items():
        if find(root) == root and len(ids) > 1:
            rid = resolved_id_for(min(ids))
            resolved.update({x: rid for x in ids})
    direct["resolved_id"] = direct["a"].map(resolved)
    implied = []
    graph = nx.Graph()
    for row in direct.itertuples(index=False):
        graph.add_edge(row.a, row.b, weight=float(row.match_probability), row=row)
    for component in nx.connected_components(graph):
        if len(component) < 3:
            continue
        tree = nx.maximum_spanning_tree(graph.subgraph(component))
        ids = sorted(component)
        for i, x in enumerate(ids):
            for y in ids[i + 1:]:
                if graph.has_edge(x, y):
                    continue
                path = nx.shortest_path(tree, x, y)
                edges = [tree.edges[u, v]["row"] for u, v in zip(path, path[1:])]
                weakest = min(edges, key=lambda r: (r.match_probability, r.key))
                implied.append({
                    "a": x, "b": y, "key": pair_key(x, y),
                    "match_probability": float(weakest.match_probability), "match_weight": float(weakest.match_weight),
                    "explanation": (f"same person through the chain {' - '.join(path)} ("
                                    + ", ".join(f"{e.key} p={e.match_probability:.4f}" for e in edges)
                                    + f"); weakest link {weakest.key} p={weakest.match_probability:.4f}"),
                    "decided_by": f"cluster: weakest link {weakest.key} ({weakest.decided_by})",
                    "method": CLUSTER_METHOD, "resolved_id": resolved[x],
                })
    pairs = pd.concat([direct, pd.DataFrame(implied, columns=[*LINK_COLUMNS, "resolved_id"])], ignore_index=True) if implied else direct
    clusters = pd.DataFrame({"unique_id": list(resolved), "resolved_id": list(resolved.values())})
    return pairs, clusters, held_apart


def link_pairs(store: GraphStore, links: pd.DataFrame, rejected: set[str] = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Cluster the direct ``links`` and write every pair of every cluster as SAME_AS (removing stale ones).
    Returns (pairs written, clusters, links held apart by a rejection, stale links removed)."""
    links = links.copy()
    if "method" not in links:
        links["method"] = METHOD
    pairs, clusters, held_apart = resolve_clusters(links[LINK_COLUMNS], set(rejected))
    removed = write_same_as(store, pairs)
    return pairs, clusters, held_apart, removed


def ensure_model(store: GraphStore, people: pd.DataFrame, model_path: Path | None, retrain: bool, **train_options) -> tuple[dict, Path]:
    model_path = Path(model_path) if model_path else model_path_for(store)
    if model_path.exists() and not retrain:
        return load_model(model_path), model_path
    model, _ = train_model(people, **train_options)
    save_model(model, model_path)
    return model, model_path


@uses_spill_folder
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
    """Link the store's person records; see the module docstring. Returns what was done.

    Recorded in the store's audit log as ``link-records`` (see :func:`graphcase.audit.recorded`)."""
    arguments = {"as_of": as_of, "threshold": threshold, "review_band": review_band, "retrain": retrain}
    with audit.recorded(store, "link-records", arguments) as record:
        report = _link_records(store, as_of=as_of, threshold=threshold, review_band=review_band, model_path=model_path,
                               review_path=review_path, retrain=retrain, **train_options)
        record.touch(rows=report.linked_pairs)
        return report


def _link_records(
    store: GraphStore,
    *,
    as_of: dt.date | None,
    threshold: float,
    review_band: tuple[float, float],
    model_path: Path | None,
    review_path: Path | None,
    retrain: bool,
    **train_options,
) -> LinkReport:
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
    scored["a"] = scored[["unique_id_l", "unique_id_r"]].min(axis=1)
    scored["b"] = scored[["unique_id_l", "unique_id_r"]].max(axis=1)
    scored["key"] = scored["a"] + "|" + scored["b"]
    with review_queue.ReviewQueue.editing(review_path) as queue:  # saved (and unlocked) at the end of the block
        decisions = queue.decisions()  # pair key -> 'accepted' | 'rejected'
        decision = scored["key"].map(decisions)
        fuzzy_only = rests_on_fuzzy_name_and_dob(scored, model) if len(scored) else pd.Series(False, index=scored.index)
        above = scored["match_probability"] >= threshold
        by_model = decision.isna() & above & ~fuzzy_only
        held_fuzzy = decision.isna() & above & fuzzy_only  # to review however high the probability
        in_band = decision.isna() & ~by_model & (held_fuzzy | ((scored["match_probability"] >= low) & (scored["match_probability"] < high)))
        links = scored.loc[by_model, ["a", "b", "key", "match_probability", "match_weight", "explanation"]].copy()
        links["decided_by"] = f"splink: probability >= {threshold}"
        links["method"] = METHOD

        accepted = queue.accepted_links()
        if not accepted.empty:  # both records must still be in the store
            ids = set(people["unique_id"])
            accepted = accepted[accepted["a"].isin(ids) & accepted["b"].isin(ids)]
        links = pd.concat([links, accepted.assign(method=METHOD)], ignore_index=True) if not accepted.empty else links
        kept_apart = int((decision == "rejected").sum())
        rejected = {key for key, status in decisions.items() if status == "rejected"}
        queue.refresh_pending(scored.loc[in_band], raw)

    pairs, clusters, held_apart, removed = link_pairs(store, links, rejected)
    by_id = raw.set_index("id", drop=False)
    shown = [(r.a, r.b, r.match_probability, r.decided_by) for r in links.itertuples(index=False)]
    shown += [(r.a, r.b, r.match_probability,
               "queued for review: a fuzzy name and a fuzzy date of birth, nothing else agreeing" if fuzzy else "queued for review")
              for r, fuzzy in zip(scored.loc[in_band].itertuples(index=False), held_fuzzy[in_band])]
    pair_list = [{"decision": decision, "probability": float(p),
                  "records": [review_queue._record(by_id.loc[a]), review_queue._record(by_id.loc[b])]}
                 for a, b, p, decision in shown if a in by_id.index and b in by_id.index]
    return LinkReport(
        records=len(people),
        pairs_scored=len(scored),
        linked_pairs=int((pairs["method"] != CLUSTER_METHOD).sum()),
        linked_by_model=int(by_model.sum()),
        linked_by_review=len(accepted),
        kept_apart_by_review=kept_apart,
        queued_for_review=queue.pending_count(),
        held_for_review_fuzzy=int(held_fuzzy.sum()),
        pairs=pair_list,
        clusters=clusters["resolved_id"].nunique() if len(clusters) else 0,
        records_in_clusters=len(clusters),
        same_as_removed=removed,
        implied_pairs=int((pairs["method"] == CLUSTER_METHOD).sum()),
        held_apart_by_rejection=held_apart,
        model_path=str(model_path),
        model_note=model.get(GRAPHCASE_KEY, {}).get("note", "model file without graphcase notes"),
        seconds=time.perf_counter() - started,
    )


def write_same_as(store: GraphStore, links: pd.DataFrame) -> int:
    """Upsert SAME_AS for ``links`` (a, b, key, match_probability, match_weight, explanation, decided_by,
    method, resolved_id) and delete SAME_AS links not among them, all in one unit (``store.write_all``): a
    crash leaves the link set before or after, never a mix. Returns the number deleted."""
    loaded_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    load_id = f"link-{loaded_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    existing = store.query(SAME_AS_EXISTING).records()
    wanted = set(links["key"])
    stale = [row for row in existing if row["key"] not in wanted]
    statements = [(SAME_AS_DELETE, {"rows": stale[start : start + WRITE_BATCH]}) for start in range(0, len(stale), WRITE_BATCH)]
    rows = [
        {
            "a": str(r.a),
            "b": str(r.b),
            "key": str(r.key),
            "probability": float(r.match_probability),
            "match_weight": float(r.match_weight),
            "explanation": str(r.explanation),
            "method": str(r.method),
            "resolved_id": str(r.resolved_id),
            "decided_by": str(r.decided_by),
            "load_id": load_id,
            "loaded_at": loaded_at,
        }
        for r in links.itertuples(index=False)
    ]
    statements += [(SAME_AS_UPSERT, {"rows": rows[start : start + WRITE_BATCH]}) for start in range(0, len(rows), WRITE_BATCH)]
    if statements:
        store.write_all(statements)
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
