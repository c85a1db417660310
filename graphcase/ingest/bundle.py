"""Read an extract bundle: a folder of CSV (or JSON) files, one per table, into string columns.

Every value is read as text so that validation, not the reader, decides what is wrong, and every row keeps
the number a person would use to find it: the line it starts on in a CSV file (the header is line 1; blank
lines and values spanning lines count, as in a spreadsheet), or the 1-based position in a JSON array.
Tables stay in Arrow (C++ columns): turning a million rows into Python strings costs more than validating them.

The folder is read defensively: only regular files named for a table are read (a FIFO, a device or a symlink
leading out of the folder is refused without being opened), no file over the size cap is read, and a file
whose name is not a table's is refused with the nearest table name, so a misspelt file is never ignored.
Problems with a whole file become file-level rejects, so a load reports them all at once.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..files import atomic_write_text, atomic_writer, private_dir
from ..model import Table, tables
from .csvfile import ROW_COLUMN, FileProblem, read_csv_bytes
from .jsonfile import read_json_bytes
from .limits import InputLimits, format_size
from .rejects import Reject, clip

# Written into a generated bundle by `graphcase fixtures generate` (the planted answers); never loaded.
IGNORED_FILES = frozenset({"ground_truth.json"})
# Papers kept beside the data (a README, a scenario's expected.yaml): never a data format graphcase reads, so
# never mistaken for a misnamed extract. Any other unknown name is refused.
IGNORED_SUFFIXES = (".md", ".yaml", ".yml")


class BundleError(Exception):
    """The bundle folder itself cannot be read (missing, not a folder, not listable)."""


@dataclass
class RawTable:
    name: str
    path: Path
    table: pa.Table  # every column string (null for an empty cell), plus ROW_COLUMN (int64)
    rejects: list[Reject] = field(default_factory=list)  # rows refused while reading (every cell of them null)

    @property
    def frame(self) -> pd.DataFrame:
        """The table as pandas (object columns of str or None): for people reading a bundle, not the loader."""
        return pd.DataFrame({n: c.to_numpy(zero_copy_only=False) for n, c in zip(self.table.column_names, self.table.columns)})

    def __len__(self) -> int:
        return self.table.num_rows


class RawBundle(dict):
    """Table name -> RawTable, plus the problems with whole files (``rejects``)."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder
        self.rejects: list[Reject] = []


def read_bundle(folder: str | Path, limits: InputLimits | None = None) -> RawBundle:
    """Read every table file in ``folder``. Missing files are simply absent tables; files that cannot be
    read, or that are not table files, are file-level rejects in ``.rejects``.

    >>> raw = read_bundle("fixtures/sample")  # doctest: +SKIP
    >>> raw["people"].table.column_names[:3]  # doctest: +SKIP
    ['id', 'role', 'given_name']
    """
    limits = limits or InputLimits()
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"{folder}: bundle folder not found")
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise BundleError(f"{folder}: cannot list the bundle folder: {exc.strerror}") from None
    real_folder = folder.resolve()
    specs = tables()
    bundle = RawBundle(folder)
    known = {f"{name}.{ext}" for name in specs for ext in ("csv", "json")}
    for entry in entries:
        if entry not in known and entry not in IGNORED_FILES and not entry.lower().endswith(IGNORED_SUFFIXES):
            bundle.rejects.append(Reject(entry, None, None, _unknown_file_reason(entry, specs), None))
    for name, spec in specs.items():
        present = [f"{name}.{ext}" for ext in ("csv", "json") if f"{name}.{ext}" in entries]
        if len(present) == 2:
            bundle.rejects.append(Reject(present[0], None, None, f"both {name}.csv and {name}.json are present; keep one", None))
        elif present:
            try:
                bundle[name] = _read_table(folder / present[0], real_folder, spec, limits)
            except FileProblem as problem:
                bundle.rejects.append(problem.reject)
    if not bundle and not bundle.rejects:
        expected = ", ".join(f"{n}.csv" for n in specs)
        bundle.rejects.append(Reject(str(folder), None, None, f"no bundle files found (expected some of: {expected})", None))
    return bundle


