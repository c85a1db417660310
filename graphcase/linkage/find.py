"""Find a person by name across agencies: every person record that may be them, ranked by the record-linkage
model's own comparisons, with the comparison that matched, so an analyst never needs a record id first.

The query is scored as one more person record against candidate records, with the same Splink model that
``link-records`` uses (the trained model beside the store when there is one, else its stated priors). The
candidates are the records sharing a sound-alike family or given name, the date of birth, the postcode or
the NHS number with the query (a cheap pandas filter), so a search costs the comparisons of a few records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import jellyfish
import pandas as pd

from ..stores.base import GraphStore
from .link import explain_pairs, resolved_ids
from .records import fetch_person_records, normalise_people
from .settings import person_settings
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


def _query_frame(name: str, dob: str | None, postcode: str | None, nhs_number: str | None) -> pd.DataFrame:
    parts = name.split()
    if not parts:
        raise LinkageError("give a name to search for, e.g. graphcase find \"Jon Smith\"")
    given, family = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (None, parts[0])
    raw = pd.DataFrame([{"id": QUERY_ID, "given_name": given, "family_name": family, "dob": dob, "sex": None,
                         "nhs_number": nhs_number, "postcode": postcode}])
    return normalise_people(raw)


def _candidates(people: pd.DataFrame, query: pd.Series, year: str | None) -> pd.DataFrame:
    same = pd.Series(False, index=people.index)
    for column in ("surname_soundex", "dob", "postcode", "nhs_number"):
        if query[column] is not None:
            same |= people[column] == query[column]
    if query["given_name"] is not None:
        sound = jellyfish.soundex(query["given_name"])
        given_sound = people["given_name"].map(lambda v: jellyfish.soundex(v) if isinstance(v, str) and v else None)
        same |= (given_sound == sound) & (people["surname_soundex"].str[:1] == (query["surname_soundex"] or "")[:1])
    found = people[same]
    if year:
        found = found[found["dob"].fillna("").str.startswith(year)]
    return found


@dataclass
class PersonIndex:
    """What every search of one store as of one day shares: its records, normalised, and the scoring model.
    Building it is most of a search's cost; a server whose store does not change keeps one (graphcase serve)."""

    as_of: dt.date
    raw: pd.DataFrame
    people: pd.DataFrame
    linker: object | None
    model: dict | None
    linked: dict[str, str]

    @classmethod
    def build(cls, store: GraphStore, as_of: dt.date) -> PersonIndex:
        raw = fetch_person_records(store, as_of)
        if raw.empty:
            return cls(as_of, raw, raw, None, None, {})
        people = normalise_people(raw)
        path = model_path_for(store)
        model = splink_settings(load_model(path)) if path.exists() else None
        settings = model or person_settings(probability_two_random_records_match=min(0.1, 1.0 / len(people)), record_count=len(people))
        linker = make_linker(people, settings)
        for column in ("given_name", "family_name"):
            linker.table_management.compute_tf_table(column)
        return cls(as_of, raw.set_index("id", drop=False), people, linker, model, resolved_ids(store))


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
    query = _query_frame(name, None if year else dob, postcode, nhs_number).iloc[0]
    candidates = _candidates(index.people, query, year)
    if candidates.empty:
        return []
    linker = index.linker
    scored = linker.inference.score_pairs([query.to_dict()], candidates.to_dict("records")).as_pandas_dataframe()
    if scored.empty:
        return []
    scored["explanation"] = explain_pairs(scored, index.model or linker.misc.save_model_to_json())
    scored = scored.sort_values(["match_weight", "unique_id_r"], ascending=[False, True]).head(limit)
    by_id = index.raw
    linked = index.linked
    return [
        Candidate(
            record_id=row.unique_id_r, agency=str(by_id.at[row.unique_id_r, "source_agency"]),
            name=" ".join(str(v) for v in (by_id.at[row.unique_id_r, "given_name"], by_id.at[row.unique_id_r, "family_name"]) if v and not pd.isna(v)),
            dob=str(by_id.at[row.unique_id_r, "dob"]) if not pd.isna(by_id.at[row.unique_id_r, "dob"]) else None,
            postcode=by_id.at[row.unique_id_r, "postcode"] if not pd.isna(by_id.at[row.unique_id_r, "postcode"]) else None,
            probability=float(row.match_probability), match_weight=float(row.match_weight),
            comparison=row.explanation, resolved_id=linked.get(row.unique_id_r),
        )
        for row in scored.itertuples()
    ]
