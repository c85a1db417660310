"""``recorded(...)``: the one way the CLI and the Python API write audit entries.

Each recorded action writes two entries: ``start`` before it runs (who, when, command, arguments, reason),
so an action that crashes, hangs or is killed is still on record, and ``end`` after it (outcome ``ok``,
``refused`` or ``error`` with the message, the people and findings touched, the row count), pointing back
to its start by ``start``. A start with no end is an action that never finished.

A web view (``graphcase serve``) writes one entry instead, ``view``, holding both (``one_entry=True``): it
is written after the view has read the store and before its response leaves the server, so every page
anyone saw is on record, and the audit log's one fsynced write per look is not two.

Actions nest: the CLI records ``history``, and the ``build_history`` call inside it adds the people it
touched to the CLI's entry instead of writing its own. Called on its own, ``build_history`` writes its own
pair of entries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from .log import AuditError, AuditLog
from .settings import AuditSettings, log_path, os_account, read_settings, store_base


class ReasonRequired(AuditError):
    """A command that shows person-level data was asked for without a reason."""


@dataclass
class AuditRecord:
    """The action being recorded; callers add what it touched."""

    command: str
    log: AuditLog
    start_seq: int
    people: set[str] = field(default_factory=set)
    findings: set[str] = field(default_factory=set)
    rows: int | None = None

    def touch(self, *, people=(), findings=(), rows: int | None = None) -> None:
        self.people.update(p for p in people if p)
        self.findings.update(f for f in findings if f)
        if rows is not None:
            self.rows = (self.rows or 0) + rows


_current: ContextVar[AuditRecord | None] = ContextVar("graphcase_audit_record", default=None)


def current() -> AuditRecord | None:
    """The action being recorded in this context, if any."""
    return _current.get()


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def locate(store) -> tuple[AuditLog, AuditSettings]:
    settings = read_settings(store)
    return AuditLog(log_path(store, settings)), settings


def store_name(store) -> str:
    return str(store_base(store)) if store.dialect != "neo4j" else f"{store.location} ({getattr(store, 'database', None) or 'default database'})"


def outcome_of(exc: BaseException | None) -> tuple[str, str | None]:
    """ok / refused / error, with the message, from how the action ended."""
    from ..stores.base import ReadOnlyViolation

    if exc is None:
        return "ok", None
    if isinstance(exc, SystemExit) or type(exc).__name__ == "Exit":  # sys.exit / click's Exit
        code = getattr(exc, "code", None)
        code = getattr(exc, "exit_code", code)
        if code in (0, None):
            return "ok", None
        # graphcase exits 3 when the store refused a query (read-only guard); see output.fail
        return ("refused" if code == 3 else "error"), f"exit code {code}"
    if isinstance(exc, (ReadOnlyViolation, ReasonRequired)):
        return "refused", str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "error", "interrupted"
    message = getattr(exc, "format_message", None)
    return "error", (message() if callable(message) else f"{type(exc).__name__}: {exc}")


@contextlib.contextmanager
def recorded(store, command: str, arguments=None, *, reason: str | None = None, claimed_user: str | None = None,
             via: str = "api", message_holder: dict | None = None, user: str | None = None,
             one_entry: bool = False) -> Iterator[AuditRecord]:
    """Record ``command`` on ``store``: a start entry now, an end entry with the outcome afterwards.

    Raises :class:`AuditError` (nothing runs) when the log cannot be written, and :class:`ReasonRequired`
    when the store's settings require a reason for ``command`` and none was given (``reason``, else the
    GRAPHCASE_REASON environment variable). Inside another recorded action it adds to that one instead.
    ``user`` is an authenticated user (``graphcase serve``'s signed-in account), unlike ``claimed_user``;
    with it, neither the reason nor the claimed user is read from the environment. ``one_entry``: one
    ``view`` entry after the action (with its start time), not a start and an end entry (a web view, whose
    response is sent only once the entry is on disk).

    >>> from graphcase import open_store
    >>> with open_store("g.db", read_only=True) as store, recorded(store, "history", reason="MASH 2026-0412"):  # doctest: +SKIP
    ...     history = build_history(store, "gp:TWARD")
    """
    parent = _current.get()
    if parent is not None:
        yield parent
        return
    log, settings = locate(store)
    if user is None:  # an authenticated web request takes nothing from the server's environment
        reason = reason or os.environ.get("GRAPHCASE_REASON") or None
        claimed_user = claimed_user or os.environ.get("GRAPHCASE_USER") or None
    base = {
        "command": command,
        "arguments": _jsonable(arguments),
        "store": store_name(store),
        "os_account": os_account(),
        "claimed_user": claimed_user,  # what --user / GRAPHCASE_USER said: a claim, not checked
        "reason": reason,
        "via": via,
    }
    if user is not None:  # signed in to graphcase serve: checked by the server, not a claim
        base["user"] = user
    if one_entry:
        log.check_writable()  # a log that cannot be written refuses before the action, as a start entry would
        record = AuditRecord(command, log, 0)
        started = now()
    else:
        start = log.append({"phase": "start", "at": now(), **base})
        record = AuditRecord(command, log, start["seq"])
    if settings.needs_reason(command) and not reason:
        problem = ReasonRequired(
            f"'{command}' shows person-level data, so this store's audit settings require a reason: "
            "give --reason (e.g. the referral number) or set GRAPHCASE_REASON; nothing was run"
        )
        if one_entry:
            _view(log, base, record, started, "refused", str(problem))
        else:
            _end(log, base, record, "refused", str(problem))
        raise problem
    token = _current.set(record)
    error: BaseException | None = None
    try:
        yield record
    except BaseException as exc:
        error = exc
        raise
    finally:
        _current.reset(token)
        outcome, message = outcome_of(error)
        if message_holder and message_holder.get("graphcase.failure") and outcome != "ok":
            message = message_holder["graphcase.failure"]  # what output.fail printed
        if one_entry:
            _view(log, base, record, started, outcome, message)
        else:
            _end(log, base, record, outcome, message)


def _end(log: AuditLog, base: dict, record: AuditRecord, outcome: str, message: str | None) -> None:
    log.append({
        "phase": "end", "at": now(), **base, "start": record.start_seq, "outcome": outcome, "message": message,
        "people": sorted(record.people), "findings": sorted(record.findings), "rows": record.rows,
    })


def _view(log: AuditLog, base: dict, record: AuditRecord, started: str, outcome: str, message: str | None) -> None:
    log.append({
        "phase": "view", "at": started, "ended": now(), **base, "outcome": outcome, "message": message,
        "people": sorted(record.people), "findings": sorted(record.findings), "rows": record.rows,
    })


def _jsonable(value):
    if value is None:
        return []
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
