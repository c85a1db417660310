"""One problem found in a bundle: the file, the row (its line number in a CSV file), the field and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SHOWN_CHARS = 200  # a value is quoted back this far: enough to find it, never a whole hostile field


def clip(value: str | None, limit: int = SHOWN_CHARS) -> str | None:
    """``value`` cut to ``limit`` characters, saying how long it was, so a reject never carries a huge field."""
    if value is None or len(value) <= limit:
        return value
    return f"{value[:limit]}... ({len(value):,} characters)"


@dataclass(frozen=True)
class Reject:
    file: str
    row: int | None  # the line the row starts on in a CSV file (header = line 1), the position in a JSON array; None: the whole file
    field: str | None
    reason: str
    value: str | None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.file}" + (f", row {self.row}" if self.row is not None else "")
        where += f", field {self.field}" if self.field else ""
        value = "" if self.value is None else f" (value: {clip(self.value, 80)!r})"
        return f"{where}: {self.reason}{value}"
