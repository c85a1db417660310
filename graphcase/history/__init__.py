"""Case-history reconstruction: a child's cross-agency chronology, knowledge gaps, and "who knew what, when".

>>> from graphcase import open_store
>>> from graphcase.history import build_history, render_history
>>> with open_store("graphcase.db", read_only=True) as store:  # doctest: +SKIP
...     history = build_history(store, "gp:TWARD", hops=1)
...     html = render_history(history, "html")
"""

from __future__ import annotations

from .case import CaseHistory, analyse, build_history
from .chronology import Chronology, HistoryError, build_chronology
from .gaps import Gap
from .matrix import Matrix


def render_history(history: CaseHistory, fmt: str) -> str:
    """The history as text in one of: table, markdown, csv, json, html."""
    from .render import render

    return render(history, fmt)


__all__ = ["CaseHistory", "Chronology", "Gap", "HistoryError", "Matrix", "analyse", "build_chronology", "build_history", "render_history"]
