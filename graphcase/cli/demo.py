"""``graphcase demo``: the whole job end to end on the embedded store."""

from __future__ import annotations

from pathlib import Path

import click

from ..catalogue import CatalogueError
from ..ingest.bundle import BundleError
from ..output import fail
from ..stores import StoreError


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("graphcase-demo"), show_default=True)
@click.option("--people", type=int, default=5_000, show_default=True, help="Size of the synthetic county.")
@click.option("--seed", type=int, default=7, show_default=True)
def demo(out_dir: Path, people: int, seed: int):
    """End to end, no server: generate a county, load it into a fresh embedded store, run the catalogue."""
    from ..demo import run_demo

    try:
        run_demo(out_dir, people=people, seed=seed, echo=click.echo)
    except (BundleError, StoreError, CatalogueError) as exc:
        fail(str(exc))


