"""Person records out of the store, shaped and normalised for Splink (one row per Person record)."""

from __future__ import annotations

import datetime as dt
import re

from collections.abc import Callable

import jellyfish
import numpy as np
import pandas as pd

from ..stores.base import GraphStore
from .settings import PERSON_COLUMNS

# One query: every Person record, with the postcode of each address it lived at by $as_of. An agency that
# has not heard of a move still holds the old address as its last one, so the latest known address counts
# (a current one first), not only one current at $as_of.
PERSON_RECORDS_CYPHER = """
MATCH (p:Person)
OPTIONAL MATCH (p)-[l:LIVES_AT]->(a:Address)
WHERE l.from_date <= $as_of
RETURN p.id AS id, p.role AS role, p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       p.sex AS sex, p.nhs_number AS nhs_number, p.source_agency AS source_agency,
       p.source_record AS source_record, a.postcode AS postcode, l.from_date AS address_from,
       (l.to_date IS NULL OR l.to_date >= $as_of) AS address_current
"""


def fetch_person_records(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """Raw records as stored, one row each, with the postcode of the latest current address (else the latest
    address the agency knew)."""
    result = store.query(PERSON_RECORDS_CYPHER, {"as_of": as_of})
    return latest_address_rows(pd.DataFrame(result.rows, columns=result.columns)).reset_index(drop=True)


def latest_address_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per ``id`` of rows (id, ..., address_from, address_current) holding each address a record
    lived at by as_of: the latest current address, else the latest address the agency knew."""
    if frame.empty:
        return frame
    frame = frame.assign(address_current=frame["address_current"].fillna(False).astype(bool))
    frame = frame.sort_values(["id", "address_current", "address_from"], na_position="first")
    return frame.drop_duplicates("id", keep="last")


NOT_IN_A_NAME = r"[^a-z' -]"  # what cleaning drops from a lower-cased name, in a frame and in one query alike


def per_distinct(series: pd.Series, clean: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``clean`` (a function of a column) worked out once per distinct value and spread back to every row, as
    an object column with None where missing: a county has far fewer names, dates and postcodes than people
    (a million records normalise in about 1 s this way, against 3 s value by value)."""
    codes, distinct = pd.factorize(series.to_numpy(dtype=object, na_value=None))
    cleaned = clean(pd.Series(distinct, dtype=object)).astype(object)
    cleaned = cleaned.where(cleaned.notna(), None).to_numpy(dtype=object)
    out = np.full(len(codes), None, dtype=object)
    present = codes >= 0
    out[present] = cleaned[codes[present]]
    return pd.Series(out, index=series.index, dtype=object)


def _clean_names(distinct: pd.Series) -> pd.Series:
    """Lower case, letters, apostrophes, spaces and hyphens only; empty as missing."""
    cleaned = distinct.astype("string").str.lower().str.replace(NOT_IN_A_NAME, "", regex=True).str.strip()
    return cleaned.mask(cleaned == "")


def _clean_postcodes(distinct: pd.Series) -> pd.Series:
    postcode = distinct.astype("string").str.upper().str.strip().str.replace(r"\s+", " ", regex=True)
    return postcode.mask(postcode == "")


def _iso_dates(distinct: pd.Series) -> pd.Series:
    """YYYY-MM-DD of whatever form of date was stored or typed; unparseable as missing."""
    return pd.to_datetime(distinct, errors="coerce", format="mixed").dt.strftime("%Y-%m-%d")


def _without_spaces(distinct: pd.Series) -> pd.Series:
    nhs = distinct.astype("string").str.replace(r"\s", "", regex=True)
    return nhs.mask(nhs == "")


def _soundex(distinct: pd.Series) -> pd.Series:
    return distinct.map(lambda v: jellyfish.soundex(v) if isinstance(v, str) and v else None)


def normalise_postcodes(series: pd.Series) -> pd.Series:
    """Upper case, single spaces, empty as missing."""
    return per_distinct(series, _clean_postcodes)


def normalise_people(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw columns (id, given_name, family_name, dob, sex, nhs_number, postcode) -> the Splink input frame."""
    out = pd.DataFrame({"unique_id": frame["id"].astype("string")})
    out["given_name"] = per_distinct(frame["given_name"], _clean_names)
    out["family_name"] = per_distinct(frame["family_name"], _clean_names)
    out["dob"] = per_distinct(frame["dob"], _iso_dates)
    out["sex"] = per_distinct(frame["sex"], _clean_names) if "sex" in frame else None
    out["nhs_number"] = per_distinct(frame["nhs_number"], _without_spaces)
    out["postcode"] = normalise_postcodes(frame["postcode"])
    out["surname_soundex"] = per_distinct(out["family_name"], _soundex)
    for column in PERSON_COLUMNS:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out[list(PERSON_COLUMNS)]


def _clean_one(value) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = re.sub(NOT_IN_A_NAME, "", value.lower()).strip()
    return cleaned or None


def normalise_person(given_name, family_name, dob, sex, nhs_number, postcode) -> dict:
    """One record as :func:`normalise_people` shapes it (a search's query), without a DataFrame's cost."""
    if dob is not None:  # the same parser as the frame's, for whatever form of date was typed
        parsed = pd.to_datetime(pd.Series([dob], dtype=object), errors="coerce", format="mixed").iloc[0]
        dob = None if pd.isna(parsed) else parsed.strftime("%Y-%m-%d")
    nhs = re.sub(r"\s", "", str(nhs_number)) if nhs_number is not None else None
    code = re.sub(r"\s+", " ", str(postcode).upper().strip()) if postcode is not None else None
    family = _clean_one(family_name)
    return {"unique_id": None, "given_name": _clean_one(given_name), "family_name": family, "dob": dob,
            "sex": _clean_one(sex), "nhs_number": nhs or None, "postcode": code or None,
            "surname_soundex": jellyfish.soundex(family) if family else None}
