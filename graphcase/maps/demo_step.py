"""The ``graphcase demo`` step of network maps: an ego map of a planted child, the findings, the partnership."""

from __future__ import annotations

import datetime as dt
import json

from ..files import private_dir
from . import Window, ego_map, findings_map, map_findings, partnership_map

PATTERN = "risky_adult_unseen_child"


def maps_step(ctx) -> None:
    truth_path = ctx.bundle / "ground_truth.json"
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else {}
    as_of = dt.date.fromisoformat(truth["as_of"]) if truth.get("as_of") else dt.date.today()
    findings = map_findings(ctx.store, as_of)
    planted = [h["child_id"] for h in truth.get("patterns", {}).get(PATTERN, {}).get("hits", []) if h.get("child_id")]
    with_finding = {f.subject_id for f in findings if f.pattern == PATTERN}
    child = next((c for c in planted if c in with_finding), None) or next(iter(sorted(with_finding)), None)
    out = ctx.out_dir / "maps"
    private_dir(out)
    if child:
        path = ego_map(ctx.store, child, hops=2, window=Window.as_of(as_of), out=out / "ego-map.html", findings=findings)
        ctx.files.append(path)
        ctx.found.append(f"network map of child {child} (planted by {PATTERN}), with its findings: {path.name}")
    else:
        ctx.echo(f"maps: no child with a {PATTERN} finding; no ego map written")
    path = findings_map(ctx.store, as_of=as_of, out=out / "findings-map.html", findings=findings)
    ctx.files.append(path)
    path = partnership_map(ctx.store, window=Window.up_to(as_of), out=out / "partnership-map.html")
    ctx.files.append(path)
    ctx.found.append(f"findings map ({len(findings)} finding edges) and partnership information-flow map in {out.name}/")
