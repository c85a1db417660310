"""Validate a raw bundle row by row, column-wise (Arrow compute, C++), against the table schemas.

Returns typed tables of the accepted rows and a list of rejects, each naming file, row, field, reason and
the raw value. A row with any error is rejected whole; rows that point at a rejected or unknown id are
rejected in turn (the reason says which id and why), so nothing half-connected reaches the graph.

Every check is one vectorised pass over an Arrow column giving a mask; only rejected rows ever become Python
values (for their reject lines). On a million-person county this is several times faster than the same
checks over pandas object columns.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .bundle import ROW_COLUMN, RawTable
from .limits import InputLimits
from .rejects import Reject, clip
from ..model.hashing import join_key_arrow, row_hashes
from ..model import Table, tables
from ..model.restrictions import ROLES, split_visible_to

# known_ids(label, ids) -> the subset of ids that already exist in the store
KnownIds = Callable[[str, list[str]], set[str]]
# stored_ids(label) -> every id of that label the store holds (for ids that differ from one only in case)
StoredIds = Callable[[str], pa.Array]


@dataclass
class ValidatedBundle:
    tables: dict[str, pa.Table]  # accepted rows, typed (date32, bool), with ROW_COLUMN
    rejects: list[Reject]
    duplicates: dict[str, int] = field(default_factory=dict)  # table -> identical repeated rows dropped
    rejected: dict[str, int] = field(default_factory=dict)  # table -> rows rejected (a whole file: all its rows)

    @property
    def duplicates_dropped(self) -> int:
        return sum(self.duplicates.values())

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """The accepted rows as pandas (Arrow-backed columns, no copy)."""
        return {name: t.to_pandas(types_mapper=pd.ArrowDtype) for name, t in self.tables.items()}

    def accepted_counts(self) -> dict[str, int]:
        return {name: t.num_rows for name, t in self.tables.items()}


def _mask(values) -> np.ndarray:
    """An Arrow boolean result as a numpy mask (null counts as False)."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


class _Errors:
    """Collects the rejects of one table and which rows are bad, column-wise."""

    def __init__(self, path_name: str, rows: np.ndarray, read_rejects: list[Reject] = ()):
        self.file = path_name
        self.rows = rows  # the ROW_COLUMN values
        self.rejects: list[Reject] = list(read_rejects)
        # Rows refused while reading hold no values: their reject says why, and no check repeats it.
        self.unread = np.isin(rows, [r.row for r in read_rejects])
        self.bad = self.unread.copy()

    def add(self, mask: np.ndarray, field: str | None, reason, values: pa.ChunkedArray | None = None) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.unread
        if not mask.any():
            return
        self.bad |= mask
        rows = self.rows[mask]
        vals = values.filter(pa.array(mask)).to_pylist() if values is not None else [None] * len(rows)
        for row, value in zip(rows, vals):
            text = reason(value) if callable(reason) else reason
            self.rejects.append(Reject(self.file, int(row), field, text, clip(value)))

    def keep(self, keep: np.ndarray) -> _Errors:
        trimmed = _Errors(self.file, self.rows[keep])
        trimmed.rejects, trimmed.bad, trimmed.unread = self.rejects, self.bad[keep], self.unread[keep]
        return trimmed


