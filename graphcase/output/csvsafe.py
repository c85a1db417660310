"""CSV that cannot run as a formula when an analyst opens it in Excel, LibreOffice or Google Sheets.

Spreadsheets read a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or carriage
return before one of those) as a formula: ``=HYPERLINK("http://x","click")`` sends data away, ``=cmd|...``
ran commands in old Excel. OWASP's advice (https://owasp.org/www-community/attacks/CSV_Injection) is
followed: every *text* cell starting with one of those characters is prefixed with a single quote, which
spreadsheets show as plain text; the csv module quotes cells holding commas, quotes or line breaks.
Numbers (int, float, Decimal) stay numbers: ``-2`` from the store is written ``-2``; the text ``-2+3`` is
written ``'-2+3``. Reading a graphcase CSV back, drop one leading ``'`` from a cell whose next character is
a trigger.

>>> safe_cell('=HYPERLINK("http://x")'), safe_cell(-2), safe_cell("Ward")
('\\'=HYPERLINK("http://x")', -2, 'Ward')
"""

from __future__ import annotations

import csv
import decimal
from collections.abc import Iterable
from typing import IO

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value safe to write as one CSV cell: numbers as they are, text neutralised, None as ''."""
    if value is None:
        return ""
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def safe_row(row: Iterable) -> list:
    return [safe_cell(v) for v in row]


class SafeWriter:
    """csv.writer whose every cell, the header included, goes through :func:`safe_cell`."""

    def __init__(self, stream: IO[str], **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(SafeWriter):
    """csv.DictWriter's interface (fieldnames, writeheader, writerow of dicts) over :class:`SafeWriter`."""

    def __init__(self, stream: IO[str], fieldnames: list[str], **options):
        super().__init__(stream, **options)
        self.fieldnames = list(fieldnames)

    def writeheader(self) -> None:
        super().writerow(self.fieldnames)

    def writerow(self, row: dict) -> None:  # type: ignore[override]
        super().writerow([row.get(name, "") for name in self.fieldnames])


def safe_frame(frame):
    """A pandas DataFrame with its text cells neutralised (numeric columns untouched), for ``to_csv``."""
    out = frame.copy()
    out.columns = [safe_cell(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("string", "str"):
            out[column] = out[column].map(lambda v: v if v is None or v != v else safe_cell(v))
    return out
