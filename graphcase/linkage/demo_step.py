"""The demo's record-linkage step: runs right after the load, so every later step sees SAME_AS links."""

from __future__ import annotations

from pathlib import Path


def linkage_step(ctx) -> None:
    from ..synthetic.county import DEFAULT_AS_OF
    from .link import link_records

    report = link_records(ctx.store, as_of=DEFAULT_AS_OF)
    ctx.echo(report.summary())
    ctx.files.append(Path(report.model_path))
    ctx.found.append(
        f"Record linkage: {report.linked_pairs + report.implied_pairs} SAME_AS links resolving {report.records_in_clusters} records into "
        f"{report.clusters} people; {report.queued_for_review} pairs wait for review (graphcase review)"
    )
