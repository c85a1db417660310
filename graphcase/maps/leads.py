"""The evidence of each lead about one person, as the workspace's network page highlights it.

A lead's evidence rows name a path (people, records, addresses, events and agencies, and the relationships
between them). :func:`lead_evidence` returns, for every lead, the node ids and the (node, relationship, node)
steps of its path, plus one map (nodes and edges in the network page's format) holding every evidence node,
so the page can add those not yet on the person's map and then light up one lead's path and dim the rest.

The findings come from the catalogue already redacted for the viewer: an evidence row resting on a restricted
record is a notice naming whom to ask, with no path, so nothing of it reaches the map; the map itself is
redacted again (:func:`graphcase.maps.extract.findings_graph` with ``viewer``).
"""

from __future__ import annotations

import datetime as dt

from .build import build_network
from .extract import as_map_findings, findings_graph


def lead_evidence(store, findings: list, *, as_of: dt.date, viewer=None) -> dict:
    """``{"leads": [...], "nodes": [...], "edges": [...], "legend": ..., "relationships": [...]}`` for
    ``findings`` (catalogue Findings); the legend and relationships give the page's filters for what it adds.

    Each lead: ``id``, ``pattern``, ``title``, ``explanation``, ``nodes`` (evidence node ids on the map),
    ``steps`` (``[node, REL, node]`` of its paths), ``withheld`` (notices of restricted evidence rows) and
    ``evidence_rows``.
    """
    findings = sorted(findings, key=lambda f: (f.pattern, f.id))
    mapped = [m for f in findings for m in as_map_findings(f)]
    g = findings_graph(store, as_of=as_of, findings=mapped, viewer=viewer, limit=None)
    on_map = set(g)
    leads = []
    for f in findings:
        nodes: list[str] = []
        steps: list[list[str]] = []
        for row in f.evidence:
            path = list(row.get("path_nodes") or [])
            nodes.extend(n for n in path if n not in nodes)
            steps.extend(list(s) for s in zip(path, row.get("path_rels") or [], path[1:]) if list(s) not in steps)
        nodes.extend(p for p in (*f.children, *f.others) if p not in nodes)
        leads.append({
            "id": f.id, "pattern": f.pattern, "title": f.pattern.replace("_", " "), "explanation": f.explanation,
            "nodes": [n for n in nodes if n in on_map],
            "steps": [s for s in steps if s[0] in on_map and s[2] in on_map],
            "withheld": [row["notice"] for row in f.evidence if row.get("restricted")],
            "evidence_rows": len(f.evidence),
        })
    _, data = build_network(g)
    return {"leads": leads, "nodes": data["nodes"], "edges": data["edges"], "legend": data["legend"],
            "relationships": sorted({e["rel"] for e in data["edges"]})}
