"""Train the person-linkage model without labels, and keep it beside the store.

Steps (Splink, DuckDB backend):

1. ``probability_two_random_records_match`` from near-certain rules (same NHS number; same names and dob),
   assuming they find 60% of true matches.
2. u probabilities (how often *non*-matches agree) from random pairs: ``estimate_u_using_random_sampling``.
3. m probabilities (how often *matches* agree) by expectation maximisation, once per training blocking
   rule, with no labels, when step 1 expects at least ``MIN_MATCHES_FOR_EM`` matching pairs. With fewer
   (a county where one record in a thousand has a duplicate) EM has nothing to learn from: its "match"
   class drifts to household members, who share surname and postcode. Then m keeps its stated priors.
4. A guard on the result (``guard_m_probabilities``): exact must be likelier than different among
   matches, and no m falls below ``M_FLOOR``.

The u sample size (``U_MAX_PAIRS`` = 2 million pairs) is chosen, not defaulted. Random pairs are almost all
non-matches, and u of a level is a simple proportion; its relative error is about 1/sqrt(count). The
rarest level that matters once a pair has been blocked is an exact date of birth (u about 1e-4 in a
county: ~29,000 possible dates), which 2e6 pairs observe ~200 times: about 7% error, i.e. under 0.1 bit
of match weight. Rarer levels (transposed dob ~1e-5, equal NHS number ~1e-6) are seen a handful of times
or not at all; those keep their stated priors, which are of the right order. Going to 1e7 pairs (Splink's
own suggestion for testing) costs ~70 s on this 2-core machine for 1M records and moves weights by less
than the EM noise; 2e6 costs ~15 s. Splink also stops early once each level has 100 observations.

A store with fewer than ``MIN_RECORDS_TO_TRAIN`` records (the 16-record sample bundle) is not trained at
all: a model fitted on 120 pairs would be noise. It is scored with the priors in ``settings.py``, and the
saved model says so.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator

from ..stores.base import GraphStore
from .settings import deterministic_rules, person_settings, training_blocking_rules

DEFAULT_MEMORY_LIMIT = "2GB"
U_MAX_PAIRS = 2e6
EM_MAX_PAIRS = 1e6
MIN_RECORDS_TO_TRAIN = 1_000
M_FLOOR = 0.002
MIN_MATCHES_FOR_EM = 300
MODEL_SUFFIX = ".linkage-model.json"
GRAPHCASE_KEY = "graphcase_training"

logging.getLogger("splink").setLevel(logging.WARNING)


class LinkageError(Exception):
    """Record linkage could not run (no records, unreadable model file, bad threshold)."""


@dataclass
class TrainingReport:
    records: int
    trained: bool
    note: str
    u_max_pairs: float
    em_max_pairs: float
    probability_two_random_records_match: float
    seconds: float = 0.0
    em_rules: list[str] = field(default_factory=list)


def model_path_for(store: GraphStore) -> Path:
    """``<db>.linkage-model.json`` beside an embedded store; ``./graphcase.linkage-model.json`` for a server."""
    if store.dialect == "ladybug":
        return Path(f"{store.location}{MODEL_SUFFIX}")
    return Path(f"graphcase{MODEL_SUFFIX}")


def duckdb_api() -> DuckDBAPI:
    """An in-memory DuckDB for Splink, capped (GRAPHCASE_LINKAGE_MEMORY, default 2GB) so that a large run
    spills to disk instead of taking a shared machine's memory."""
    limit = os.environ.get("GRAPHCASE_LINKAGE_MEMORY", DEFAULT_MEMORY_LIMIT)
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, flags=re.IGNORECASE):
        raise LinkageError(f"GRAPHCASE_LINKAGE_MEMORY={limit!r}: give a size such as 2GB or 800MB")
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{limit}'")
    connection.execute(f"SET temp_directory = '{tempfile.gettempdir()}/graphcase-duckdb-spill'")
    return DuckDBAPI(connection)


def make_linker(frames, settings, db_api: DuckDBAPI | None = None) -> Linker:
    """A DuckDB linker over one frame (dedupe) or a list of frames (link)."""
    db_api = db_api or duckdb_api()
    if isinstance(frames, pd.DataFrame):
        inputs = db_api.register(frames)
    else:
        inputs = [db_api.register(f, dataset_display_name=f"input_{i}") for i, f in enumerate(frames)]
    return Linker(inputs, settings, log_level=None)


def _pair_count(frames) -> float:
    if isinstance(frames, pd.DataFrame):
        return len(frames) * (len(frames) - 1) / 2
    return float(len(frames[0]) * len(frames[1]))


def _record_count(frames) -> int:
    return len(frames) if isinstance(frames, pd.DataFrame) else sum(len(f) for f in frames)


