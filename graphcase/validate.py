"""Validate a raw bundle row by row, column-wise (pandas), against the table schemas.

Returns typed DataFrames of the accepted rows and a list of rejects, each naming file, row, field, reason
and the raw value. A row with any error is rejected whole; rows that point at a rejected or unknown id
are rejected in turn (the reason says which id and why), so nothing half-connected reaches the graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .bundle import ROW_COLUMN, RawTable
from .hashing import row_hashes
from .model import Table, tables

# known_ids(label, ids) -> the subset of ids that already exist in the store
KnownIds = Callable[[str, list[str]], set[str]]


@dataclass(frozen=True)
class Reject:
    file: str
    row: int | None  # None: the whole file
    field: str | None
    reason: str
    value: str | None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.file}" + (f", row {self.row}" if self.row is not None else "")
        where += f", field {self.field}" if self.field else ""
        value = "" if self.value is None else f" (value: {self.value!r})"
        return f"{where}: {self.reason}{value}"


@dataclass
class ValidatedBundle:
    frames: dict[str, pd.DataFrame]  # accepted rows, typed, with ROW_COLUMN
    rejects: list[Reject]
    duplicates_dropped: int = 0

    def accepted_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames.items()}


class _Errors:
    """Collects (row index -> reasons) for one table, column-wise."""

    def __init__(self, raw: RawTable):
        self.raw = raw
        self.rejects: list[Reject] = []
        self.bad = np.zeros(len(raw.frame), dtype=bool)

    def add(self, mask: np.ndarray, field: str | None, reason, values: pd.Series | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.bad |= mask
        rows = self.raw.frame[ROW_COLUMN].to_numpy()[mask]
        vals = values.to_numpy()[mask] if values is not None else [None] * len(rows)
        for row, value in zip(rows, vals):
            text = reason(value) if callable(reason) else reason
            self.rejects.append(Reject(self.raw.path.name, int(row), field, text, value))


PARSED_PREFIX = "_parsed_"  # hidden columns holding dates parsed once, during the value checks


def _parse_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")


def validate_bundle(
    raw: dict[str, RawTable],
    known_ids: KnownIds | None = None,
    today: dt.date | None = None,
) -> ValidatedBundle:
    """Validate every table of ``raw``; ``known_ids`` resolves references to rows already in the store."""
    today = today or dt.date.today()
    known_ids = known_ids or (lambda label, ids: set())
    frames: dict[str, pd.DataFrame] = {}
    rejects: list[Reject] = []
    accepted_ids: dict[str, set[str]] = {}
    rejected_ids: dict[str, dict[str, str]] = {}  # table -> id -> "file row N"
    duplicates = 0
    specs = tables()
    for name, spec in specs.items():
        if name not in raw:
            continue
        table_raw = raw[name]
        frame, errors, file_level = _check_columns(spec, table_raw)
        if file_level:
            rejects.extend(file_level)
            continue
        _check_values(spec, frame, errors, today)
        frame, errors, dropped = _check_keys(spec, frame, errors)
        duplicates += dropped
        if spec.is_node:
            # Ids of nodes of this table are known before references are checked: agencies may cite
            # themselves as source_agency.
            ok_ids = set(frame.loc[~errors.bad, "id"])
            accepted_ids[name] = ok_ids
        _check_references(spec, frame, errors, accepted_ids, rejected_ids, known_ids, specs)
        accepted = frame.loc[~errors.bad].copy()
        if spec.is_node:
            accepted_ids[name] = set(accepted["id"])
            rejected_ids[name] = {
                i: f"{table_raw.path.name} row {r}"
                for i, r in zip(frame.loc[errors.bad, "id"], frame.loc[errors.bad, ROW_COLUMN])
                if i is not None
            }
        frames[name] = _typed(spec, accepted)
        rejects.extend(errors.rejects)
    rejects.sort(key=lambda r: (list(specs).index(r.file.rsplit(".", 1)[0]) if r.file.rsplit(".", 1)[0] in specs else 99, r.row or 0))
    return ValidatedBundle(frames, rejects, duplicates)


def _check_columns(spec: Table, raw: RawTable):
    frame = raw.frame.copy()
    expected = [f.name for f in spec.fields]
    unknown = [c for c in frame.columns if c not in expected and c != ROW_COLUMN]
    missing_required = [f.name for f in spec.fields if f.required and f.name not in frame.columns]
    problems = []
    if unknown:
        problems.append(
            Reject(raw.path.name, None, ",".join(unknown), f"unknown column(s); expected: {', '.join(expected)}", None)
        )
    if missing_required:
        problems.append(Reject(raw.path.name, None, ",".join(missing_required), "required column missing", None))
    if problems:
        problems.append(
            Reject(raw.path.name, None, None, f"whole file rejected ({len(frame)} rows) until its columns are fixed", None)
        )
        return frame, None, problems
    for f in spec.fields:
        if f.name not in frame.columns:
            frame[f.name] = None
    for f in spec.fields:
        if frame[f.name].dtype != object:  # JSON input, or a column pandas typed on its own
            col = frame[f.name].astype(object)
            col = col.where(col.isna(), col.astype(str).str.strip())
            frame[f.name] = col.where(col.notna() & (col != ""), None)
    raw = RawTable(raw.name, raw.path, frame)
    return frame, _Errors(raw), []


def _check_values(spec: Table, frame: pd.DataFrame, errors: _Errors, today: dt.date) -> None:
    parsed_dates: dict[str, pd.Series] = {}
    for f in spec.fields:
        col = frame[f.name]
        present = col.notna().to_numpy()
        if f.required:
            errors.add(~present, f.name, "required value missing")
        if f.type == "date":
            parsed = _parse_dates(col)
            parsed_dates[f.name] = parsed
            frame[PARSED_PREFIX + f.name] = parsed  # kept for _typed: parsing a million dates twice costs seconds
            errors.add(present & parsed.isna().to_numpy(), f.name, "not a valid date (expected YYYY-MM-DD)", col)
            if f.not_future:
                errors.add((parsed > pd.Timestamp(today)).to_numpy(), f.name, f"date is in the future (after {today})", col)
        elif f.type == "flags":
            items = col.dropna().str.split(";").explode().str.strip()
            unknown = items[(items != "") & ~items.isin(f.enum)]
            bad = np.zeros(len(col), dtype=bool)
            bad[col.index.get_indexer(unknown.index.unique())] = True
            errors.add(bad, f.name, f"unknown flag; allowed: {', '.join(f.enum)}", col)
        elif f.enum:
            errors.add(present & ~col.isin(f.enum).to_numpy(), f.name, f"not one of: {', '.join(f.enum)}", col)
        if f.pattern:
            ok = col.fillna("").astype(str).str.fullmatch(f.pattern).to_numpy(dtype=bool)
            errors.add(present & ~ok, f.name, f"does not match the pattern {f.pattern}", col)
    for f in spec.fields:
        if f.not_before:
            before = (parsed_dates[f.name] < parsed_dates[f.not_before]).to_numpy()
            errors.add(before, f.name, f"is before {f.not_before} on the same row", frame[f.name])


def join_key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The key of each row as one string, columns joined by '|' (vectorised: row-wise agg is slow at 1M rows)."""
    keyed = frame[columns[0]].astype(str)
    for column in columns[1:]:
        keyed = keyed + "|" + frame[column].astype(str)
    return keyed