def validate_bundle(
    raw: dict[str, RawTable],
    known_ids: KnownIds | None = None,
    today: dt.date | None = None,
    limits: InputLimits | None = None,
    stored_ids: StoredIds | None = None,
) -> ValidatedBundle:
    """Validate every table of ``raw``; ``known_ids`` resolves references to rows already in the store, and
    ``stored_ids`` gives the store's ids of a label, so that a new id spelt like a stored one is rejected."""
    today = today or dt.date.today()
    limits = limits or InputLimits()
    known_ids = known_ids or (lambda label, ids: set())
    out: dict[str, pa.Table] = {}
    rejects: list[Reject] = list(getattr(raw, "rejects", ()))  # whole files the reader refused
    accepted_ids: dict[str, pa.ChunkedArray] = {}
    rejected_ids: dict[str, dict[str, str]] = {}  # table -> id -> "file row N"
    duplicates: dict[str, int] = {}
    rejected: dict[str, int] = {}
    specs = tables()
    for name, spec in specs.items():
        if name not in raw:
            continue
        table_raw = raw[name]
        table, file_level = _check_columns(spec, table_raw)
        if file_level:
            rejects.extend(file_level)
            rejected[name] = table_raw.table.num_rows
            continue
        errors = _Errors(table_raw.path.name, table[ROW_COLUMN].to_numpy(), table_raw.rejects)
        parsed = _check_values(spec, table, errors, today, limits)
        _check_ids(spec, table, errors)
        if spec.is_node and stored_ids is not None and table.num_rows:
            _check_ids_against_store(table, errors, stored_ids(spec.label))
        table, parsed, errors, dropped = _check_keys(spec, table, parsed, errors)
        duplicates[name] = dropped
        if spec.is_node:
            # Ids of nodes of this table are known before references are checked: agencies may cite
            # themselves as source_agency.
            accepted_ids[name] = table["id"].filter(pa.array(~errors.bad))
        _check_references(spec, table, errors, accepted_ids, rejected_ids, known_ids, specs)
        _check_visible_to(spec, table, errors, accepted_ids, known_ids)
        good = pa.array(~errors.bad)
        if spec.is_node:
            accepted_ids[name] = table["id"].filter(good)
            bad = pa.array(errors.bad)
            rejected_ids[name] = {
                i: f"{table_raw.path.name} row {r}"
                for i, r in zip(table["id"].filter(bad).to_pylist(), table[ROW_COLUMN].filter(bad).to_pylist())
                if i is not None
            }
        out[name] = _typed(spec, table, parsed, good)
        rejects.extend(errors.rejects)
        rejected[name] = int(errors.bad.sum())
    order = {name: i for i, name in enumerate(specs)}
    # Whole-file problems first: one of them explains many row rejects (a missing people file, every reference).
    rejects.sort(key=lambda r: (r.row is not None, order.get(r.file.rsplit(".", 1)[0], 99), r.row or 0))
    return ValidatedBundle(out, rejects, duplicates, rejected)


def _check_columns(spec: Table, raw: RawTable) -> tuple[pa.Table, list[Reject]]:
    table = raw.table
    expected = [f.name for f in spec.fields]
    unknown = [c for c in table.column_names if c not in expected and c != ROW_COLUMN]
    missing_required = [f.name for f in spec.fields if f.required and f.name not in table.column_names]
    problems = []
    if unknown:
        problems.append(
            Reject(raw.path.name, None, clip(",".join(unknown)), f"unknown column(s); expected: {', '.join(expected)}", None)
        )
    if missing_required:
        problems.append(Reject(raw.path.name, None, ",".join(missing_required), "required column missing", None))
    if problems:
        problems.append(
            Reject(raw.path.name, None, None, f"whole file rejected ({table.num_rows} rows) until its columns are fixed", None)
        )
        return table, problems
    columns = {}
    for f in spec.fields:
        if f.name in table.column_names:
            columns[f.name] = table[f.name].cast(pa.string())
        else:
            columns[f.name] = pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    columns[ROW_COLUMN] = table[ROW_COLUMN]
    return pa.table(columns), []


