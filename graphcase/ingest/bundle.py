"""Read an extract bundle: a folder of CSV (or JSON) files, one per table, into string DataFrames.

Every value is read as text so that validation, not the reader, decides what is wrong, and every row keeps
the number a person would use to find it: the line number in a CSV file (the header is line 1), or the
1-based position in a JSON array. Tables stay in Arrow (C++ columns): turning a million rows into Python
strings costs more than validating them.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..files import atomic_write_text, atomic_writer, private_dir
from ..model import tables

ROW_COLUMN = "_row"


class BundleError(Exception):
    """The bundle as a whole cannot be read (missing folder, unreadable file)."""


@dataclass
class RawTable:
    name: str
    path: Path
    table: pa.Table  # every column string (null for an empty cell), plus ROW_COLUMN (int64)

    @property
    def frame(self) -> pd.DataFrame:
        """The table as pandas (object columns of str or None): for people reading a bundle, not the loader."""
        return pd.DataFrame({n: c.to_numpy(zero_copy_only=False) for n, c in zip(self.table.column_names, self.table.columns)})

    def __len__(self) -> int:
        return self.table.num_rows


def _read_csv(path: Path) -> pa.Table:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path}: cannot read CSV: {exc}") from exc
    table = _clean_text(table)
    return table.append_column(ROW_COLUMN, pa.array(np.arange(2, table.num_rows + 2, dtype="int64")))


def _clean_text(table: pa.Table) -> pa.Table:
    """Trim every value and make empty cells null, in Arrow (C++), before pandas sees a million rows."""
    columns = []
    for column in table.columns:
        trimmed = pc.utf8_trim_whitespace(column)
        columns.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return pa.table(columns, names=table.column_names)


def _read_json(path: Path) -> pa.Table:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise BundleError(f"{path}: cannot read JSON: {exc}") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise BundleError(f"{path}: expected a JSON array of objects, one per row")
    names = list(dict.fromkeys(str(k) for row in rows for k in row))  # every key, in order of first appearance
    # JSON may carry numbers or booleans; the validator works on text, like the CSV path.
    table = pa.table({n: pa.array([_json_text(row.get(n)) for row in rows], pa.string()) for n in names})
    table = _clean_text(table) if table.num_columns else table
    return table.append_column(ROW_COLUMN, pa.array(np.arange(1, len(rows) + 1, dtype="int64")))


def _json_text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # null, or NaN
        return None
    if isinstance(value, list):
        return ";".join(map(str, value))
    return str(value)


def read_bundle(folder: str | Path) -> dict[str, RawTable]:
    """Read every table file present in ``folder``. Missing files are simply absent tables.

    >>> raw = read_bundle("fixtures/sample")  # doctest: +SKIP
    >>> raw["people"].table.column_names[:3]  # doctest: +SKIP
    ['id', 'role', 'given_name']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"{folder}: bundle folder not found")
    found: dict[str, RawTable] = {}
    for name in tables():
        csv_path, json_path = folder / f"{name}.csv", folder / f"{name}.json"
        if csv_path.exists() and json_path.exists():
            raise BundleError(f"{folder}: both {name}.csv and {name}.json present; keep one")
        if csv_path.exists():
            found[name] = RawTable(name, csv_path, _read_csv(csv_path))
        elif json_path.exists():
            found[name] = RawTable(name, json_path, _read_json(json_path))
    if not found:
        expected = ", ".join(f"{n}.csv" for n in tables())
        raise BundleError(f"{folder}: no bundle files found (expected some of: {expected})")
    return found


def write_bundle(frames: dict[str, pd.DataFrame], folder: str | Path, fmt: str = "csv") -> None:
    """Write DataFrames (one per table) as a bundle. Used by the synthetic generator and exports."""
    folder = Path(folder)
    private_dir(folder)
    for name, frame in frames.items():
        if fmt == "csv":
            with atomic_writer(folder / f"{name}.csv", newline="") as handle:
                frame.to_csv(handle, index=False, date_format="%Y-%m-%d")
        else:
            records = json.loads(frame.to_json(orient="records", date_format="iso"))
            atomic_write_text(folder / f"{name}.json", json.dumps(records, indent=1, ensure_ascii=False))
