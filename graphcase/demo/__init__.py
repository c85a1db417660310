"""``graphcase demo``: the whole job end to end on the embedded store, with no server and no argument.

Steps run in order; each feature adds its outputs (maps, chronologies) by appending a step to DEMO_STEPS.
A step is ``step(ctx) -> None`` and may add lines to ``ctx.found`` and files to ``ctx.files``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import audit
from ..files import atomic_write_text, private_dir
from ..catalogue.queries import load_catalogue, result_json, run_query
from ..ingest.load import load_bundle, write_reject_report
from ..stores.ladybug import LadybugStore


@dataclass
class DemoContext:
    out_dir: Path
    bundle: Path
    store: LadybugStore
    people: int
    seed: int
    echo: Callable[[str], None]
    as_of: dt.date = dt.date(2026, 11, 1)  # the county's as-of date; every step reads the graph then
    truth: dict = field(default_factory=dict)  # the generator's ground truth (planted instances)
    found: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _build_bundle(ctx: DemoContext) -> None:
    from ..synthetic import generate_county

    _, truth = generate_county(ctx.people, seed=ctx.seed, out_dir=ctx.bundle)
    ctx.truth, ctx.as_of = truth.as_dict(), truth.as_of
    ctx.files.append(ctx.bundle)
    ctx.echo(f"generated a county of {ctx.people:,} people in {ctx.bundle}")


def _load(ctx: DemoContext) -> None:
    report = load_bundle(ctx.store, ctx.bundle, today=ctx.as_of)
    ctx.echo(report.summary())
    if report.rejects:
        write_reject_report(report.rejects, ctx.out_dir / "rejects.csv")
        ctx.files.append(ctx.out_dir / "rejects.csv")


def _run_link_queries(ctx: DemoContext) -> None:
    """Raw rows of the link queries that are not catalogue patterns (those become findings in their own step)."""
    from ..catalogue.findings import PATTERNS

    used_by_findings = set(PATTERNS) | {spec.linked_query for spec in PATTERNS.values() if spec.linked_query}
    out = ctx.out_dir / "queries"
    private_dir(out)
    for query in load_catalogue().values():
        if query.group != "links" or query.name in used_by_findings:
            continue
        params = {"as_of": ctx.as_of} if any(p.name == "as_of" for p in query.parameters) else {}
        result = run_query(ctx.store, query.name, params)
        path = out / f"{query.name}.json"
        atomic_write_text(path, result_json(result))
        ctx.files.append(path)
        ctx.found.append(f"{query.title}: {len(result)} rows")


DEMO_STEPS: list[Callable[[DemoContext], None]] = [_build_bundle, _load, _run_link_queries]
from ..history.demo_step import history_step; DEMO_STEPS.append(history_step)  # noqa: E402,E702
from ..catalogue.demo_step import findings_step; DEMO_STEPS.append(findings_step)  # noqa: E402,E702
from ..maps.demo_step import maps_step; DEMO_STEPS.append(maps_step)  # noqa: E402,E702
from ..linkage.demo_step import linkage_step; DEMO_STEPS.insert(2, linkage_step)  # noqa: E402,E702


def run_demo(out_dir: Path, *, people: int = 5_000, seed: int = 7, echo=print) -> DemoContext:
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    private_dir(out_dir)
    store = LadybugStore(out_dir / "graphcase.db")
    ctx = DemoContext(out_dir, out_dir / "bundle", store, people, seed, echo)
    try:
        # One audit entry for the whole demo (its data are synthetic), which the steps' API calls add to.
        with audit.recorded(store, "demo", {"people": people, "seed": seed}, reason="demo on a synthetic county") as record:
            for step in DEMO_STEPS:
                step(ctx)
            record.touch(rows=people)
    finally:
        store.close()
    echo("\nWhat the demo found:")
    for line in ctx.found:
        echo(f"  - {line}")
    echo(f"\nEverything is in {out_dir.resolve()}/ :")
    for path in ctx.files:
        echo(f"  {path}")
    return ctx
