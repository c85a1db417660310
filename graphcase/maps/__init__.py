"""Interactive HTML network maps: a person's network, the findings, the partnership's information flows.

    from graphcase.maps import Window, ego_map, findings_map, partnership_map
    ego_map(store, "gp:TWARD", hops=2, window=Window.as_of(date(2026, 11, 1)), out="tyler.html")

Extraction (:mod:`.extract`) reads the store with the ``cypher/maps/`` queries into a networkx graph;
rendering (:mod:`.build`) turns it into a pyvis network; :mod:`.page` writes one offline HTML file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import audit
from ..stores.base import GraphStore
from .build import map_html, write_map
from .extract import FINDINGS_MAP_LIMIT, MapError, MapFinding, Window, ego_graph, findings_graph, map_findings, most_findings_first, partnership_graph


def _touch(record, g) -> None:
    record.touch(people=[n for n, d in g.nodes(data=True) if d.get("kind") in ("child", "adult", "person")],
                 findings=[f["finding_id"] for f in g.graph.get("findings", [])], rows=len(g))


def ego_map(
    store: GraphStore, person_id: str, *, window: Window, out: str | Path, hops: int = 2, findings: list[MapFinding] | None = None,
    viewer=None,
) -> Path:
    """Write the map of the network around ``person_id`` to ``out`` (``findings``: precomputed, else the catalogue runs).

    Recorded in the store's audit log as ``map`` with the people drawn."""
    with audit.recorded(store, "map", {"person_id": person_id, "hops": hops, "window": window.describe(), "out": out}) as record:
        g = ego_graph(store, person_id, hops=hops, window=window, findings=findings, viewer=viewer)
        _touch(record, g)
    ego = g.nodes[person_id]
    title = f"Network around {ego['label']} ({person_id})"
    subtitle = f"{hops} hop(s), {window.describe()}: {len(g)} nodes, {g.number_of_edges()} edges, {len(g.graph['findings'])} finding(s)"
    return write_map(g, out, title=title, subtitle=subtitle)


def findings_map(
    store: GraphStore, *, as_of: dt.date, out: str | Path, pattern: str | None = None, findings: list[MapFinding] | None = None,
    viewer=None, limit: int | None = FINDINGS_MAP_LIMIT,
) -> Path:
    """Write the map of every finding (or one pattern's; at most ``limit``, the children with the most findings
    first) to ``out`` (recorded in the audit log as ``map``)."""
    with audit.recorded(store, "map", {"findings": True, "as_of": as_of, "pattern": pattern, "limit": limit, "out": out}) as record:
        g = findings_graph(store, as_of=as_of, pattern=pattern, findings=findings, viewer=viewer, limit=limit)
        _touch(record, g)
    title = "Missed-link findings" + (f": {pattern}" if pattern else "")
    cap = g.graph.get("cap")
    shown = f"{cap['shown']:,} of {cap['total']:,} findings" if cap else f"{len(g.graph['findings'])} finding(s)"
    subtitle = f"as of {as_of}: {shown}, {len(g)} nodes"
    return write_map(g, out, title=title, subtitle=subtitle)


def partnership_map(store: GraphStore, *, window: Window, out: str | Path) -> Path:
    """Write the partnership's information-flow map to ``out``."""
    g = partnership_graph(store, window=window)
    untold = sum(1 for _, d in g.nodes(data=True) if d.get("never_told"))
    one_way = sum(1 for *_, d in g.edges(data=True) if d.get("one_way"))
    title = "Partnership information flows"
    subtitle = f"{window.describe()}: {len(g)} agencies, {g.number_of_edges()} flows, {one_way} one-way, {untold} never told"
    return write_map(g, out, title=title, subtitle=subtitle)


__all__ = [
    "FINDINGS_MAP_LIMIT",
    "MapError",
    "MapFinding",
    "Window",
    "ego_graph",
    "ego_map",
    "findings_graph",
    "findings_map",
    "map_findings",
    "map_html",
    "most_findings_first",
    "partnership_graph",
    "partnership_map",
    "write_map",
]
