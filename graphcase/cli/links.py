"""``graphcase links`` and ``graphcase explain``: the missed-link catalogue as explained findings.

``links`` runs the catalogue and also writes every finding to ``<db>.findings.json`` beside the database, so
that ``explain FINDING_ID`` prints exactly the evidence the analyst saw in the list, even when the data
have since been re-loaded (a professional acts on what they were shown; re-running could silently give a
different answer). ``explain --rerun`` recomputes instead and says whether the finding still stands.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import textwrap
from pathlib import Path

import click

from ..catalogue.queries import CatalogueError
from ..output import fail
from ..catalogue import thresholds
from ..output.csvsafe import SafeWriter
from ..output.terminal import plain, width as terminal_width
from ..catalogue.findings import _finding_from_dict, pattern_names, read_findings, run_catalogue, write_findings
from ..catalogue.leads import find_lead
from ..stores import DEFAULT_DB, StoreError


def findings_path(opts) -> Path:
    """The findings cache next to the embedded database (or in the working folder for Neo4j)."""
    if getattr(opts, "neo4j", None):
        return Path("graphcase-neo4j.findings.json")
    return Path(f"{opts.db or DEFAULT_DB}.findings.json")


def sweep_cache_path(opts) -> Path | None:
    """The last county sweep beside the embedded database, so that --person filters it in milliseconds
    (keyed by the database files, as_of, patterns and query texts: stale entries are never used)."""
    if getattr(opts, "neo4j", None):
        return None
    return Path(f"{opts.db or DEFAULT_DB}.sweep.json")


@click.command("links")
@click.option("--pattern", "patterns", multiple=True, type=click.Choice(pattern_names()), help="Run only this pattern (repeatable).")
@click.option("--person", default=None, help="Only findings touching this person's network (2 steps of relationships, shared homes, SAME_AS); filters the last county sweep (<db>.sweep.json) when the data and as_of are unchanged.")
@click.option("--as-of", "as_of", default=None, help="Date the network is read at (YYYY-MM-DD) [default: today].")
@click.option("--set", "assignments", multiple=True, metavar="PATTERN.PARAM=VALUE",
              help="Override one pattern parameter for this run, repeatable (e.g. repeated_was_not_brought.min_count=2).")
@click.option("--settings", "settings_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A partnership settings file (TOML, one [pattern] table of parameter = value each): checked, then "
                   "remembered beside the store and used by every later sweep.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.pass_obj
def links_command(opts, patterns, person, as_of, assignments, settings_file, fmt):
    """Run the missed-link catalogue: every pattern (or --pattern), county-wide or around --person."""
    try:
        when = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    store_location = None if getattr(opts, "neo4j", None) else (opts.db or DEFAULT_DB)
    try:
        if settings_file is not None:
            kept = thresholds.remember(settings_file, store_location or "graphcase-neo4j")
            click.echo(f"partnership settings checked and remembered at {kept}", err=True)
        overrides, origin = thresholds.effective(store_location or ("graphcase-neo4j" if opts.neo4j else None), assignments)
        with opts.open(read_only=True) as store:
            run = run_catalogue(store, when, list(patterns) or None, params=overrides, person=person,
                                sweep_cache=sweep_cache_path(opts))
            redactor = opts.redactor(store)
    except (CatalogueError, StoreError) as exc:
        fail(str(exc))
    # Saved whole beside the store (as readable as the store itself); shown as the viewer may see it.
    cache = write_findings(run, findings_path(opts))
    if redactor is not None:
        run = redactor.redact_run(run)
    if fmt == "json":
        click.echo(json.dumps(run.as_dict(), indent=1, ensure_ascii=False))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = SafeWriter(out)
        writer.writerow(["lead_id", "finding_id", "pattern", "children", "others", "explanation", "sources"])
        for lead in run.leads:
            for f in lead.reasons:
                sources = sorted({s for ev in f.evidence for s in ev.get("sources") or ()})
                writer.writerow([lead.id, f.id, f.pattern, ";".join(f.children), ";".join(f.others), f.explanation, ";".join(sources)])
        click.echo(out.getvalue(), nl=False)
        return
    from ..output import print_table

    columns = terminal_width()
    heading = f"Missed links as of {when}" + (f" around {person}" if person else "")
    if run.leads:
        print_table(["lead", "reasons", "explanation"],
                    [[lead.id, "\n".join(_numbered([r.pattern for r in lead.reasons])),
                      "\n".join(_numbered([r.explanation for r in lead.reasons]))] for lead in run.leads],
                    title=f"{heading}: {len(run.leads)} lead(s), {len(run.findings)} reason(s)")
    else:  # an empty table's title wraps to the table's narrow width and reads as broken
        click.echo(textwrap.fill(plain(f"{heading}: none. No pattern found anything (each pattern's count is below)."),
                                 columns, break_on_hyphens=False))
    print_table(["pattern", "findings", "seconds"], [[n, c, f"{s:.3f}"] for n, c, s in run.summary()], title="Summary by pattern")
    if origin:
        print_table(["parameter", "value", "set by"],
                    [[key, str(run.params[key.split(".")[0]][key.split(".")[1]]), how] for key, how in sorted(origin.items())
                     if key.split(".")[0] in run.params],
                    title="Thresholds changed from the catalogue's defaults")
    click.echo(textwrap.fill("every other parameter at its default ('graphcase queries' lists them); all values used are "
                             "saved with the findings", columns, break_on_hyphens=False))
    click.echo(textwrap.fill(f"findings saved to {cache}; 'graphcase explain LEAD_ID' shows the evidence of one lead", columns, break_on_hyphens=False))


def _numbered(items: list[str]) -> list[str]:
    return items if len(items) == 1 else [f"{i}. {x}" for i, x in enumerate(items, 1)]


@click.command("explain")
@click.argument("finding_id")
@click.option("--rerun", is_flag=True, help="Re-run the catalogue (at --as-of, else the saved sweep's date) instead of reading the saved findings.")
@click.option("--as-of", "as_of", default=None, help="With --rerun: the date to re-run at (YYYY-MM-DD) [default: the saved sweep's date].")
@click.pass_obj
def explain_command(opts, finding_id, rerun, as_of):
    """Print the full evidence of one lead (or finding) from the last 'graphcase links' run.

    FINDING_ID is a lead id, one of its reasons' ids, or an id it had before record linkage joined its records."""
    opts.begin_audit()
    if not findings_path(opts).exists() and not rerun:
        fail(f"no findings saved at {findings_path(opts)}; run 'graphcase links' first (or use --rerun)")
    saved = read_findings(findings_path(opts)) if findings_path(opts).exists() else None
    found = find_lead(saved, finding_id) if saved else None
    if rerun:
        try:
            when = dt.date.fromisoformat(as_of) if as_of else dt.date.fromisoformat(saved["as_of"]) if saved else dt.date.today()
        except ValueError:
            fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
        if found is None and saved and not as_of:
            click.echo(f"{finding_id} is not in the last sweep (as of {saved['as_of']}); give --as-of its date to re-run there")
        with opts.open(read_only=True) as store:
            # the sweep cache's key holds the store's files, date and parameters: a hit is the same answer
            run = run_catalogue(store, when, params=(saved or {}).get("parameters") if not as_of else None,
                                sweep_cache=sweep_cache_path(opts))
        fresh = run.lead_for(finding_id)
        click.echo(f"re-run as of {when}: the finding {'still stands' if fresh else 'is no longer reported'}")
        if fresh:
            found = (fresh.as_dict(), [r.as_dict() for r in fresh.reasons])
    if found is None:
        fail(f"no finding {finding_id!r} in {findings_path(opts)}; run 'graphcase links' first")
    lead, reasons = found
    with opts.open(read_only=True) as store:
        redactor = opts.redactor(store)
    if redactor is not None:
        reasons = [redactor.redact_finding(_finding_from_dict(r)).as_dict() for r in reasons]
    if opts.audit and opts.audit.record:
        opts.audit.record.touch(people=[*lead["children"], *lead["others"]], findings=[lead["id"]], rows=1)

    columns = terminal_width()

    def say(text: str, indent: int = 0) -> None:  # data shown literally, controls visible, wrapped to the terminal
        pad = " " * indent
        click.echo(textwrap.fill(plain(text), columns, initial_indent=pad, subsequent_indent=pad + "  ",
                                 break_on_hyphens=False, break_long_words=True) or pad)

    say(f"{lead['id']}  {len(reasons)} reason(s): {', '.join(r['pattern'] for r in reasons)}")
    if finding_id != lead["id"]:
        say(f"(asked for {finding_id}: " + ("a reason of this lead)" if finding_id in lead["reasons"]
                                            else "this lead's id before record linkage joined its records)"))
    say(f"children: {', '.join(lead['children']) or '-'}    others: {', '.join(lead['others']) or '-'}")
    for n, finding in enumerate(reasons, 1):
        click.echo("")
        say(f"reason {n}: {finding['pattern']}  {finding['id']}  {json.dumps(finding['key'])}")
        say(finding["explanation"])
        for i, ev in enumerate(finding["evidence"], 1):
            click.echo("")
            say(f"evidence {i}:", 2)
            nodes, rels = ev.get("path_nodes") or [], ev.get("path_rels") or []
            if nodes:
                path = nodes[0]
                for rel, node in zip(rels, nodes[1:]):
                    path += f" -[{rel}]- {node}"
                say(f"path: {path}", 4)
            say(f"sources: {', '.join(ev.get('sources') or [])}", 4)
            for key, value in ev.items():
                if key not in ("path_nodes", "path_rels", "sources"):
                    say(f"{key}: {value}", 4)
