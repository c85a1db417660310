"""``graphcase audit verify|show|settings|reseal``: check, read and configure the store's audit log."""

from __future__ import annotations

import datetime as dt
import json

import click

from .. import audit
from ..output import fail
from ..stores import StoreError
from .options import StoreOptions


def _root_param(ctx: click.Context, name: str):
    return ctx.find_root().params.get(name)


def _locate(opts: StoreOptions, read_only: bool = True):
    """(store, log, settings) for the store the root options name; the caller closes the store."""
    try:
        store = opts.open(read_only=read_only)
    except StoreError as exc:
        fail(str(exc))
    try:
        log, settings = audit.locate(store)
    except audit.AuditError as exc:
        store.close()
        fail(str(exc))
    return store, log, settings


@click.group("audit")
def audit_group():
    """The audit log: verify its hash chain, show entries, change where it lives and who must give a reason."""


@audit_group.command("verify")
@click.pass_obj
def verify(opts: StoreOptions):
    """Check the hash chain and report the first edited, inserted, reordered, missing or damaged entry.

    Exit code 0 for an intact log, 4 for a broken one. Copy the head hash printed to somewhere the log's
    writers cannot change, to anchor the log up to that entry.
    """
    store, log, _ = _locate(opts)
    store.close()
    try:
        verdict = log.verify()
    except audit.AuditError as exc:
        fail(str(exc), code=4)
    if not verdict.ok:
        click.echo(f"audit log {log.path}: BROKEN after {verdict.entries} entries read: {verdict.problem}")
        raise SystemExit(4)
    head = f"; head: entry {verdict.head.count}, sha256 {verdict.head.hash}" if verdict.head else ""
    click.echo(f"audit log {log.path}: intact, {verdict.entries} entries{head}")


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def actions(entries) -> list[dict]:
    """Start and end entries joined into one row per action (an action with no end never finished)."""
    rows: dict[int, dict] = {}
    for entry in entries:
        if entry.get("phase") == "start":
            rows[entry["seq"]] = {**entry, "outcome": "unfinished", "people": [], "findings": [], "rows": None, "message": None}
        elif entry.get("phase") == "end" and entry.get("start") in rows:
            start = rows[entry["start"]]
            start.update({k: entry.get(k) for k in ("outcome", "message", "people", "findings", "rows")}, ended=entry["at"])
        else:
            rows[entry["seq"]] = {**entry, "outcome": entry.get("outcome", entry.get("phase")), "people": entry.get("people", []),
                                  "findings": entry.get("findings", []), "rows": entry.get("rows")}
    return [rows[k] for k in sorted(rows)]


