"""``graphcase fixtures generate``: write a synthetic county bundle and its ground truth."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from ..synthetic.county import DEFAULT_AS_OF, generate_county


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--people", type=click.IntRange(min=1), default=10_000, show_default=True, help="Background population.")
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same bytes.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=DEFAULT_AS_OF.isoformat(),
              show_default=True, help="Date the ground truth holds at (and the last date of any event).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
def generate(out_dir: Path, people: int, seed: int, as_of: dt.datetime, fmt: str):
    """Generate a synthetic county bundle in OUT_DIR, with planted pattern instances and ground_truth.json."""
    started = time.perf_counter()
    frames, truth = generate_county(people, seed=seed, out_dir=out_dir, as_of=as_of.date(), fmt=fmt,
                                    progress=lambda line: click.echo(f"  {line}"))
    click.echo(f"county of {people:,} people (seed {seed}, as of {truth.as_of}) in {out_dir}/")
    for name, frame in frames.items():
        click.echo(f"  {name + '.' + fmt:<20} {len(frame):>10,} rows")
    click.echo("planted (hits / near-misses), listed in ground_truth.json:")
    for pattern, found in sorted(truth.patterns.items()):
        click.echo(f"  {pattern:<40} {len(found['hits']):>6,} / {len(found['near_misses']):,}")
    click.echo(f"done in {time.perf_counter() - started:.1f} s")
