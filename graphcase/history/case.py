"""A child's case history: the chronology with its knowledge gaps and who-knew-what matrix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import audit
from ..stores.base import GraphStore
from .chronology import Chronology, build_chronology
from .gaps import Gap, find_gaps
from .matrix import Matrix, knowledge_matrix
from .ranking import GapGroup, group_gaps


@dataclass
class CaseHistory:
    chronology: Chronology
    gaps: list[Gap]
    matrix: Matrix
    groups: list[GapGroup] = field(default_factory=list)  # the gaps grouped and ranked


def analyse(chron: Chronology) -> CaseHistory:
    """Gaps and the knowledge matrix of a chronology (real or pseudonymised)."""
    gaps = find_gaps(chron)
    return CaseHistory(chron, gaps, knowledge_matrix(chron, gaps), group_gaps(chron, gaps))


def build_history(store: GraphStore, person_id: str, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  hops: int = 1, as_of: dt.date | None = None, pseudonymiser=None,
                  sharing_standards: dict[str, int] | None = None, viewer=None) -> CaseHistory:
    """Chronology, gaps and matrix of one child; with a :class:`Pseudonymiser`, all of it pseudonymised.

    ``viewer`` (a :class:`graphcase.model.restrictions.Viewer`): restricted records they may not see are
    withheld (see :func:`build_chronology`); none: the owner of the store, who sees everything.
    Recorded in the store's audit log as ``history`` (see :func:`graphcase.audit.recorded`)."""
    arguments = {"person_id": person_id, "from": date_from, "to": date_to, "hops": hops, "as_of": as_of,
                 "pseudonymised": pseudonymiser is not None}
    with audit.recorded(store, "history", arguments) as record:
        chron = build_chronology(store, person_id, date_from=date_from, date_to=date_to, hops=hops, as_of=as_of,
                                 sharing_standards=sharing_standards, viewer=viewer)
        record.touch(people=chron.people, rows=len(chron.entries))
        if pseudonymiser is not None:
            chron = pseudonymiser.apply(chron, store)
        return analyse(chron)
