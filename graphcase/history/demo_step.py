"""The ``graphcase demo`` step of case histories: the chronology (HTML and Markdown) of one planted child."""

from __future__ import annotations

import datetime as dt
import json

from ..files import atomic_write_text, private_dir
from ..stores.base import GraphStore
from . import build_history
from .render import render

PATTERN = "domestic_abuse_child_not_told"
RICH_HISTORY_EVENTS = 12  # a chronology with this many events or more counts as rich


def most_events_child(store: GraphStore) -> str | None:
    result = store.query(
        "MATCH (e:Event)-[:ABOUT]->(c:Person) WHERE c.role = 'child' "
        "RETURN c.id AS child_id, count(DISTINCT e) AS events ORDER BY events DESC, child_id LIMIT 1"
    )
    return result.rows[0][0] if result.rows else None


def pick_child(ctx) -> tuple[list[str], dt.date | None, str]:
    """Candidate children, the ground truth's as-of date, and why they were picked."""
    truth_path = ctx.bundle / "ground_truth.json"
    if truth_path.exists():
        truth = json.loads(truth_path.read_text())
        hits = truth.get("patterns", {}).get(PATTERN, {}).get("hits", [])
        if hits:
            return [h["child_id"] for h in hits], dt.date.fromisoformat(truth["as_of"]), f"planted by pattern {PATTERN}"
    child = most_events_child(ctx.store)
    return ([child] if child else []), None, "the child with most events"


def history_step(ctx) -> None:
    candidates, as_of, why = pick_child(ctx)
    if not candidates:
        ctx.echo("history: no child with events in the demo store; no chronology written")
        return
    # Among the first planted children and the child with most events, the richest history: enough events to
    # read as a chronology (a one-event timeline shows nothing), then gaps and events together.
    # A chronology with a knowledge gap comes first: showing one is the point of this step.
    best = None
    richest = most_events_child(ctx.store)
    for child in dict.fromkeys(candidates[:20] + ([richest] if richest else [])):
        history = build_history(ctx.store, child, hops=2, as_of=as_of, date_to=as_of)
        events = len(history.chronology.entries)
        score = (len(history.gaps) > 0, min(events, RICH_HISTORY_EVENTS), events + 2 * len(history.gaps))
        if best is None or score > best[0]:
            best = (score, history)
    history = best[1]
    if history.chronology.child_id not in candidates:
        why = "the child with most events"
    out = ctx.out_dir / "history"
    private_dir(out)
    chron = history.chronology
    for fmt, ext in (("html", "html"), ("markdown", "md")):
        path = out / f"chronology-{chron.child_id.replace(':', '_')}.{ext}"
        atomic_write_text(path, render(history, fmt))
        ctx.files.append(path)
    ctx.found.append(
        f"Chronology of {chron.child_id} ({why}): {len(chron.entries)} events, {len(history.gaps)} knowledge gaps "
        f"({', '.join(sorted({g.kind for g in history.gaps})) or 'none'})"
    )
    ctx.echo(f"history: chronology of {chron.child_id} written to {out}")
