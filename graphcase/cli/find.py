"""``graphcase find NAME``: person records across agencies that may be this person, ranked, with the comparison."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import click

from ..linkage.find import find_person
from ..linkage.train import LinkageError
from ..output import fail, print_table
from ..stores import StoreError


@click.command("find")
@click.argument("name")
@click.option("--dob", default=None, help="Date of birth (YYYY-MM-DD) or year of birth (YYYY).")
@click.option("--postcode", default=None, help="A postcode the person lived at.")
@click.option("--nhs-number", default=None, help="NHS number, if known.")
@click.option("--as-of", "as_of", default=None, help="Addresses as known on this date (YYYY-MM-DD) [default: today].")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def find_command(opts, name, dob, postcode, nhs_number, as_of, limit, fmt):
    """Person records that may be NAME, across agencies, best first, with the comparison that matched.

    Uses the record-linkage model (sound-alike and misspelt names, transposed dates of birth), so an analyst
    can start from a name, not a record id. Probabilities are printed as computed, never rounded up to 1.
    """
    if dob and not (len(dob) == 4 and dob.isdigit()):
        try:
            dt.date.fromisoformat(dob)
        except ValueError:
            fail(f"--dob {dob!r} is not a date (YYYY-MM-DD) or a year (YYYY)")
    try:
        when = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    try:
        with opts.open(read_only=True) as store:
            hits = find_person(store, name, dob=dob, postcode=postcode, nhs_number=nhs_number, as_of=when, limit=limit)
    except (LinkageError, StoreError) as exc:
        fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps([dataclasses.asdict(h) for h in hits], indent=1, ensure_ascii=False))
        return
    if not hits:
        click.echo(f"no person record resembles {name!r}")
        return
    print_table(["record", "agency", "name", "born", "postcode", "probability", "linked as", "comparison"],
                [[h.record_id, h.agency, h.name, h.dob or "", h.postcode or "", f"{h.probability:.6f}", h.resolved_id or "",
                  h.comparison] for h in hits],
                title=f"Records that may be {name}")
