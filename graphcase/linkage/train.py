"""Train the person-linkage model without labels, and keep it beside the store.

Steps (Splink, DuckDB backend):

1. ``probability_two_random_records_match`` from near-certain rules (same NHS number; same names and dob),
   assuming they find 60% of true matches.
2. u probabilities (how often *non*-matches agree) from random pairs: ``estimate_u_using_random_sampling``.
3. m probabilities (how often *matches* agree) by expectation maximisation, once per training blocking
   rule, with no labels, when step 1 expects at least ``MIN_MATCHES_FOR_EM`` matching pairs. With fewer
   (a county where one record in a thousand has a duplicate) EM has nothing to learn from: its "match"
   class drifts to household members, who share surname and postcode. Then m keeps its stated priors.
   In that case m is instead updated from *deterministic labels* (``m_from_deterministic_labels``): pairs
   that share an NHS number, or full name and date of birth, are near-certain matches, and each teaches
   the comparisons it does not decide on (NHS-number pairs: names, dob, postcode, sex; name-and-dob
   pairs: postcode, sex, NHS number), the way EM leaves out the comparisons of its blocking rule. The
   counts update the stated priors as a Dirichlet prior worth ``LABEL_PRIOR_WEIGHT`` labelled pairs,
   so ten labels nudge a prior and a thousand replace it.
4. A level that random sampling never observed (an equal NHS number between two different people) keeps
   no stated guess: its u becomes the Jeffreys estimate for zero events in the pairs sampled,
   0.5 / (pairs + 1) (``u_for_unobserved_levels``).
5. A guard on the result (``guard_m_probabilities``): exact must be likelier than different among
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

import atexit
import contextvars
import functools
import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator

from ..files import atomic_write_text, private_temp_dir
from ..stores.base import GraphStore
from .settings import DETERMINISTIC_RULE_COLUMNS, deterministic_rules, person_settings, training_blocking_rules

DEFAULT_MEMORY_LIMIT = "2GB"
U_MAX_PAIRS = 2e6
EM_MAX_PAIRS = 1e6
MIN_RECORDS_TO_TRAIN = 1_000
M_FLOOR = 0.002
MIN_MATCHES_FOR_EM = 300
LABEL_PRIOR_WEIGHT = 30  # the stated m priors count as this many labelled pairs
MAX_LABEL_PAIRS = 200_000
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
    connection.execute("SET temp_directory = ?", [str(_current_spill_folder())])
    return DuckDBAPI(connection)


_spill_folder: contextvars.ContextVar[Path | None] = contextvars.ContextVar("graphcase_spill_folder", default=None)


def uses_spill_folder(function):
    """Run ``function`` with DuckDB spilling into a fresh private (0700) temp folder, removed when it returns.

    Spill files hold fragments of people's names and dates of birth: never a fixed, shared /tmp path.
    Nested calls (link_records -> train_model) share the outer call's folder.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _spill_folder.get() is not None:
            return function(*args, **kwargs)
        with private_temp_dir("graphcase-duckdb-spill-") as folder:
            token = _spill_folder.set(folder)
            try:
                return function(*args, **kwargs)
            finally:
                _spill_folder.reset(token)

    return wrapper


