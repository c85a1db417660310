"""``graphcase init``, ``load`` and ``stats``: create, fill and count a store."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import click

from .. import audit
from ..ingest.bundle import BundleError
from ..ingest.limits import InputLimits, format_size, parse_size
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


def _size(ctx, param, value):
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _date_range(ctx, param, value):
    try:
        earliest, latest = (dt.date.fromisoformat(part.strip()) for part in value.split(":"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not FIRST:LAST, e.g. 1900-01-01:2100-12-31") from None
    if earliest > latest:
        raise click.BadParameter(f"{earliest} is after {latest}")
    return earliest, latest


DEFAULTS = InputLimits()


@click.command()
@click.argument("bundle", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--allow-rejects", is_flag=True, help="Write the accepted rows even when some rows were rejected.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Reject report CSV [default: beside the store, <db>.rejects-<load id>.csv].")
@click.option("--max-file-size", default=format_size(DEFAULTS.max_file_bytes).replace(" ", ""), metavar="SIZE", callback=_size, show_default=True, help="Refuse bundle files larger than this (e.g. 500M, 8G).")
@click.option("--max-field-size", default=format_size(DEFAULTS.max_field_bytes).replace(" ", ""), metavar="SIZE", callback=_size, show_default=True, help="Reject rows with a value larger than this (e.g. 64K).")
@click.option("--date-range", default=f"{DEFAULTS.earliest_date}:{DEFAULTS.latest_date}", metavar="FIRST:LAST", callback=_date_range, show_default=True, help="Reject dates outside FIRST:LAST.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--bulk-import", is_flag=True, help="First load into an empty, STOPPED local Neo4j database with neo4j-admin database import (not Aura, not a running server).")
@click.option("--neo4j-admin", "neo4j_admin", metavar="COMMAND", default=None, help="neo4j-admin for --bulk-import [default: $GRAPHCASE_NEO4J_ADMIN, else neo4j-admin on the PATH].")
@click.option("--sessions", type=click.IntRange(min=1), default=None, metavar="N", help="Neo4j: write the load's batches from N sessions at once [default: 1, the fastest measured; see docs/neo4j.md].")
@click.pass_obj
def load(opts: StoreOptions, bundle: Path, allow_rejects: bool, rejects_path: Path | None, max_file_size: int,
         max_field_size: int, date_range: tuple[dt.date, dt.date], quiet: bool, bulk_import: bool, neo4j_admin: str | None,
         sessions: int | None):
    """Validate BUNDLE (a folder of CSV or JSON files) and load it, all or nothing.

    Rejected rows are listed in a reject report (file, row, field, reason, value), written beside the
    store. Without --allow-rejects nothing is written when any row is rejected, and the exit code is 2.
    With --bulk-import the rows go to neo4j-admin database import (database --neo4j-database, default neo4j);
    start the server on it afterwards.
    """
    from ..output import progress_bar

    limits = InputLimits(max_file_size, max_field_size, *date_range)
    try:
        if bulk_import:
            from ..stores.neo4j_import import Neo4jImportTarget

            target = Neo4jImportTarget(opts.neo4j_database, neo4j_admin, server_uri=opts.neo4j)
            if opts.audit is not None:  # recorded as every load is (in the log of --neo4j's server when given)
                opts.audit.begin(target)
            opened = contextlib.nullcontext(target)
            rejects_path = rejects_path or Path("rejects-bulk-import.csv")
        else:
            opened = opts.open(sessions=sessions)
        with opened as store, progress_bar(disable=quiet) as progress:
            report = load_bundle(store, bundle, allow_rejects=allow_rejects, progress=progress, limits=limits)
    except BundleError as exc:
        fail(str(exc), code=2)
    except StoreError as exc:
        fail(str(exc))
    click.echo(report.summary())
    if report.rejects:
        path = rejects_path or _default_rejects_path(opts, report.load_id)
        write_reject_report(report.rejects, path)
        whole_files = [r for r in report.rejects if r.row is None]  # few, and each explains many rows
        shown = whole_files + [r for r in report.rejects if r.row is not None][:20]
        for reject in shown:
            click.echo(f"  rejected: {reject}", err=True)
        if len(report.rejects) > len(shown):
            click.echo(f"  ... and {len(report.rejects) - len(shown)} more", err=True)
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


