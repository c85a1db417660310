"""Read one CSV file (already in memory) into string columns, each row keeping the line it starts on.

Arrow's reader (C++, multi-threaded) reads a well-formed file. When the file has blank lines, values that
span lines, rows with the wrong number of fields or anything else Arrow refuses, the same bytes are read again
by Python's csv module, which knows the physical line each row starts on (the number a spreadsheet user sees:
header = line 1, a value spanning three lines moves the next row down by two) and lets one bad row be
rejected instead of the whole file. So the fast path costs nothing for the files nearly every agency sends.
"""

from __future__ import annotations

import contextlib
import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .rejects import Reject, clip

ROW_COLUMN = "_row"
BOM = b"\xef\xbb\xbf"


class FileProblem(Exception):
    """The file cannot be read as a table; carries the file-level reject."""

    def __init__(self, reject: Reject):
        super().__init__(str(reject))
        self.reject = reject


@contextlib.contextmanager
def _any_field_size():
    """Python's csv refuses fields over 128 KiB with an error; size is checked (and reported per row) later."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_csv_bytes(data: bytes, file: str) -> tuple[pa.Table, list[Reject]]:
    """Every column as string (empty cells as ''), plus ROW_COLUMN; and the rows rejected while reading.

    Raises FileProblem when the file as a whole cannot be read (not UTF-8, no header, duplicate column
    names, a quote never closed).
    """
    header, header_lines = _header(data, file)
    table = _read_fast(data, header, header_lines)
    if table is not None:
        return table, []
    return _read_slow(data, file, header, header_lines)


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(Reject(file, line, None, f"not UTF-8 text at byte {exc.start:,} (save the file as 'CSV UTF-8')", None)) from None


def _header(data: bytes, file: str) -> tuple[list[str], int]:
    """The column names and how many lines they take; duplicate or missing names are file problems."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)
    try:
        with _any_field_size():
            header = next(reader, None)
    except UnicodeDecodeError:
        _decode(data, file)  # raises with the line
        raise
    except csv.Error as exc:
        raise FileProblem(Reject(file, 1, None, f"cannot read the header line: {exc}", None)) from None
    if not header:
        raise FileProblem(Reject(file, 1, None, "no header line (the first line must name the columns)", None))
    seen: dict[str, int] = {}
    for position, name in enumerate(header, 1):
        if name in seen:
            raise FileProblem(
                Reject(file, 1, clip(name), f"column name appears more than once (columns {seen[name]} and {position})", None)
            )
        seen[name] = position
    return header, reader.line_num


def _read_fast(data: bytes, header: list[str], header_lines: int) -> pa.Table | None:
    """Arrow's read, or None when its rows cannot be numbered by line (or Arrow refuses the file)."""
    carriage_returns = data.count(b"\r")
    if header_lines != 1 or (carriage_returns and carriage_returns != data.count(b"\r\n")):
        return None  # a lone CR is a line break to a spreadsheet; Arrow's rows and our line count would differ
    invalid_rows = []

    def note_invalid(row) -> str:
        invalid_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in data, invalid_row_handler=note_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if invalid_rows or table.num_rows != lines - 1:
        return None  # blank lines or values spanning lines: only a line-counting reader numbers the rows right
    return table.append_column(ROW_COLUMN, pa.array(np.arange(2, table.num_rows + 2, dtype="int64")))


def _read_slow(data: bytes, file: str, header: list[str], header_lines: int) -> tuple[pa.Table, list[Reject]]:
    text = _decode(data, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    width = len(header)
    columns: list[list[str]] = [[] for _ in header]
    rows: list[int] = []
    rejects: list[Reject] = []
    start = 1
    last_start = 1
    with _any_field_size():
        for record in reader:
            line, start = start, reader.line_num + 1
            if line <= header_lines or not record:  # the header; a blank line
                continue
            last_start = line
            rows.append(line)
            if len(record) != width:
                # Kept as an empty row, so every row read is counted; the reject says why it is empty.
                rejects.append(
                    Reject(file, line, None, f"row has {len(record)} fields; the header has {width}", clip(",".join(record)))
                )
                record = [""] * width
            for column, value in zip(columns, record):
                column.append(value)
    if _quote_left_open(text, last_start):
        raise FileProblem(
            Reject(file, last_start, None, "a quoted value opened on this line is never closed (the rest of the file would be one value)", None)
        )
    table = pa.table({name: pa.array(values, pa.string()) for name, values in zip(header, columns)})
    return table.append_column(ROW_COLUMN, pa.array(rows, pa.int64())), rejects


def _quote_left_open(text: str, last_start: int) -> bool:
    """Python's lenient reader runs an unclosed quote to the end of the file; a strict one says so."""
    tail = "".join(io.StringIO(text, newline="").readlines()[last_start - 1 :])
    try:
        with _any_field_size():
            list(csv.reader(io.StringIO(tail, newline=""), strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
