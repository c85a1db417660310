"""Read one JSON file (an array of objects, one per row) into string columns, type-checking every value.

A value must be what the schema field can hold: text or a number for a text or date field (a number is kept
as written, e.g. an NHS number), text or a list of text for a flags field. Objects, lists, true/false, NaN
and Infinity are rejected with the row and field, never turned into text; so is a row that repeats a key.
The row number is the object's position in the array (the first object is row 1).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa

from ..model import Table
from .csvfile import ROW_COLUMN, FileProblem
from .rejects import Reject, clip


class _NonFinite(str):
    """NaN / Infinity as Python's json reads them (it accepts them though JSON does not)."""


class _Row(dict):
    repeated: tuple[str, ...] = ()


def _row(pairs: list[tuple[str, object]]) -> _Row:
    row = _Row(pairs)
    if len(row) != len(pairs):
        seen: set[str] = set()
        row.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return row


def read_json_bytes(data: bytes, file: str, spec: Table) -> tuple[pa.Table, list[Reject]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(Reject(file, line, None, f"not UTF-8 text at byte {exc.start:,}", None)) from None
    try:
        rows = json.loads(text, parse_constant=_NonFinite, object_pairs_hook=_row)
    except json.JSONDecodeError as exc:
        raise FileProblem(Reject(file, None, None, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", None)) from None
    except RecursionError:
        raise FileProblem(Reject(file, None, None, "JSON nested too deeply (expected an array of flat objects)", None)) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise FileProblem(Reject(file, None, None, f"not valid JSON: {exc}", None)) from None
    if not isinstance(rows, list):
        raise FileProblem(Reject(file, None, None, "expected a JSON array of objects, one per row", None))
    kinds = {f.name: f.type for f in spec.fields}
    # A key left out of an object is an empty value (every schema field is a column), so an empty array or a
    # row without a required key is reported per row, not as a missing column.
    names = list(dict.fromkeys([*kinds, *(str(k) for row in rows if isinstance(row, dict) for k in row)]))
    columns: dict[str, list] = {n: [] for n in names}
    rejects: list[Reject] = []
    for number, row in enumerate(rows, 1):
        problems = _row_problems(file, number, row, kinds)
        rejects.extend(problems)
        for name in names:
            value = row.get(name) if isinstance(row, dict) and not problems else None
            columns[name].append(value if value is None else _text(value))
    table = pa.table({n: pa.array(v, pa.string()) for n, v in columns.items()})
    return table.append_column(ROW_COLUMN, pa.array(np.arange(1, len(rows) + 1, dtype="int64"))), rejects


LISTS = ("flags", "visible_to")  # ';'-separated in a CSV; a JSON array of text is the same


def _row_problems(file: str, number: int, row, kinds: dict[str, str]) -> list[Reject]:
    if not isinstance(row, dict):
        return [Reject(file, number, None, f"row is a JSON {_kind(row)}, not an object", clip(_dump(row)))]
    problems = [Reject(file, number, clip(k), "key appears more than once in this object", None) for k in row.repeated]
    for name, value in row.items():
        expected = kinds.get(name)
        if expected is not None and not _fits(value, expected):
            wanted = "text or a list of text" if expected in LISTS else "text" if expected == "string" else "a date as text"
            problems.append(Reject(file, number, name, f"a JSON {_kind(value)} where {wanted} is expected", clip(_dump(value))))
    return problems


def _fits(value, kind: str) -> bool:
    if value is None or (isinstance(value, str) and not isinstance(value, _NonFinite)):
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return math.isfinite(value)
    return kind in LISTS and isinstance(value, list) and all(isinstance(v, str) and not isinstance(v, _NonFinite) for v in value)


def _text(value) -> str:
    return ";".join(value) if isinstance(value, list) else str(value)


def _kind(value) -> str:
    if isinstance(value, _NonFinite):
        return f"{value} (not a number)" if value == "NaN" else str(value)
    return {bool: "true/false", dict: "object", _Row: "object", list: "array", int: "number", float: "number"}.get(type(value), type(value).__name__)


def _dump(value) -> str:
    if isinstance(value, _NonFinite):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        return f"(a nested JSON {_kind(value)})"
