"""The ``graphcase`` command: a thin click shell over the Python API.

Each command parses its options, calls one API function and prints. Feature commands live in their own
modules and are attached at the bottom of this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import audit
from . import catalogue as cat
from .bundle import BundleError
from .load import load_bundle, write_reject_report
from .output import fail, print_result
from .stores import DEFAULT_DB, ReadOnlyViolation, StoreError, open_store


class StoreOptions:
    def __init__(self, db, neo4j, neo4j_database, batch_size):
        self.db, self.neo4j, self.neo4j_database, self.batch_size = db, neo4j, neo4j_database, batch_size

    def open(self, read_only: bool = False):
        return open_store(
            self.db,
            neo4j_uri=self.neo4j,
            neo4j_database=self.neo4j_database,
            read_only=read_only,
            batch_size=self.batch_size,
        )


# Commands that show no person's data are not audited.
UNAUDITED = {"queries", "init", None}


class AuditedGroup(click.Group):
    """Keeps the command line as given, so the audit entry says exactly what was asked."""

    def parse_args(self, ctx, args):
        ctx.meta["graphcase.argv"] = list(args)
        return super().parse_args(ctx, args)


@click.group(cls=AuditedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="GRAPHCASE_DB", default=None, help=f"Embedded database file [default: ./{DEFAULT_DB}; env GRAPHCASE_DB].")
@click.option("--neo4j", "neo4j_uri", envvar="GRAPHCASE_NEO4J_URI", default=None, help="Use Neo4j at this URI (bolt://, neo4j://, neo4j+s://) [env GRAPHCASE_NEO4J_URI]; credentials from NEO4J_USERNAME / NEO4J_PASSWORD.")
@click.option("--neo4j-database", envvar="NEO4J_DATABASE", default=None, help="Neo4j database name [default: the server's default].")
@click.option("--batch-size", type=int, default=None, help="Neo4j: rows per UNWIND batch [default: 10000].")
@click.option("--user", envvar="GRAPHCASE_USER", default=None, help="Who is asking, for the audit log [default: the login name].")
@click.option("--reason", envvar="GRAPHCASE_REASON", default=None, help="Why, for the audit log (e.g. the referral number).")
@click.version_option(package_name="graphcase")
@click.pass_context
def main(ctx, db, neo4j_uri, neo4j_database, batch_size, user, reason):
    """graphcase: join multi-agency safeguarding records as a graph and surface missed links.

    Every command that shows or changes people's data is recorded in an audit log beside the database
    (GRAPHCASE_AUDIT_LOG to put it elsewhere): who, when, the command and its arguments, and --reason.
    """
    ctx.obj = StoreOptions(db, neo4j_uri, neo4j_database, batch_size)
    if ctx.invoked_subcommand not in UNAUDITED and "--help" not in ctx.meta.get("graphcase.argv", []):
        argv = ctx.meta.get("graphcase.argv", [])
        arguments = argv[argv.index(ctx.invoked_subcommand) + 1 :] if ctx.invoked_subcommand in argv else argv
        audit.record(
            audit.audit_log_path(db, neo4j_uri),
            command=ctx.invoked_subcommand,
            arguments=arguments,
            store=neo4j_uri or db or DEFAULT_DB,
            user=user,
            reason=reason,
        )


@main.command()
@click.pass_obj
def init(opts: StoreOptions):
    """Create an empty store with the graphcase schema."""
    try:
        with opts.open() as store:
            store.ensure_schema()
            click.echo(f"initialised {store.dialect} store at {store.location}")
    except StoreError as exc:
        fail(str(exc))


@main.command()
@click.argument("bundle", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--allow-rejects", is_flag=True, help="Write the accepted rows even when some rows were rejected.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Reject report CSV [default: ./rejects-<load id>.csv].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def load(opts: StoreOptions, bundle: Path, allow_rejects: bool, rejects_path: Path | None, quiet: bool):
    """Validate BUNDLE (a folder of CSV or JSON files) and load it, all or nothing.

    Rejected rows are listed in a reject report (file, row, field, reason, value). Without
    --allow-rejects nothing is written when any row is rejected, and the exit code is 2.
    """
    from .output import progress_bar

    try:
        with opts.open() as store, progress_bar(disable=quiet) as progress:
            report = load_bundle(store, bundle, allow_rejects=allow_rejects, progress=progress)
    except (BundleError, StoreError) as exc:
        fail(str(exc))
    click.echo(report.summary())
    if report.rejects:
        path = rejects_path or Path(f"rejects-{report.load_id}.csv")
        write_reject_report(report.rejects, path)
        for reject in report.rejects[:20]:
            click.echo(f"  rejected: {reject}", err=True)
        if len(report.rejects) > 20:
            click.echo(f"  ... and {len(report.rejects) - 20} more", err=True)
        click.echo(f"reject report: {path}", err=True)
        if not allow_rejects:
            fail("rows were rejected, so nothing was loaded; fix them or use --allow-rejects", code=2)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def stats(opts: StoreOptions, fmt: str):
    """Counts of nodes and relationships by kind, and of people known to each agency."""
    from .stats import store_stats

    try:
        with opts.open(read_only=True) as store:
            figures = store_stats(store)
    except StoreError as exc:
        fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(figures, indent=1))
        return
    from .output import print_table

    print_table(["element", "count"], [[k, v] for k, v in figures["elements"].items()], title="Graph")
    print_table(
        ["agency", "kind", "people known"],
        [[a["agency"], a["kind"], a["people"]] for a in figures["agencies"]],
        title="People known to each agency",
    )


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def queries(fmt: str):
    """List the query catalogue."""
    try:
        items = cat.load_catalogue()
    except cat.CatalogueError as exc:
        fail(str(exc))
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": q.name,
                        "group": q.group,
                        "title": q.title,
                        "description": q.description,
                        "parameters": {p.name: {"type": p.type, "default": p.default, "description": p.description} for p in q.parameters},
                        "columns": q.columns,
                        "why": q.why,
                        "engine_specific": sorted(q.dialect_paths),
                    }
                    for q in items.values()
                ],
                indent=1,
                default=str,
            )
        )
        return
    from .output import print_table

    rows = [
        [q.group, q.name, q.title, ", ".join(f"{p.name}:{p.type}={p.default}" for p in q.parameters)]
        for q in items.values()
    ]
    print_table(["group", "name", "title", "parameters"], rows, title="Query catalogue")


def _parse_params(pairs: tuple[str, ...]) -> dict:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            fail(f"parameter {pair!r} must look like key=value")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


@main.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, help="key=value, repeatable (lists: a,b,c).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.pass_obj
def run(opts: StoreOptions, name: str, params: tuple[str, ...], fmt: str):
    """Run the catalogue query NAME."""
    try:
        with opts.open(read_only=True) as store:
            result = cat.run_query(store, name, _parse_params(params))
    except (cat.CatalogueError, StoreError) as exc:
        fail(str(exc))
    print_result(result, fmt, title=name)


@main.command()
@click.argument("query")
@click.option("-p", "--param", "params", multiple=True, help="key=value, repeatable; values are strings.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.pass_obj
def cypher(opts: StoreOptions, query: str, params: tuple[str, ...], fmt: str):
    """Run ad-hoc Cypher, read-only: any write is refused by the database."""
    try:
        with opts.open(read_only=True) as store:
            result = store.query_read_only(query, _parse_params(params))
    except ReadOnlyViolation as exc:
        fail(str(exc), code=3)
    except StoreError as exc:
        fail(str(exc))
    print_result(result, fmt)


@main.group()
def fixtures():
    """Sample and synthetic data."""


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("graphcase-demo"), show_default=True)
@click.option("--people", type=int, default=5_000, show_default=True, help="Size of the synthetic county.")
@click.option("--seed", type=int, default=7, show_default=True)
def demo(out_dir: Path, people: int, seed: int):
    """End to end, no server: generate a county, load it into a fresh embedded store, run the catalogue."""
    from .demo import run_demo

    try:
        run_demo(out_dir, people=people, seed=seed, echo=click.echo)
    except (BundleError, StoreError, cat.CatalogueError) as exc:
        fail(str(exc))


# Feature commands: each feature module defines its click commands; attach them here, one line each.
from .history_cli import history  # noqa: E402
main.add_command(history)
from .linkage_cli import link_records_command, review  # noqa: E402
main.add_command(link_records_command); main.add_command(review)
from .maps_cli import map_command  # noqa: E402
main.add_command(map_command)
from .findings_cli import explain_command, links_command  # noqa: E402
main.add_command(links_command); main.add_command(explain_command)
from .synthetic.cli import generate  # noqa: E402
fixtures.add_command(generate)