def _check_values(spec: Table, table: pa.Table, errors: _Errors, today: dt.date, limits: InputLimits) -> dict[str, pa.ChunkedArray]:
    """Value checks; returns the date columns parsed once (date32, null where absent or invalid)."""
    parsed_dates: dict[str, pa.ChunkedArray] = {}
    for f in spec.fields:
        col = table[f.name]
        present = _mask(pc.is_valid(col))
        if f.required:
            errors.add(~present, f.name, "required value missing")
        if f.type == "date":
            dates = _parse_dates(col)
            parsed_dates[f.name] = dates
            errors.add(present & ~_mask(pc.is_valid(dates)), f.name, "not a valid date (expected YYYY-MM-DD)", col)
            earliest, latest = pa.scalar(limits.earliest_date, pa.date32()), pa.scalar(limits.latest_date, pa.date32())
            outside = _mask(pc.or_(pc.less(dates, earliest), pc.greater(dates, latest)))
            errors.add(outside, f.name, f"date outside the accepted range {limits.earliest_date} to {limits.latest_date} (--date-range)", col)
            if f.not_future:
                future = _mask(pc.greater(dates, pa.scalar(today, pa.date32())))
                errors.add(future, f.name, f"date is in the future (after {today})", col)
        elif f.type == "flags":
            items = pc.split_pattern(col, ";")
            flat = pc.utf8_trim_whitespace(pc.list_flatten(items))
            unknown = _mask(pc.and_(pc.not_equal(flat, ""), pc.invert(pc.is_in(flat, value_set=pa.array(f.enum)))))
            bad = np.zeros(table.num_rows, dtype=bool)
            bad[np.asarray(pc.list_parent_indices(items).to_numpy(zero_copy_only=False))[unknown]] = True
            errors.add(bad, f.name, f"unknown flag; allowed: {', '.join(f.enum)}", col)
        elif f.enum:
            errors.add(present & ~_mask(pc.is_in(col, value_set=pa.array(f.enum))), f.name, f"not one of: {', '.join(f.enum)}", col)
        if f.pattern:
            ok = _mask(pc.match_substring_regex(col, f"^(?:{f.pattern})$"))
            errors.add(present & ~ok, f.name, f"does not match the pattern {f.pattern}", col)
    for f in spec.fields:
        if f.not_before:
            before = _mask(pc.less(parsed_dates[f.name], parsed_dates[f.not_before]))
            errors.add(before, f.name, f"is before {f.not_before} on the same row", table[f.name])
    _check_row_rules(spec, table, errors)
    return parsed_dates


def _check_row_rules(spec: Table, table: pa.Table, errors: _Errors) -> None:
    """Rules between the fields of one row (model.Field: required_unless, excludes, requires, requires_flag,
    only_when, differs_from)."""

    def given(name: str) -> np.ndarray:
        return _mask(pc.and_(pc.is_valid(table[name]), pc.not_equal(pc.utf8_trim_whitespace(table[name]), "")))

    for f in spec.fields:
        col, present = table[f.name], given(f.name)
        if f.required_unless:
            errors.add(~present & ~given(f.required_unless), f.name, f"required when {f.required_unless} is empty")
        if f.excludes:
            errors.add(present & given(f.excludes), f.name, f"must be empty when {f.excludes} is given (one or the other)", col)
        if f.requires:
            errors.add(present & ~given(f.requires), f.name, f"needs {f.requires} on the same row", col)
        if f.requires_flag:
            flags_field = next(g.name for g in spec.fields if g.type == "flags")
            padded = pc.binary_join_element_wise(";", pc.replace_substring(pc.fill_null(table[flags_field], ""), " ", ""), ";", "")
            flagged = _mask(pc.match_substring(padded, f";{f.requires_flag};"))
            errors.add(present & ~flagged, f.name, f"needs the {f.requires_flag} flag in {flags_field} on the same row", col)
        if f.only_when:
            other, value = f.only_when
            errors.add(present & ~_mask(pc.equal(table[other], value)), f.name, f"only allowed when {other} is {value}", col)
        if f.differs_from:
            errors.add(present & _mask(pc.equal(col, table[f.differs_from])), f.name, f"is the same as {f.differs_from}", col)


# Characters that make two ids look the same or show one out of order: controls, zero-width and bidirectional
# format characters, private-use and unassigned code points, line/paragraph separators, non-ASCII spaces.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"}


def _id_fields(spec: Table) -> list[str]:
    return [f.name for f in spec.fields if f.name == "id" or f.name.endswith("_id") or f.references]


