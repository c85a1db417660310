"""``graphcase queries``, ``run`` and ``cypher``: the catalogue and ad-hoc read-only Cypher."""

from __future__ import annotations

import json

import click

from .. import catalogue as cat
from ..output import fail, print_result
from ..stores import ReadOnlyViolation, StoreError, guard
from ..stores.base import Result
from .options import StoreOptions, parse_params, touch_result


@click.command()
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
    from ..output import print_table

    rows = [
        [q.group, q.name, q.title, ", ".join(f"{p.name}:{p.type}={p.default}" for p in q.parameters)]
        for q in items.values()
    ]
    print_table(["group", "name", "title", "parameters"], rows, title="Query catalogue")


@click.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, help="key=value, repeatable (lists: a,b,c).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.pass_obj
def run(opts: StoreOptions, name: str, params: tuple[str, ...], fmt: str):
    """Run the catalogue query NAME."""
    try:
        with opts.open(read_only=True) as store:
            result = cat.run_query(store, name, parse_params(params))
            redactor = opts.redactor(store)
        if redactor is not None:
            result = Result(result.columns, redactor.redact_rows(result.columns, result.rows), result.truncated_at)
    except (cat.CatalogueError, StoreError) as exc:
        fail(str(exc))
    touch_result(opts, result)
    print_result(result, fmt, title=name)


@click.command()
@click.argument("query")
@click.option("-p", "--param", "params", multiple=True, help="key=value, repeatable; values are strings.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help=f"Seconds the query may run (env {guard.TIMEOUT_ENV}; default {guard.DEFAULT_TIMEOUT_SECONDS:g}).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=None,
    help=f"Rows returned at most (env {guard.MAX_ROWS_ENV}; default {guard.DEFAULT_MAX_ROWS:,}).",
)
@click.option(
    "--max-memory-mb",
    type=click.IntRange(min=guard.MIN_MEMORY_MB),
    default=None,
    help=f"Memory the query may use on the embedded store, in MB (env {guard.MEMORY_ENV}; default {guard.DEFAULT_MEMORY_MB}).",
)
@click.pass_obj
def cypher(
    opts: StoreOptions,
    query: str,
    params: tuple[str, ...],
    fmt: str,
    timeout: float | None,
    max_rows: int | None,
    max_memory_mb: int | None,
):
    """Run ad-hoc Cypher, read-only: one statement of MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN,
    ORDER BY, SKIP, LIMIT, UNION and CALL of a metadata procedure; anything else is refused (exit code 3)."""
    try:
        limits = guard.resolve_limits(timeout, max_rows, max_memory_mb)
        with opts.open(read_only=True) as store:  # the command's audit entry: run_cypher adds to it
            result = cat.run_cypher(
                store, query, parse_params(params), timeout=limits.timeout_seconds, max_rows=limits.max_rows, memory_mb=limits.memory_mb,
                viewer=opts.viewer(store),
            )
    except ReadOnlyViolation as exc:
        fail(str(exc), code=3)
    except StoreError as exc:
        fail(str(exc))
    print_result(result, fmt)
    if result.truncated_at is not None:
        click.echo(
            f"Note: truncated at {result.truncated_at:,} rows (raise with --max-rows or {guard.MAX_ROWS_ENV}, or add LIMIT)",
            err=True,
        )
