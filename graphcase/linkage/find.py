"""Find a person by name across agencies: every person record that may be them, ranked by the record-linkage
model's own comparisons, with the comparison that matched, so an analyst never needs a record id first.

The query is scored as one more person record against candidate records, with the same Splink model that
``link-records`` uses (the trained model beside the store when there is one, else its stated priors). The
candidates are the records sharing a sound-alike family or given name, the date of birth, the postcode or
the NHS number with the query (dict look-ups built once), so a search costs the comparisons of a few records, scored in Python from the
model's own parameters (``score.py``; Splink's ``score_pairs`` when the model has a level it cannot read).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import re
from dataclasses import dataclass, field

import jellyfish
import pandas as pd

from ..stores.base import GraphStore
from .link import _level_labels, explain_pair, resolved_ids
from .records import fetch_person_records, normalise_people, normalise_person
from .score import CodedColumns, PairScorer
from .settings import PERSON_COLUMNS, person_settings
from .train import LinkageError, load_model, make_linker, model_path_for, splink_settings

QUERY_ID = "__query__"


@dataclass
class Candidate:
    record_id: str
    agency: str
    name: str
    dob: str | None
    postcode: str | None
    probability: float
    match_weight: float
    comparison: str  # each comparison's level and weight, as link-records explains a pair
    resolved_id: str | None  # the person the record is linked to by SAME_AS, when it is


def _query(name: str, dob: str | None, postcode: str | None, nhs_number: str | None) -> dict:
    parts = name.split()
    if not parts:
        raise LinkageError("give a name to search for, e.g. graphcase find \"Jon Smith\"")
    given, family = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (None, parts[0])
    return normalise_person(given, family, dob, None, nhs_number, postcode) | {"unique_id": QUERY_ID}


def _given_key(given: str | None, surname_soundex: str | None) -> tuple[str, str] | None:
    """A sound-alike given name with the same family-name initial sound (Jon Smyth ~ John Smith)."""
    if not given or not surname_soundex:
        return None
    return jellyfish.soundex(given), surname_soundex[:1]


KEYED_COLUMNS = ("surname_soundex", "dob", "postcode", "nhs_number")


@dataclass
class CandidateIndex:
    """Record positions by each value a candidate may share with the query, built once per store."""

    by_column: dict[str, dict[str, list[int]]]
    by_given: dict[tuple[str, str], list[int]]

    @classmethod
    def build(cls, people: pd.DataFrame) -> CandidateIndex:
        by_column = {c: {} for c in KEYED_COLUMNS}
        for column in KEYED_COLUMNS:
            for position, value in enumerate(people[column]):
                if value is not None:
                    by_column[column].setdefault(value, []).append(position)
        sounds = {v: jellyfish.soundex(v) for v in people["given_name"].dropna().unique() if isinstance(v, str) and v}
        by_given: dict[tuple[str, str], list[int]] = {}
        for position, (given, surname) in enumerate(zip(people["given_name"], people["surname_soundex"])):
            if given in sounds and surname:
                by_given.setdefault((sounds[given], surname[:1]), []).append(position)
        return cls(by_column, by_given)

    def candidates(self, query: dict, year: str | None, dobs: list) -> list[int]:
        """Positions of the records sharing a sound-alike family name, the dob, the postcode or the NHS number
        with the query, or a sound-alike given name and family-name initial; born in ``year`` if given."""
        found: set[int] = set()
        for column in KEYED_COLUMNS:
            if query[column] is not None:
                found.update(self.by_column[column].get(query[column], ()))
        key = _given_key(query["given_name"], query["surname_soundex"])
        if key is not None:
            found.update(self.by_given.get(key, ()))
        if year:
            found = {p for p in found if isinstance(dobs[p], str) and dobs[p].startswith(year)}
        return sorted(found)


@dataclass
class Scored:
    record_id: str
    position: int
    match_weight: float
    probability: float
    gammas: dict[str, int]
    weights: dict[str, float]  # each comparison's weight with its term-frequency adjustment


SHOWN = ("source_agency", "given_name", "family_name", "dob", "postcode")


@dataclass
class PersonIndex:
    """What every search of one store as of one day shares: its records, normalised, indexed by the values a
    candidate may share with the query, and the scoring model. Building it is most of a search's cost; a
    server whose store does not change keeps one (graphcase serve)."""

    as_of: dt.date
    raw: pd.DataFrame
    people: pd.DataFrame
    linker: object | None
    model: dict | None  # the trained model's settings, None when scored with the priors
    linked: dict[str, str]
    columns: dict[str, list] = field(default_factory=dict)  # people's normalised columns, by position
    shown: dict[str, list] = field(default_factory=dict)  # the raw values a hit shows, by position
    candidates: CandidateIndex | None = None
    coded: CodedColumns | None = None  # people's columns as integer codes, for scoring many candidates at once
    scorer: PairScorer | None = None  # None: a model score.py cannot read; Splink's score_pairs scores it
    labels: dict[str, dict[int, str]] = field(default_factory=dict)
    prior: float = 0.0

    @classmethod
    def build(cls, store: GraphStore, as_of: dt.date) -> PersonIndex:
        raw = fetch_person_records(store, as_of)
        if raw.empty:
            return cls(as_of, raw, raw, None, None, {})
        people = normalise_people(raw)
        path = model_path_for(store)
        model = splink_settings(load_model(path)) if path.exists() else None
        settings = model or person_settings(probability_two_random_records_match=min(0.1, 1.0 / len(people)), record_count=len(people))
        # The direct scorer reads only the linker's settings: one record is enough to make one.
        linker = make_linker(people.head(1), settings)
        scorer = PairScorer.from_linker(linker, people)
        if scorer is None:
            linker = make_linker(people, settings)
            for column in ("given_name", "family_name"):
                linker.table_management.compute_tf_table(column)
        explained_by = model or linker.misc.save_model_to_json()
        lam = explained_by["probability_two_random_records_match"]
        return cls(as_of, raw.set_index("id", drop=False), people, linker, model, resolved_ids(store),
                   {c: people[c].tolist() for c in PERSON_COLUMNS},
                   {c: [None if pd.isna(v) else v for v in raw[c]] for c in SHOWN},
                   CandidateIndex.build(people), CodedColumns.of(people[list(PERSON_COLUMNS)]), scorer, _level_labels(explained_by), math.log2(lam / (1 - lam)))

    def record(self, position: int) -> dict:
        return {c: values[position] for c, values in self.columns.items()}

    def best(self, query: dict, positions: list[int], limit: int) -> list[Scored]:
        """The ``limit`` best candidates, highest match weight first (then by record id)."""
        if self.scorer is None:
            return sorted(self.score(query, positions), key=lambda s: (-s.match_weight, s.record_id))[:limit]
        weights = self.scorer.match_weights(query, self.coded, positions).tolist()
        ids = self.columns["unique_id"]
        top = heapq.nsmallest(limit, range(len(positions)), key=lambda i: (-weights[i], ids[positions[i]]))
        return self.score(query, [positions[i] for i in top])

    def score(self, query: dict, positions: list[int]) -> list[Scored]:
        """Each candidate scored against the query: directly, or by Splink when the model needs it."""
        if self.scorer is not None:
            out = []
            for position in positions:
                s = self.scorer.score(query, self.record(position))
                out.append(Scored(self.columns["unique_id"][position], position, s.match_weight, s.match_probability,
                                  s.gammas, s.weights))
            return out
        frame = self.linker.inference.score_pairs([query], [self.record(p) for p in positions]).as_pandas_dataframe()
        at = {uid: p for p, uid in zip(positions, (self.columns["unique_id"][p] for p in positions))}
        names = list(self.labels)
        return [Scored(row["unique_id_r"], at[row["unique_id_r"]], float(row["match_weight"]), float(row["match_probability"]),
                       {n: int(row[f"gamma_{n}"]) for n in names},
                       {n: float(row[f"mw_{n}"]) + (0.0 if pd.isna(row.get(f"mw_tf_adj_{n}")) else float(row.get(f"mw_tf_adj_{n}")))
                        for n in names})
                for row in frame.to_dict("records")]

    def candidate(self, scored: Scored) -> Candidate:
        shown = {c: values[scored.position] for c, values in self.shown.items()}
        return Candidate(
            record_id=scored.record_id, agency=str(shown["source_agency"]),
            name=" ".join(str(v) for v in (shown["given_name"], shown["family_name"]) if v),
            dob=str(shown["dob"]) if shown["dob"] is not None else None, postcode=shown["postcode"],
            probability=scored.probability, match_weight=scored.match_weight,
            comparison=explain_pair(self.labels, self.prior, scored.gammas, scored.weights, scored.match_weight),
            resolved_id=self.linked.get(scored.record_id),
        )


def find_person(store: GraphStore, name: str, *, dob: str | None = None, postcode: str | None = None,
                nhs_number: str | None = None, as_of: dt.date | None = None, limit: int = 20,
                index: PersonIndex | None = None) -> list[Candidate]:
    """Person records that may be ``name`` (optionally born ``dob``: a date or a year), best first.

    ``index`` (a :class:`PersonIndex` of the same store and day) skips re-reading the store and rebuilding
    the model.

    >>> from graphcase import open_store
    >>> with open_store("graphcase.db", read_only=True) as store:  # doctest: +SKIP
    ...     hits = find_person(store, "Jon Smith", dob="1990")
    """
    year = dob if dob and re.fullmatch(r"\d{4}", dob) else None
    index = index or PersonIndex.build(store, as_of or dt.date.today())
    if index.raw.empty:
        return []
    query = _query(name, None if year else dob, postcode, nhs_number)
    positions = index.candidates.candidates(query, year, index.columns["dob"])
    return [index.candidate(s) for s in index.best(query, positions, limit)]
