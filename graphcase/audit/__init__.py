"""The audit trail: every action on people's data is recorded (who, when, what, about whom, why, outcome).

Information sharing for safeguarding must "keep a record" (DPA 2018 Part 3 requires logging of consultation
and disclosure). The log is hash-chained (:mod:`.log`), lives where the store's own settings say
(:mod:`.settings`: beside the store by default, never moved by an environment variable), and is written by
:func:`recorded`, which both the CLI and the Python API's person-level functions use (:mod:`.session`).

>>> from graphcase import audit, open_store
>>> with open_store("g.db", read_only=True) as store, audit.recorded(store, "history", reason="MASH 12") as rec:  # doctest: +SKIP
...     rec.touch(people=["gp:TWARD"], rows=1)
"""

from __future__ import annotations

import os

from .log import AuditError, AuditLog, Verdict, canonical, entry_hash
from .session import AuditRecord, ReasonRequired, current, locate, recorded
from .settings import PERSON_LEVEL, AuditSettings, os_account, read_settings, write_settings


def read_log(path) -> list[dict]:
    """The entries of the log at ``path`` that parse (see :meth:`AuditLog.verify` for whether they are whole)."""
    return list(AuditLog(path).entries())


def current_user() -> str:
    """Who decides a review item: GRAPHCASE_USER (as the audit log), else the login name in USER."""
    import getpass

    return os.environ.get("GRAPHCASE_USER") or os.environ.get("USER") or getpass.getuser()


__all__ = [
    "AuditError", "AuditLog", "AuditRecord", "AuditSettings", "PERSON_LEVEL", "ReasonRequired", "Verdict",
    "canonical", "current", "current_user", "entry_hash", "locate", "os_account", "read_log", "read_settings",
    "recorded", "write_settings",
]
