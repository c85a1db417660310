"""``graphcase map``: write an interactive, offline HTML network map (ego, findings or partnership)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..catalogue.queries import CatalogueError
from ..output import fail
from ..stores import StoreError


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=option) from None


@click.command("map")
@click.argument("person_id", required=False)
@click.option("--hops", type=click.IntRange(0, 10), default=2, show_default=True, help="Person-to-person links from PERSON_ID.")
@click.option("--as-of", "as_of", default=None, help="Draw the network as it stood on this date [default: today].")
@click.option("--from", "from_date", default=None, help="Window start (with --to): links overlapping the window, events in it.")
@click.option("--to", "to_date", default=None, help="Window end (with --from).")
@click.option("--findings", "findings", is_flag=True, help="Map every missed-link finding instead of one person's network.")
@click.option("--pattern", default=None, help="With --findings: only this finding pattern.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="With --findings: draw at most this many findings, the children with the most findings first [default: 150].")
@click.option("--partnership", is_flag=True, help="Map the partnership: referrals and information shared between agencies.")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="HTML file to write.")
@click.pass_obj
def map_command(opts, person_id, hops, as_of, from_date, to_date, findings, pattern, limit, partnership, out):
    """Write an interactive network map as one self-contained HTML file (works offline).

    \b
      graphcase map gp:TWARD --hops 2 --as-of 2026-11-01 -o tyler.html
      graphcase map --findings [--pattern NAME] -o findings.html
      graphcase map --partnership --from 2025-01-01 --to 2026-11-01 -o partnership.html
    """
    from ..maps import FINDINGS_MAP_LIMIT, MapError, Window, ego_map, findings_map, partnership_map

    modes = sum(bool(x) for x in (person_id, findings, partnership))
    if modes != 1:
        raise click.UsageError("give exactly one of PERSON_ID, --findings or --partnership")
    if (pattern or limit) and not findings:
        raise click.UsageError("--pattern and --limit go with --findings")
    if (from_date is None) != (to_date is None):
        raise click.UsageError("--from and --to go together")
    if as_of and from_date:
        raise click.UsageError("use either --as-of or --from/--to, not both")
    start, end = _date(from_date, "--from"), _date(to_date, "--to")
    day = _date(as_of, "--as-of") or dt.date.today()
    try:
        window = Window.between(start, end) if start else Window.as_of(day)
        with opts.open(read_only=True) as store:
            if person_id:
                path = ego_map(store, person_id, hops=hops, window=window, out=out, viewer=opts.viewer(store))
            elif findings:
                path = findings_map(store, as_of=end or day, pattern=pattern, out=out, viewer=opts.viewer(store),
                                    limit=limit or FINDINGS_MAP_LIMIT)
            else:
                if not start:  # the partnership's flows up to the day
                    window = Window.up_to(day)
                path = partnership_map(store, window=window, out=out)
    except (MapError, CatalogueError, StoreError) as exc:
        fail(str(exc))
    click.echo(f"wrote {path} ({path.stat().st_size // 1024} KiB); open it in any browser, no network needed")