def _invisible(value: str) -> str | None:
    """The first character of ``value`` nobody can see (or that reorders text), described; None if none."""
    for position, char in enumerate(value, 1):
        if unicodedata.category(char) in INVISIBLE_CATEGORIES and char != " ":
            name = unicodedata.name(char, "unnamed")
            return f"U+{ord(char):04X} ({name}) at character {position}"
    return None


def _check_ids(spec: Table, table: pa.Table, errors: _Errors) -> None:
    """Ids with invisible or bidirectional-control characters are rejected; so are ids of one node table that
    differ only in case or spacing: an extract that spells one id two ways would otherwise load two people
    (or two agencies) where the source meant one, silently."""
    for name in _id_fields(spec):
        col = table[name]
        unusual = _mask(pc.invert(pc.ascii_is_printable(col)))  # anything but printable ASCII: few rows
        if not unusual.any():
            continue
        found = [_invisible(v) for v in col.filter(pa.array(unusual)).to_pylist()]
        hidden = np.zeros(len(unusual), dtype=bool)
        hidden[np.flatnonzero(unusual)] = [f is not None for f in found]
        errors.add(hidden, name, lambda v: f"id contains an invisible, control or bidirectional character: {_invisible(v)}", col)
    if spec.is_node:
        _check_look_alike_ids(table, errors)


def _fold(ids):
    """What an id looks like to a person: compatibility forms unified (full-width letters, ligatures: NFKC),
    lower case, without spaces. Other whitespace in an id is rejected above as invisible, so plain spaces only."""
    if pc.all(pc.string_is_ascii(ids)).as_py() is False:
        folded = pc.utf8_lower(pc.utf8_normalize(ids, "NFKC"))
    else:  # the usual case, 20 times faster
        folded = pc.ascii_lower(ids)
    return pc.replace_substring(folded, " ", "") if pc.any(pc.match_substring(folded, " ")).as_py() else folded


def _check_look_alike_ids(table: pa.Table, errors: _Errors) -> None:
    ids = table["id"]
    folded = _fold(ids)
    if pc.count_distinct(folded).as_py() == pc.count_distinct(ids).as_py():
        return  # folding joined no two ids: the usual case, without grouping a million ids
    spellings = pa.table({"folded": folded, "id": ids}).group_by("folded").aggregate([("id", "count_distinct")])
    clashing = spellings.filter(pc.greater(spellings["id_count_distinct"], 1))["folded"]
    if len(clashing) == 0:
        return
    mask = _mask(pc.is_in(folded, value_set=clashing))
    rows_by_folded: dict[str, list[tuple[str, int]]] = {}
    folded_of: dict[str, str] = {}
    for f, i, r in zip(folded.filter(pa.array(mask)).to_pylist(), ids.filter(pa.array(mask)).to_pylist(), errors.rows[mask]):
        rows_by_folded.setdefault(f, []).append((i, int(r)))
        folded_of[i] = f

    def reason(value: str) -> str:
        others = [f"{i!r} (row {r})" for i, r in rows_by_folded[folded_of[value]] if i != value]
        return f"id differs only in case or spacing from {', '.join(others[:3])}; one source id must be spelt one way"

    errors.add(mask, "id", reason, ids)


def _check_ids_against_store(table: pa.Table, errors: _Errors, stored: pa.Array) -> None:
    """A new id that differs only in case, spacing or character form from an id the store already holds is
    rejected: loaded, it would be a second person (or agency) where the source almost certainly meant the
    stored one, and every link through either spelling would be missed.

    Every hash set is built from the bundle's side, which is the smaller (a re-load has no new ids, and stops
    after one pass over the stored ids)."""
    if len(stored) == 0:
        return
    ids = table["id"]
    held = stored.filter(_mask(pc.is_in(stored, value_set=ids.combine_chunks())))
    new = _mask(pc.invert(pc.is_in(ids, value_set=held))) & _mask(pc.is_valid(ids)) & ~errors.bad
    if not new.any():
        return
    folded = _fold(ids)
    stored_folded = _fold(stored)
    near = _mask(pc.is_in(stored_folded, value_set=pc.unique(folded.filter(pa.array(new)))))
    if not near.any():
        return
    spellings: dict[str, list[str]] = {}
    for f, i in zip(stored_folded.filter(pa.array(near)).to_pylist(), stored.filter(pa.array(near)).to_pylist()):
        spellings.setdefault(f, []).append(i)
    look_alike = new & _mask(pc.is_in(folded, value_set=pa.array(list(spellings), pa.string())))

    def reason(value: str) -> str:
        stored_ids = sorted(spellings[_fold(pa.array([value]))[0].as_py()])
        return (
            f"id differs only in case or spacing from {', '.join(map(repr, stored_ids[:3]))}, already in the store: "
            f"did you mean the stored {stored_ids[0]}? One source id must be spelt one way"
        )

    errors.add(look_alike, "id", reason, ids)


