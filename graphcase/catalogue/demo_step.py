"""Demo step: run the missed-link catalogue on the demo county, write findings.json and a summary."""

from __future__ import annotations

from ..files import atomic_write_text
from .findings import run_catalogue, write_findings


def findings_step(ctx) -> None:
    truth = ctx.truth
    run = run_catalogue(ctx.store, ctx.as_of)
    path = write_findings(run, ctx.out_dir / "findings.json")
    lines = [f"{name}: {count} findings ({secs:.2f} s)" for name, count, secs in run.summary()]
    if truth:
        from .quality import evaluate
        from ..linkage.link import resolved_ids

        quality = evaluate(run, truth, resolved_ids(ctx.store))
        lines = [
            f"{line}; precision {quality[n]['precision']:.2f} recall {quality[n]['recall']:.2f}"
            + (f" ({quality[n]['resolved_by_linkage']} planted pairs already joined by record linkage)" if quality[n]["resolved_by_linkage"] else "")
            for line, n in zip(lines, run.seconds)
        ]
    summary = ctx.out_dir / "findings_summary.txt"
    atomic_write_text(summary, "\n".join(lines) + "\n")
    ctx.files += [path, summary]
    ctx.found.append(f"missed-link catalogue: {len(run.findings)} findings over {len(run.seconds)} patterns (findings.json)")