def _check_keys(spec: Table, frame: pd.DataFrame, errors: _Errors):
    """Identical repeated rows are dropped; one key with conflicting values rejects every row of that key.

    Hashes find the candidates (fast at a million rows); rows are then compared exactly, so a hash collision
    can never drop or reject a row.
    """
    key = list(spec.primary_key)
    data_cols = [f.name for f in spec.fields]
    valid = ~errors.bad
    exact_dup = np.zeros(len(frame), dtype=bool)
    maybe_dup = row_hashes(frame[data_cols]).duplicated(keep=False).to_numpy() & valid
    if maybe_dup.any():
        exact_dup[maybe_dup] = frame.loc[maybe_dup].duplicated(subset=data_cols, keep="first").to_numpy()
    dropped = int(exact_dup.sum())
    candidate = valid & ~exact_dup
    maybe_conflict = row_hashes(frame[key]).duplicated(keep=False).to_numpy() & candidate
    if maybe_conflict.any():
        keyed = join_key(frame.loc[maybe_conflict], key)
        counts = keyed.value_counts()
        conflicted = keyed[keyed.isin(counts[counts > 1].index)]
        rows_by_key = frame.loc[conflicted.index, ROW_COLUMN].groupby(conflicted).apply(list).to_dict()
        for index, value in conflicted.items():
            rows = ", ".join(map(str, rows_by_key[value]))
            errors.rejects.append(
                Reject(errors.raw.path.name, int(frame.at[index, ROW_COLUMN]), "+".join(key),
                       f"{'+'.join(key)} {value!r} appears with conflicting values on rows {rows}", value)
            )
            errors.bad[index] = True
    keep = ~exact_dup
    frame = frame.loc[keep].reset_index(drop=True)
    trimmed = _Errors(RawTable(errors.raw.name, errors.raw.path, frame))
    trimmed.rejects, trimmed.bad = errors.rejects, errors.bad[keep]
    return frame, trimmed, dropped


def _check_references(spec, frame, errors, accepted_ids, rejected_ids, known_ids, specs) -> None:
    for f in spec.fields:
        if not f.references:
            continue
        target_table, _ = f.references.split(".")
        target_label = specs[target_table].label
        col = frame[f.name]
        present = col.notna().to_numpy() & ~errors.bad
        if not present.any():
            continue
        local = accepted_ids.get(target_table, set())
        unresolved = sorted(set(col[present]) - local)
        in_store = known_ids(target_label, unresolved) if unresolved else set()
        missing = set(unresolved) - in_store
        if not missing:
            continue
        rejected_here = rejected_ids.get(target_table, {})

        def reason(value, _t=target_table, _r=rejected_here):
            if value in _r:
                return f"refers to {_t} id {value!r}, which was rejected ({_r[value]})"
            return f"refers to unknown {_t} id {value!r} (not in the bundle or the store)"

        errors.add(present & col.isin(missing).to_numpy(), f.name, reason, col)


def _typed(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Accepted rows with dates as datetime64 (NaT for none) and flags split into booleans."""
    out = frame.copy()
    for f in spec.fields:
        if f.type == "date":
            out[f.name] = out.pop(PARSED_PREFIX + f.name).astype("datetime64[s]")
        elif f.type == "flags":
            padded = ";" + out[f.name].fillna("").str.replace(" ", "", regex=False) + ";"
            for flag in f.enum:
                out[flag] = padded.str.contains(f";{flag};", regex=False).astype(bool)
            out = out.drop(columns=[f.name])
    return out.reset_index(drop=True)
