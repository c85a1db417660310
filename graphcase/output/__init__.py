"""Printing results: tables (rich), CSV, JSON, and the progress bar for long loads.

Each output format owns its escaping in one module here: :mod:`.csvsafe` (formula injection),
:mod:`.markdown` (markup, links, raw HTML), :mod:`.terminal` (rich markup, control codes) and :mod:`.html`
(HTML text, JSON inside ``<script>``). Every writer in graphcase goes through them.
"""

from __future__ import annotations

import contextlib
import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import terminal
from .csvsafe import SafeWriter
from .jsonable import result_json, to_jsonable
from ..stores.base import Result


def fail(message: str, code: int = 1):
    """Print 'Error: ...' to stderr and exit: the one way every command reports bad input."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # the audit entry's message (graphcase.cli.AuditedGroup)
        ctx.meta["graphcase.failure"] = message
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


WIDE = 7  # more columns than this print as one block per row


def _cell(value):
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return " > ".join(map(str, value))
    return value


def print_table(columns: list[str], rows: list[list], title: str | None = None) -> None:
    """A rich table on stdout fitted to the terminal's width (:func:`terminal.table`); headers, cells and
    title are shown literally."""
    width = terminal.width()
    Console(width=width).print(terminal.table(columns, [[_cell(v) for v in row] for row in rows], title=title, width=width))


def print_result(result: Result, fmt: str, title: str | None = None, stream=None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(result_json(result) + "\n")
    elif fmt == "csv":
        writer = SafeWriter(stream)
        writer.writerow(result.columns)
        writer.writerows([[_cell(v) for v in row] for row in result.rows])
    elif len(result.columns) > WIDE:
        # Too wide for columns: one block per row, field per line (like psql's expanded mode).
        width = max(len(c) for c in result.columns)
        if title:
            stream.write(f"{terminal.plain(title)} ({len(result)} rows)\n")
        for number, row in enumerate(result.rows, 1):
            stream.write(f"-[ row {number} ]" + "-" * 40 + "\n")
            for column, value in zip(result.columns, row):
                stream.write(f"{terminal.plain(column):<{width}} | {terminal.plain(_cell(value))}\n")
    else:
        print_table(result.columns, result.rows, title=f"{title} ({len(result)} rows)" if title else None)


@contextlib.contextmanager
def progress_bar(disable: bool = False):
    """Yields progress(step, rows) for GraphStore.apply: one line per step, with rows and time."""
    if disable:
        yield lambda step, rows: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(), console=Console(stderr=True), transient=False,
    ) as bar:
        task = bar.add_task("writing", total=None, rows=0)
        done = {"rows": 0}

        def update(step: str, rows: int) -> None:
            done["rows"] += rows
            bar.update(task, description=step, rows=done["rows"])

        yield update