def _read_table(path: Path, real_folder: Path, spec: Table, limits: InputLimits) -> RawTable:
    data = _read_regular_file(path, real_folder, limits)
    if path.suffix == ".csv":
        table, row_rejects = read_csv_bytes(data, path.name)
    else:
        table, row_rejects = read_json_bytes(data, path.name, spec)
    table, too_long = _clean_text(table, path.name, limits)
    return RawTable(spec.name, path, table, row_rejects + too_long)


def _unknown_file_reason(entry: str, specs: dict[str, Table]) -> str:
    names = [f"{n}.csv" for n in specs]
    stem, dot, ext = entry.lower().rpartition(".")
    guess = difflib.get_close_matches(stem if dot else entry.lower(), list(specs), n=1, cutoff=0.7)
    if guess:
        return f"not a bundle file name; did you mean {guess[0]}.{'json' if ext == 'json' else 'csv'}? (nothing in it was loaded)"
    return f"not a bundle file name (nothing in it was loaded); bundle files are: {', '.join(names)}"


def _read_regular_file(path: Path, real_folder: Path, limits: InputLimits) -> bytes:
    """The bytes of ``path`` if it is a regular file inside the bundle folder and within the size cap.

    Checked before opening (lstat / stat), so a FIFO is never opened (it would block) and a device or a
    link to a file elsewhere is never read; checked again on the open descriptor, against a swap in between.
    """
    name = path.name
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        if target != path and not target.is_relative_to(real_folder):
            raise FileProblem(Reject(name, None, None, "is a symbolic link to a file outside the bundle folder; copy the file in instead", None))
        info = os.stat(target)
        _check_regular(name, info, limits)
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileProblem(Reject(name, None, None, "is a symbolic link to nothing (or vanished while reading)", None)) from None
    except OSError as exc:
        raise FileProblem(Reject(name, None, None, f"cannot open: {exc.strerror}", None)) from None
    with os.fdopen(fd, "rb") as handle:
        _check_regular(name, os.fstat(handle.fileno()), limits)
        data = handle.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise FileProblem(Reject(name, None, None, _too_big(len(data), limits), None))
    return data


def _check_regular(name: str, info: os.stat_result, limits: InputLimits) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a folder" if stat.S_ISDIR(info.st_mode) else "a device or socket"
        raise FileProblem(Reject(name, None, None, f"is {kind}, not a regular file; refusing to read it", None))
    if info.st_size > limits.max_file_bytes:
        raise FileProblem(Reject(name, None, None, _too_big(info.st_size, limits), None))


def _too_big(size: int, limits: InputLimits) -> str:
    return f"file is over the size cap of {format_size(limits.max_file_bytes)} ({size:,} bytes or more); raise it with --max-file-size"


def _clean_text(table: pa.Table, file: str, limits: InputLimits) -> tuple[pa.Table, list[Reject]]:
    """Trim every value and make empty cells null, in Arrow (C++), before pandas sees a million rows; a value
    over the field size cap becomes a reject of its row (and null)."""
    columns, rejects = [], []
    rows = table[ROW_COLUMN]
    for name, column in zip(table.column_names, table.columns):
        if name == ROW_COLUMN:
            columns.append(column)
            continue
        too_long = pc.fill_null(pc.greater(pc.binary_length(column), limits.max_field_bytes), False)
        if pc.any(too_long).as_py():
            for row, length in zip(rows.filter(too_long).to_pylist(), pc.binary_length(column.filter(too_long)).to_pylist()):
                reason = f"value is {length:,} bytes, over the field size cap of {format_size(limits.max_field_bytes)} (--max-field-size)"
                rejects.append(Reject(file, row, clip(name), reason, None))
            column = pc.if_else(too_long, pa.scalar(None, pa.string()), column)
        trimmed = pc.utf8_trim_whitespace(column)
        columns.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return pa.table(columns, names=table.column_names), rejects


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


__all__ = ["BundleError", "IGNORED_FILES", "ROW_COLUMN", "RawBundle", "RawTable", "read_bundle", "write_bundle"]