def _parse_dates(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """YYYY-MM-DD text -> date32; null where absent or not a real date written exactly so."""
    try:  # Arrow's cast reads exactly YYYY-MM-DD real dates, 12x faster; it fails whole on one bad value
        return pc.cast(col, pa.date32())
    except pa.ArrowInvalid:
        pass
    stamps = pc.strptime(col, format="%Y-%m-%d", unit="s", error_is_null=True)
    shape = pc.match_substring_regex(col, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    # strptime rolls 2020-02-30 over to 2020-03-01: the day it read must be the day written.
    written_day = pc.cast(pc.utf8_slice_codeunits(pc.if_else(shape, col, "0000-00-00"), 8, 10), pa.int64())
    exact = pc.and_(shape, pc.equal(pc.day(stamps), written_day))
    return pc.if_else(exact, pc.cast(stamps, pa.date32()), pa.scalar(None, pa.date32()))


def _check_keys(spec: Table, table: pa.Table, parsed: dict, errors: _Errors):
    """Identical repeated rows are dropped; one key with conflicting values rejects every row of that key.

    Hashes find the candidates (fast at a million rows); rows are then compared exactly, so a hash collision
    can never drop or reject a row.
    """
    key = list(spec.primary_key)
    data_cols = [f.name for f in spec.fields]
    valid = ~errors.bad
    exact_dup = np.zeros(table.num_rows, dtype=bool)
    # A repeated row repeats its key too: one hash of the key columns finds the candidates of both checks.
    key_repeated = _repeated(row_hashes(table.select(key)))
    maybe_dup = key_repeated & valid
    if maybe_dup.any():
        candidates = _pandas(table.filter(pa.array(maybe_dup)), data_cols)
        exact_dup[maybe_dup] = candidates.duplicated(subset=data_cols, keep="first").to_numpy()
    dropped = int(exact_dup.sum())
    candidate = valid & ~exact_dup
    maybe_conflict = key_repeated & candidate
    if maybe_conflict.any():
        candidates = table.filter(pa.array(maybe_conflict))
        subset = _pandas(candidates, key + [ROW_COLUMN])
        subset.index = np.flatnonzero(maybe_conflict)
        keyed = pd.Series(join_key_arrow(candidates, key).to_pylist(), index=subset.index)
        counts = keyed.value_counts()
        conflicted = keyed[keyed.isin(counts[counts > 1].index)]
        rows_by_key = subset.loc[conflicted.index, ROW_COLUMN].groupby(conflicted).apply(list).to_dict()
        for index, value in conflicted.items():
            rows = ", ".join(map(str, rows_by_key[value]))
            errors.rejects.append(
                Reject(errors.file, int(subset.at[index, ROW_COLUMN]), "+".join(key),
                       f"{'+'.join(key)} {value!r} appears with conflicting values on rows {rows}", value)
            )
            errors.bad[index] = True
    if not dropped:
        return table, parsed, errors, 0
    keep = ~exact_dup
    keep_arrow = pa.array(keep)
    parsed = {name: column.filter(keep_arrow) for name, column in parsed.items()}
    return table.filter(keep_arrow), parsed, errors.keep(keep), dropped


def _repeated(hashes: pd.Series) -> np.ndarray:
    return hashes.duplicated(keep=False).to_numpy()


def _pandas(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    """A few rows as plain Python values (object columns), for exact comparison."""
    return pd.DataFrame({c: table[c].to_pylist() for c in columns}, dtype=object)


def _check_references(spec, table, errors, accepted_ids, rejected_ids, known_ids, specs) -> None:
    for f in spec.fields:
        if not f.references:
            continue
        target_table, _ = f.references.split(".")
        target_label = specs[target_table].label
        col = table[f.name]
        present = _mask(pc.is_valid(col)) & ~errors.bad
        if not present.any():
            continue
        local = accepted_ids.get(target_table)
        resolved = _mask(pc.is_in(col, value_set=local)) if local is not None else np.zeros(len(present), dtype=bool)
        open_refs = present & ~resolved
        if not open_refs.any():
            continue
        unresolved = sorted(pc.unique(col.filter(pa.array(open_refs))).to_pylist())
        in_store = known_ids(target_label, unresolved)
        missing = set(unresolved) - in_store
        if not missing:
            continue
        rejected_here = rejected_ids.get(target_table, {})

        def reason(value, _t=target_table, _r=rejected_here):
            if value in _r:
                return f"refers to {_t} id {value!r}, which was rejected ({_r[value]})"
            return f"refers to unknown {_t} id {value!r} (not in the bundle or the store)"

        bad = open_refs & _mask(pc.is_in(col, value_set=pa.array(sorted(missing), pa.string())))
        errors.add(bad, f.name, reason, col)


def _check_visible_to(spec: Table, table: pa.Table, errors: _Errors, accepted_ids: dict, known_ids: KnownIds) -> None:
    """``visible_to`` names roles and agencies (in the bundle or the store), and only on a restricted row:
    a misspelt agency id would otherwise silently keep a sealed record from the agency meant to see it."""
    if not any(f.type == "visible_to" for f in spec.fields):
        return
    col = table["visible_to"]
    given = _mask(pc.is_valid(col)) & _mask(pc.not_equal(pc.utf8_trim_whitespace(pc.fill_null(col, "")), ""))
    if not given.any():
        return
    unrestricted = given & ~_mask(pc.is_valid(table["restricted"]))
    errors.add(unrestricted, "visible_to", "visible_to given on a row that is not restricted (fill in restricted, or leave visible_to empty)", col)
    agencies = set(accepted_ids["agencies"].to_pylist()) if "agencies" in accepted_ids else set()
    items = {i for v in col.filter(pa.array(given)).to_pylist() for i in split_visible_to(v)}
    unknown_here = sorted(items - agencies - set(ROLES))
    unknown = set(unknown_here) - known_ids("Agency", unknown_here) if unknown_here else set()
    if not unknown:
        return
    bad_rows = np.zeros(table.num_rows, dtype=bool)
    for index in np.flatnonzero(given & ~unrestricted):
        bad_rows[index] = any(i in unknown for i in split_visible_to(col[int(index)].as_py()))

    def reason(value: str) -> str:
        names = ", ".join(repr(i) for i in split_visible_to(value) if i in unknown)
        return f"visible_to names {names}: neither a role ({', '.join(ROLES)}) nor an agency id in the bundle or the store"

    errors.add(bad_rows, "visible_to", reason, col)


def _typed(spec: Table, table: pa.Table, parsed: dict[str, pa.ChunkedArray], good: pa.Array) -> pa.Table:
    """Accepted rows with dates as date32 (null for none) and flags split into booleans."""
    columns: dict[str, pa.ChunkedArray] = {}
    for f in spec.fields:
        if f.type == "date":
            columns[f.name] = parsed[f.name]
        elif f.type == "flags":
            padded = pc.binary_join_element_wise(";", pc.replace_substring(pc.fill_null(table[f.name], ""), " ", ""), ";", "")
            for flag in f.enum:
                columns[flag] = pc.match_substring(padded, f";{flag};")
        else:
            columns[f.name] = table[f.name]
    columns[ROW_COLUMN] = table[ROW_COLUMN]
    return pa.table(columns).filter(good)
