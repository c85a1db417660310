"""The "who knew what, when" matrix: time periods (quarters) as rows, agencies as columns.

A cell lists what the agency learned in that period: events it recorded, events it was told of (shared
with or referred to it), and, marked as gaps, significant events it was working with the child for but
was never told of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .chronology import Chronology
from .gaps import Gap


@dataclass
class Knowledge:
    status: str  # recorded | told | not_told | told_late
    event_id: str
    kind: str
    date: dt.date  # the date the agency learned it (or the event date for not_told)


@dataclass
class Matrix:
    periods: list[str]  # "2025-Q3"
    agencies: list[str]  # agency ids, in lane order
    cells: dict[tuple[str, str], list[Knowledge]] = field(default_factory=dict)

    def cell(self, period: str, agency_id: str) -> list[Knowledge]:
        return self.cells.get((period, agency_id), [])


def quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _quarters(first: dt.date, last: dt.date) -> list[str]:
    out, year, q = [], first.year, (first.month - 1) // 3
    while (year, q) <= (last.year, (last.month - 1) // 3):
        out.append(f"{year}-Q{q + 1}")
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
    return out


def lanes(chron: Chronology) -> list[str]:
    """Agencies in the order the chronology shows them: those working with the child first, then the others."""
    involved = {r.agency.id for r in chron.child_records()}
    used = {e.recorded_by.id for e in chron.entries} | {t.agency.id for e in chron.entries for t in e.told} | involved
    used |= {r.agency.id for r in chron.records if r.risk}
    return sorted(used, key=lambda a: (a not in involved, chron.agencies[a].name if a in chron.agencies else a))


def knowledge_matrix(chron: Chronology, gaps: list[Gap]) -> Matrix:
    items: list[tuple[str, Knowledge]] = []
    for e in chron.entries:
        items.append((e.recorded_by.id, Knowledge("recorded", e.event_id, e.kind, e.date)))
        for t in e.told:
            if t.agency.id != e.recorded_by.id:
                items.append((t.agency.id, Knowledge("told", e.event_id, e.kind, t.date or e.date)))
    entries = {e.event_id: e for e in chron.entries}
    for g in gaps:
        if g.kind in ("not_told", "told_late") and g.event_id in entries:
            items.append((g.agency_id, Knowledge(g.kind, g.event_id, entries[g.event_id].kind, g.date_from)))
    agencies = lanes(chron)
    if not items:
        return Matrix([], agencies)
    dates = [k.date for _, k in items]
    matrix = Matrix(_quarters(min(dates), max(dates)), agencies)
    for agency_id, k in sorted(items, key=lambda x: (x[1].date, x[1].event_id, x[1].status)):
        matrix.cells.setdefault((quarter(k.date), agency_id), []).append(k)
    return matrix