def _current_spill_folder() -> Path:
    folder = _spill_folder.get()
    if folder is None:  # a linker made outside uses_spill_folder: a private folder removed at exit
        folder = Path(tempfile.mkdtemp(prefix="graphcase-duckdb-spill-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


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


@uses_spill_folder
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
        after_u = linker.misc.save_model_to_json()
        unobserved = u_for_unobserved_levels(after_u, priors, min(u_max_pairs, _pair_count(frames)))
        if unobserved:  # carry the corrected u on in a linker built from the model
            linker = make_linker(frames, after_u)
        lam = linker.misc.save_model_to_json()["probability_two_random_records_match"]
        expected_matches = lam * _pair_count(frames)
        note = f"trained on {n:,} records: u from up to {u_max_pairs:,.0f} random pairs"
        if expected_matches >= min_matches_for_em:
            for rule in rules:
                linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_max_pairs)
            note += f", m by EM (about {expected_matches:,.0f} matching pairs)"
        else:
            rules = []
            note += (f"; no EM: about {expected_matches:,.0f} matching pairs, "
                     f"fewer than the {min_matches_for_em:,} EM needs to learn from")
        if unobserved:
            note += "; u of levels never seen in random pairs (Jeffreys): " + ", ".join(unobserved)
    else:
        note = f"not trained: {n:,} records < {min_records:,}; scored with the stated priors"
    model = linker.misc.save_model_to_json()
    if trained and not rules:
        note += "; " + m_from_deterministic_labels(model, priors, frames)
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


def _non_null_levels(comparison: dict) -> list[dict]:
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def u_for_unobserved_levels(model: dict, priors: dict, pairs_sampled: float) -> list[str]:
    """Levels whose u random sampling never observed keep their stated prior in Splink; replace it (in
    ``model``) with the Jeffreys estimate for zero events in ``pairs_sampled`` pairs, 0.5 / (pairs + 1).
    Returns the levels changed. (An equal NHS number between two different people: the prior 1e-5 was a
    guess; 2 million pairs without one say it is rarer.)"""
    prior_by_name = {c["output_column_name"]: c for c in priors["comparisons"]}
    changed = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        if name not in prior_by_name:
            continue
        for level, prior in zip(_non_null_levels(comparison), _non_null_levels(prior_by_name[name])):
            if prior.get("u_probability") is not None and level.get("u_probability") == prior["u_probability"]:
                level["u_probability"] = 0.5 / (pairs_sampled + 1)
                changed.append(f"{name} {level.get('label_for_charts')} u={level['u_probability']:.1e}")
    return changed


def m_from_deterministic_labels(model: dict, priors: dict, frames, prior_weight: float = LABEL_PRIOR_WEIGHT) -> str:
    """Update m of ``model`` in place from pairs the deterministic rules call matches (see the module
    docstring); a comparison learns only from pairs of rules that do not decide on it. Posterior mean
    of a Dirichlet prior: m_level = (count + w * prior_m) / (labels + w). Returns a note."""
    from splink import block_on

    settings = {k: v for k, v in model.items() if k != GRAPHCASE_KEY}
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": _rule_sql(block_on(*columns))} for columns in DETERMINISTIC_RULE_COLUMNS
    ]
    pairs = make_linker(frames, settings).inference.predict().as_pandas_dataframe(limit=MAX_LABEL_PAIRS)
    if pairs.empty:
        return "m kept at the stated priors: no pair matches a deterministic rule"
    exact = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        if f"gamma_{name}" in pairs:
            exact[name] = len(_non_null_levels(comparison)) - 1  # Splink numbers the top level highest
    rule_holds = [
        pd.concat([pairs[f"gamma_{c}"] == exact[c] for c in columns], axis=1).all(axis=1)
        for columns in DETERMINISTIC_RULE_COLUMNS if all(c in exact for c in columns)
    ]
    rule_columns = [columns for columns in DETERMINISTIC_RULE_COLUMNS if all(c in exact for c in columns)]
    prior_by_name = {c["output_column_name"]: c for c in priors["comparisons"]}
    taught = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        if name not in exact or name not in prior_by_name:
            continue
        teaching = pd.Series(False, index=pairs.index)
        for columns, holds in zip(rule_columns, rule_holds):
            if name not in columns:
                teaching |= holds
        gammas = pairs.loc[teaching, f"gamma_{name}"].astype(int)
        gammas = gammas[gammas >= 0]  # a missing value teaches nothing
        if gammas.empty:
            continue
        counts = gammas.value_counts()
        levels = _non_null_levels(comparison)
        prior_levels = _non_null_levels(prior_by_name[name])
        for index, (level, prior) in enumerate(zip(levels, prior_levels)):
            gamma = len(levels) - 1 - index
            level["m_probability"] = (counts.get(gamma, 0) + prior_weight * prior["m_probability"]) / (len(gammas) + prior_weight)
        taught.append(f"{name} ({len(gammas)})")
    if not taught:
        return "m kept at the stated priors: the deterministic pairs teach no comparison"
    return (f"m updated from {int(pd.concat(rule_holds, axis=1).any(axis=1).sum()):,} deterministic-rule pairs "
            f"(labels per comparison: {', '.join(taught)}; priors weigh {prior_weight:g} labels)")


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
    atomic_write_text(path, json.dumps(model, indent=1, default=str))


def load_model(path: Path) -> dict:
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LinkageError(f"{path}: cannot read the linkage model ({exc}); delete it or run with --retrain") from exc
    return model


def splink_settings(model: dict) -> dict:
    """The model without graphcase's own notes, as Splink reads it."""
    return {k: v for k, v in model.items() if k != GRAPHCASE_KEY}
