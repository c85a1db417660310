"""The audit trail: every command that touches people's data is recorded (who, when, what, about whom, why).

Information sharing for safeguarding must "keep a record". Each command appends one JSON line *before* it runs,
so refused and failed attempts are recorded too. The log sits beside the embedded database
(``graphcase.db.audit.jsonl``), or where ``GRAPHCASE_AUDIT_LOG`` says (use that with Neo4j).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path


def audit_log_path(db: str | None, neo4j_uri: str | None) -> Path:
    if os.environ.get("GRAPHCASE_AUDIT_LOG"):
        return Path(os.environ["GRAPHCASE_AUDIT_LOG"])
    if neo4j_uri:
        return Path("graphcase-audit.jsonl")
    return Path(f"{db or os.environ.get('GRAPHCASE_DB') or 'graphcase.db'}.audit.jsonl")


def record(path: Path, *, command: str, arguments: list[str], store: str, user: str | None, reason: str | None) -> dict:
    """Append one entry and return it.

    >>> record(Path("/tmp/audit.jsonl"), command="run", arguments=["q"], store="g.db", user="ana", reason="MASH ref 12")  # doctest: +SKIP
    """
    entry = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "user": user or os.environ.get("GRAPHCASE_USER") or getpass.getuser(),
        "reason": reason or os.environ.get("GRAPHCASE_REASON"),
        "command": command,
        "arguments": arguments,
        "store": store,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def current_user() -> str:
    """Who decides a review item: GRAPHCASE_USER (as the audit log), else the login name in USER."""
    import getpass

    return os.environ.get("GRAPHCASE_USER") or os.environ.get("USER") or getpass.getuser()