def train_model(
    frames,
    *,
    settings: SettingsCreator | None = None,
    u_max_pairs: float = U_MAX_PAIRS,
    em_max_pairs: float = EM_MAX_PAIRS,
    em_rules=None,
    min_records: int = MIN_RECORDS_TO_TRAIN,
    min_matches_for_em: int = MIN_MATCHES_FOR_EM,
    deterministic_recall: float = 0.6,
    seed: int = 1,
) -> tuple[dict, TrainingReport]:
    """Fit the model on ``frames`` (a normalised person frame, or two frames to link) and return
    (the Splink model as a dict, a report). Nothing is written."""
    started = time.perf_counter()
    n = _record_count(frames)
    if n < 2:
        raise LinkageError(f"record linkage needs at least 2 person records; the store has {n}")
    link_type = "dedupe_only" if isinstance(frames, pd.DataFrame) else "link_only"
    prior = min(0.1, 1.0 / n) if link_type == "dedupe_only" else 1.0 / max(len(f) for f in frames)
    settings = settings or person_settings(
        link_type=link_type, probability_two_random_records_match=prior, record_count=n
    )
    linker = make_linker(frames, settings)
    priors = linker.misc.save_model_to_json()
    rules = list(em_rules if em_rules is not None else training_blocking_rules())
    trained = n >= min_records
    if not trained:
        rules = []
    if trained:
        linker.training.estimate_probability_two_random_records_match(
            deterministic_rules(), recall=deterministic_recall
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
        lam = linker.misc.save_model_to_json()["probability_two_random_records_match"]
        expected_matches = lam * _pair_count(frames)
        note = f"trained on {n:,} records: u from up to {u_max_pairs:,.0f} random pairs"
        if expected_matches >= min_matches_for_em:
            for rule in rules:
                linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_max_pairs)
            note += f", m by EM (about {expected_matches:,.0f} matching pairs)"
        else:
            rules = []
            note += (f"; m kept at the priors: about {expected_matches:,.0f} matching pairs, "
                     f"fewer than the {min_matches_for_em:,} EM needs to learn from")
    else:
        note = f"not trained: {n:,} records < {min_records:,}; scored with the stated priors"
    model = linker.misc.save_model_to_json()
    guarded = guard_m_probabilities(model, priors) if trained else []
    if guarded:
        note += "; " + "; ".join(guarded)
    report = TrainingReport(
        records=n,
        trained=trained,
        note=note,
        u_max_pairs=u_max_pairs,
        em_max_pairs=em_max_pairs,
        probability_two_random_records_match=model["probability_two_random_records_match"],
        em_rules=[_rule_sql(r) for r in rules],
    )
    report.seconds = time.perf_counter() - started
    model[GRAPHCASE_KEY] = asdict(report)
    return model, report


def guard_m_probabilities(model: dict, priors: dict, floor: float = M_FLOOR) -> list[str]:
    """Keep EM honest where the data cannot teach it. Returns what was changed, for the model's note.

    With few true duplicates (a county where one record in a thousand has a twin), EM's "match" class can
    drift to something else, such as members of one household, who share surname and postcode. Two checks
    on each comparison, which no real model fails:

    * the exact level must be at least as likely among matches as the "different" level; if not, the
      comparison's m values go back to their stated priors;
    * no level's m may fall below ``floor``: an m of 0 would let one disagreement (a moved address) veto
      every other agreement. Values are raised to the floor and the comparison renormalised.
    """
    notes = []
    prior_by_name = {c["output_column_name"]: c for c in priors["comparisons"]}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        ms = [lv.get("m_probability") for lv in levels]
        if any(m is None for m in ms):
            continue
        if ms[0] < ms[-1] and name in prior_by_name:
            prior_levels = [lv for lv in prior_by_name[name]["comparison_levels"] if not lv.get("is_null_level")]
            for level, prior in zip(levels, prior_levels):
                level["m_probability"] = prior.get("m_probability")
            notes.append(f"{name}: EM found exact rarer than different among matches, kept the priors")
            continue
        if min(ms) < floor:
            raised = [max(m, floor) for m in ms]
            total = sum(raised)
            for level, m in zip(levels, raised):
                level["m_probability"] = m / total
            notes.append(f"{name}: m raised to at least {floor}")
    return notes


def _rule_sql(rule) -> str:
    return rule.get_blocking_rule("duckdb").blocking_rule_sql


def save_model(model: dict, path: Path) -> None:
    path.write_text(json.dumps(model, indent=1, default=str), encoding="utf-8")


def load_model(path: Path) -> dict:
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LinkageError(f"{path}: cannot read the linkage model ({exc}); delete it or run with --retrain") from exc
    return model


def splink_settings(model: dict) -> dict:
    """The model without graphcase's own notes, as Splink reads it."""
    return {k: v for k, v in model.items() if k != GRAPHCASE_KEY}
