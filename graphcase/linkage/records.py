"""Person records out of the store, shaped and normalised for Splink (one row per Person record)."""

from __future__ import annotations

import datetime as dt
import re

import jellyfish
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
    frame = pd.DataFrame(result.rows, columns=result.columns)
    if frame.empty:
        return frame
    frame["address_current"] = frame["address_current"].fillna(False).astype(bool)
    frame = frame.sort_values(["id", "address_current", "address_from"], na_position="first")
    return frame.drop_duplicates("id", keep="last").reset_index(drop=True)


NOT_IN_A_NAME = r"[^a-z' -]"  # what cleaning drops from a lower-cased name, in a frame and in one query alike


def _clean_text(series: pd.Series) -> pd.Series:
    """Lower case, letters, apostrophes, spaces and hyphens only; cleaned once per distinct value (a county
    has far fewer names than people)."""
    distinct = pd.Series(series.astype(object).dropna().unique(), dtype=object)
    cleaned = distinct.astype("string").str.lower().str.replace(NOT_IN_A_NAME, "", regex=True).str.strip()
    out = series.astype(object).map(dict(zip(distinct, cleaned.mask(cleaned == "").astype(object))))
    return out.astype("string")


def soundex(series: pd.Series) -> pd.Series:
    """Soundex of each name, worked out once per distinct name (a county has far fewer names than people)."""
    values = series.astype(object)
    codes = {v: jellyfish.soundex(v) for v in values.dropna().unique() if isinstance(v, str) and v}
    return pd.Series([codes.get(v) if isinstance(v, str) else None for v in values], index=series.index, dtype="string")


def normalise_people(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw columns (id, given_name, family_name, dob, sex, nhs_number, postcode) -> the Splink input frame."""
    out = pd.DataFrame({"unique_id": frame["id"].astype("string")})
    out["given_name"] = _clean_text(frame["given_name"])
    out["family_name"] = _clean_text(frame["family_name"])
    dob = pd.to_datetime(frame["dob"], errors="coerce", format="mixed")
    out["dob"] = dob.dt.strftime("%Y-%m-%d").astype("string")
    out["sex"] = _clean_text(frame["sex"]) if "sex" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    nhs = frame["nhs_number"].astype("string").str.replace(r"\s", "", regex=True)
    out["nhs_number"] = nhs.mask(nhs == "")
    postcode = frame["postcode"].astype("string").str.upper().str.strip().str.replace(r"\s+", " ", regex=True)
    out["postcode"] = postcode.mask(postcode == "")
    out["surname_soundex"] = soundex(out["family_name"])
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
