"""``graphcase init``, ``load`` and ``stats``: create, fill and count a store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import audit
from ..ingest.bundle import BundleError
from ..ingest.load import load_bundle, write_reject_report
from ..output import fail
from ..stores import StoreError
from .options import StoreOptions


@click.command()
@click.pass_obj
def init(opts: StoreOptions):
    """Create an empty store with the graphcase schema."""
    try:
        with opts.open() as store:
            store.ensure_schema()
            click.echo(f"initialised {store.dialect} store at {store.location}")
            if store.dialect != "neo4j" and not audit.settings.settings_path(store).exists():
                # The audit settings start beside the store, with the defaults spelled out for the partnership to change.
                click.echo(f"audit settings: {audit.write_settings(store, audit.read_settings(store))}")
    except StoreError as exc:
        fail(str(exc))


def _default_rejects_path(opts: StoreOptions, load_id: str) -> Path:
    """Beside the store (its folder is the one kept private), not the working folder; Neo4j: the working folder."""
    from ..stores import DEFAULT_DB

    if opts.neo4j:
        return Path(f"rejects-{load_id}.csv")
    return Path(f"{opts.db or DEFAULT_DB}.rejects-{load_id}.csv")


@click.command()
@click.argument("bundle", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--allow-rejects", is_flag=True, help="Write the accepted rows even when some rows were rejected.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Reject report CSV [default: beside the store, <db>.rejects-<load id>.csv].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def load(opts: StoreOptions, bundle: Path, allow_rejects: bool, rejects_path: Path | None, quiet: bool):
    """Validate BUNDLE (a folder of CSV or JSON files) and load it, all or nothing.

    Rejected rows are listed in a reject report (file, row, field, reason, value). Without
    --allow-rejects nothing is written when any row is rejected, and the exit code is 2.
    """
    from ..output import progress_bar

    try:
        with opts.open() as store, progress_bar(disable=quiet) as progress:
            report = load_bundle(store, bundle, allow_rejects=allow_rejects, progress=progress)
    except (BundleError, StoreError) as exc:
        fail(str(exc))
    click.echo(report.summary())
    if report.rejects:
        path = rejects_path or _default_rejects_path(opts, report.load_id)
        write_reject_report(report.rejects, path)
        for reject in report.rejects[:20]:
            click.echo(f"  rejected: {reject}", err=True)
        if len(report.rejects) > 20:
            click.echo(f"  ... and {len(report.rejects) - 20} more", err=True)
        click.echo(f"reject report: {path}", err=True)
        if not allow_rejects:
            fail("rows were rejected, so nothing was loaded; fix them or use --allow-rejects", code=2)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def stats(opts: StoreOptions, fmt: str):
    """Counts of nodes and relationships by kind, and of people known to each agency."""
    from ..stores.stats import store_stats

    try:
        with opts.open(read_only=True) as store:
            figures = store_stats(store)
    except StoreError as exc:
        fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(figures, indent=1))
        return
    from ..output import print_table

    print_table(["element", "count"], [[k, v] for k, v in figures["elements"].items()], title="Graph")
    print_table(
        ["agency", "kind", "people known"],
        [[a["agency"], a["kind"], a["people"]] for a in figures["agencies"]],
        title="People known to each agency",
    )


