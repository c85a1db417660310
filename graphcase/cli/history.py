"""``graphcase history``: the cross-agency chronology of one child, with knowledge gaps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..history import HistoryError, build_history
from ..history.pseudonymise import PseudonymError, Pseudonymiser
from ..output import fail
from ..history.render import FORMATS, render
from ..stores import StoreError
from ..files import atomic_write_text


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.command()
@click.argument("person_id")
@click.option("--from", "date_from", callback=_date, help="First event date included (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_date, help="Last event date included (YYYY-MM-DD).")
@click.option("--as-of", "as_of", callback=_date, help="What was recorded by this date: nothing later appears [default: --to, else today].")
@click.option("--sharing-standard", "standards", multiple=True, metavar="KIND=DAYS",
              help="Days within which an event of KIND should be shared ('*' for any kind), repeatable; later sharings are marked LATE "
                   "[default: domestic_abuse_incident=1 (Operation Encompass), arrest=3, probation_start=5, *=7].")
@click.option("--network-hops", "hops", type=click.IntRange(0, 2), default=1, show_default=True,
              help="Also the events of people 1 or 2 hops from the child (relationships, shared address).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.option("--pseudonymise", is_flag=True, help="Replace names and identifiers with consistent labels (Child A, Adult B ...).")
@click.option("--shift-dates", "shift_days", type=int, default=None, help="With --pseudonymise: shift every date by DAYS.")
@click.option("--scrub-free-text", is_flag=True, help="With --pseudonymise: keep event summaries, with every name, date, phone, e-mail, "
              "postcode, address, UPRN, NHS number and id the store holds replaced [default: summaries withheld].")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --pseudonymise: the review's key file (real id -> label), read and updated, so every file of a review uses the same labels. Keep it private.")
@click.pass_obj
def history(opts, person_id, date_from, date_to, as_of, standards, hops, fmt, output, pseudonymise, shift_days, key_file, scrub_free_text):
    """Chronology of the child PERSON_ID across agencies: who knew what, when, and what was not shared."""
    sharing_standards = {}
    for pair in standards:
        kind, _, days = pair.partition("=")
        if not days.strip().isdigit():
            fail(f"--sharing-standard {pair!r} must look like KIND=DAYS, e.g. domestic_abuse_incident=1")
        sharing_standards[kind.strip()] = int(days)

    if (shift_days is not None or key_file or scrub_free_text) and not pseudonymise:
        fail("--shift-dates, --key-file and --scrub-free-text only apply with --pseudonymise")
    try:
        pseudonymiser = Pseudonymiser.from_key_file(key_file, shift_days, scrub_free_text) if pseudonymise else None
        with opts.open(read_only=True) as store:
            case = build_history(store, person_id, date_from=date_from, date_to=date_to, hops=hops, as_of=as_of,
                                 pseudonymiser=pseudonymiser, sharing_standards=sharing_standards, viewer=opts.viewer(store))
    except (HistoryError, PseudonymError, StoreError) as exc:
        fail(str(exc))
    text = render(case, fmt)
    if pseudonymiser is not None and key_file:
        pseudonymiser.key.save(key_file)
    if output:
        atomic_write_text(output, text)
        click.echo(f"wrote {output} ({len(case.chronology.entries)} events, {len(case.gaps)} gaps)", err=True)
    else:
        click.echo(text, nl=False)
