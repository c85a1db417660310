"""Limits on what a bundle may hold, so that no file, field or date can exhaust memory or break later steps.

The defaults suit a county-sized extract; a partnership with larger files raises them (``graphcase load
--max-file-size 8G``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


@dataclass(frozen=True)
class InputLimits:
    max_file_bytes: int = 4 * 1024**3  # a 1M-person county's largest file is ~100 MB
    max_field_bytes: int = 1024**2  # one cell; a long case note fits, a runaway quoted field does not
    # Dates outside this range are data-entry errors (0001-01-01, 9999-12-31), and would overflow date shifting.
    earliest_date: dt.date = dt.date(1900, 1, 1)
    latest_date: dt.date = dt.date(2100, 12, 31)


def parse_size(text: str) -> int:
    """'64K', '1M', '4G' or a number of bytes -> bytes.

    >>> parse_size("64K"), parse_size("2G"), parse_size("1000")
    (65536, 2147483648, 1000)
    """
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)i?B?\s*", text, flags=re.IGNORECASE)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a size (write e.g. 64K, 100M or 4G)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def format_size(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]} {unit}iB"
    return f"{size:,} bytes"