@audit_group.command("show")
@click.option("--user", "who", default=None, help="Only actions by this OS account or claimed user.")
@click.option("--person", default=None, help="Only actions that touched this person id.")
@click.option("--from", "date_from", default=None, help="Only actions on or after this date (YYYY-MM-DD, UTC).")
@click.option("--to", "date_to", default=None, help="Only actions on or before this date (YYYY-MM-DD, UTC).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def show(opts: StoreOptions, who, person, date_from, date_to, fmt):
    """List recorded actions (one row per command: its start joined with its outcome)."""
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    store, log, _ = _locate(opts)
    store.close()
    rows = []
    for action in actions(log.entries()):
        day = dt.date.fromisoformat(action["at"][:10])
        if who and who not in (action.get("os_account"), action.get("claimed_user")):
            continue
        if person and person not in (action.get("people") or []):
            continue
        if (start and day < start) or (end and day > end):
            continue
        rows.append(action)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    from ..output import print_table

    print_table(
        ["#", "at (UTC)", "account", "claimed", "command", "arguments", "reason", "outcome", "rows", "people"],
        [[a["seq"], a["at"], a.get("os_account"), a.get("claimed_user") or "", a.get("command"), " ".join(map(str, a.get("arguments") or [])) if isinstance(a.get("arguments"), list) else json.dumps(a.get("arguments")),
          a.get("reason") or "", a["outcome"] + (f": {a['message']}" if a.get("message") else ""), a.get("rows") if a.get("rows") is not None else "",
          ", ".join(a.get("people") or [])] for a in rows],
        title=f"Audit log {log.path}",
    )


@audit_group.command("settings")
@click.option("--log", "log_setting", default=None, help="Move the log to this file (relative to the store's folder).")
@click.option("--default-log", is_flag=True, help="Put the log back beside the store.")
@click.option("--reason-required", default=None, help="Commands that need --reason: a comma list, 'all' or 'none' "
              f"[default: {','.join(audit.PERSON_LEVEL)}].")
@click.pass_context
def settings_command(ctx, log_setting, default_log, reason_required):
    """Show or change the store's audit settings (kept with the store; the change is itself recorded)."""
    opts: StoreOptions = ctx.obj
    if log_setting and default_log:
        raise click.UsageError("use --log or --default-log, not both")
    changing = log_setting is not None or default_log or reason_required is not None
    store, log, settings = _locate(opts, read_only=not (changing and opts.neo4j))
    with store:
        if not changing:
            click.echo(json.dumps({**settings.as_dict(), "log_file": str(log.path)}, indent=1))
            return
        new = audit.AuditSettings(settings.log, list(settings.reason_required))
        if log_setting is not None or default_log:
            new.log = None if default_log else log_setting
        if reason_required is not None:
            value = reason_required.strip().lower()
            new.reason_required = ["*"] if value == "all" else [] if value == "none" else [c.strip() for c in reason_required.split(",") if c.strip()]
        change = {"from": settings.as_dict(), "to": new.as_dict()}
        reason, user = _root_param(ctx, "reason"), _root_param(ctx, "user")
        try:
            # Recorded in the old log (with its reason rule: a setting change always needs a reason) ...
            if not reason:
                raise audit.ReasonRequired("changing the audit settings needs --reason; nothing was changed")
            audit.AuditLog(audit.settings.log_path(store, new)).check_writable()  # before anything changes
            with audit.recorded(store, "audit settings", change, reason=reason, claimed_user=user, via="cli"):
                where = audit.write_settings(store, new)
            # ... and in the new one, if it moved, so each log says where the other is.
            moved_to, _ = audit.locate(store)
            if moved_to.path != log.path:
                with audit.recorded(store, "audit settings", {**change, "previous_log": str(log.path)}, reason=reason, claimed_user=user, via="cli"):
                    pass
        except audit.AuditError as exc:
            fail(str(exc))
    click.echo(f"audit settings saved in {where}; the log is {moved_to.path}")


@audit_group.command("reseal")
@click.pass_context
def reseal(ctx):
    """After a truncated or damaged log: record what verify finds in a 'reseal' entry, so work can go on.

    Needs --reason. The damage stays visible: verify still reports it, and the reseal entry says who
    resealed, when and why.
    """
    opts: StoreOptions = ctx.obj
    reason = _root_param(ctx, "reason")
    if not reason:
        fail("resealing the audit log needs --reason (who asked you to, and the incident reference)")
    store, log, _ = _locate(opts)
    store.close()
    try:
        verdict = log.verify()
        problem = verdict.problem
    except audit.AuditError as exc:
        problem = str(exc)
    if problem is None:
        click.echo(f"audit log {log.path}: intact, nothing to reseal")
        return
    try:
        entry = log.reseal({
            "phase": "reseal", "at": audit.session.now(), "command": "audit reseal", "arguments": [],
            "store": audit.session.store_name(store), "os_account": audit.os_account(),
            "claimed_user": _root_param(ctx, "user"), "reason": reason, "via": "cli", "found": problem,
        })
    except audit.AuditError as exc:
        fail(str(exc))
    click.echo(f"audit log {log.path}: resealed at entry {entry['seq']} after: {problem}")
