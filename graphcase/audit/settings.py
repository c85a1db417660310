"""Where a store's audit log lives and which commands need a reason: settings kept with the store, nowhere else.

- Embedded store (LadybugDB): ``STORE.settings.json`` beside the store's real file (symlinks resolved),
  written by ``graphcase init`` and ``graphcase audit settings`` (0600, replaced atomically). A file beside
  the store rather than a table inside it: the first load builds a new database file beside the empty one and
  renames it over it, which would drop a table the loader does not know, and a sidecar needs no schema
  change; it has the same owner and folder as the store, so whoever can change it can change the store.
- Neo4j: a ``(:GraphcaseSetting {key: 'audit'})`` node in the database, so a partnership sets it once for
  every analyst's machine.

No environment variable, working folder or option moves the log: without a setting it sits beside the store
(``STORE.audit.jsonl``), or for Neo4j in ``~/.local/state/graphcase/audit/`` of the OS account (home from the
password database, not ``$HOME``), one file per server and database.
"""

from __future__ import annotations

import json
import os
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..files import atomic_write_text, private_dir
from .log import AuditError

SETTINGS_SUFFIX = ".settings.json"
LOG_SUFFIX = ".audit.jsonl"
SETTING_KEY = "audit"

# Commands that show person-level data: a reason is required unless the partnership's setting says otherwise.
PERSON_LEVEL = ("history", "links", "explain", "map", "run", "cypher", "find", "review", "export")


@dataclass
class AuditSettings:
    log: str | None = None  # the log file; relative paths are read from the store's folder
    reason_required: list[str] = field(default_factory=lambda: list(PERSON_LEVEL))  # command names, or ["*"]

    def needs_reason(self, command: str) -> bool:
        words = command.split()
        return "*" in self.reason_required or command in self.reason_required or bool(words and words[0] in self.reason_required)

    def as_dict(self) -> dict:
        return {"log": self.log, "reason_required": list(self.reason_required)}

    @classmethod
    def from_dict(cls, doc: dict, where: str) -> AuditSettings:
        if not isinstance(doc, dict):
            raise AuditError(f"{where}: the audit settings must be a JSON object")
        log = doc.get("log")
        required = doc.get("reason_required", list(PERSON_LEVEL))
        if log is not None and not isinstance(log, str):
            raise AuditError(f"{where}: audit setting 'log' must be a path or null")
        if not isinstance(required, list) or not all(isinstance(c, str) for c in required):
            raise AuditError(f"{where}: audit setting 'reason_required' must be a list of command names")
        return cls(log, required)


def os_account() -> str:
    """The operating-system account running graphcase (from the uid, not from $USER or $LOGNAME)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"


def _home() -> Path:
    try:
        return Path(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        return Path("/tmp")


def store_base(store) -> Path:
    """The embedded store's real path (symlinks resolved), which every side file is named after."""
    return Path(os.path.realpath(store.location))


def neo4j_log_folder() -> Path:
    return _home() / ".local" / "state" / "graphcase" / "audit"


def _neo4j_name(store) -> str:
    raw = f"neo4j-{store.location}-{getattr(store, 'database', None) or 'default'}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw)


def settings_path(store) -> Path | None:
    return None if store.dialect == "neo4j" else Path(f"{store_base(store)}{SETTINGS_SUFFIX}")


def read_settings(store) -> AuditSettings:
    if getattr(store, "offline", False):  # a database being bulk-imported: empty, so no settings node yet
        return AuditSettings()
    if store.dialect == "neo4j":
        from ..stores import StoreError

        try:
            rows = store.query("MATCH (s:GraphcaseSetting {key: $key}) RETURN s.value AS value", {"key": SETTING_KEY}).rows
        except StoreError as exc:
            raise AuditError(f"cannot read the audit settings from {store.location}: {exc}; nothing was run") from None
        if not rows or rows[0][0] is None:
            return AuditSettings()
        try:
            return AuditSettings.from_dict(json.loads(rows[0][0]), f"{store.location} GraphcaseSetting 'audit'")
        except json.JSONDecodeError as exc:
            raise AuditError(f"{store.location}: the audit setting is not JSON ({exc})") from None
    path = settings_path(store)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AuditSettings()
    except OSError as exc:
        raise AuditError(f"cannot read the audit settings {path}: {exc.strerror}; nothing was run") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuditError(f"{path}: not JSON ({exc}); nothing was run") from None
    return AuditSettings.from_dict(doc.get("audit", {}) if isinstance(doc, dict) else doc, str(path))


def write_settings(store, settings: AuditSettings) -> str:
    """Store the settings with the store; returns where they went."""
    if store.dialect == "neo4j":
        store.write("MERGE (s:GraphcaseSetting {key: $key}) SET s.value = $value",
                    {"key": SETTING_KEY, "value": json.dumps(settings.as_dict())})
        return f"{store.location} (GraphcaseSetting node)"
    path = settings_path(store)
    doc = {"version": 1, "audit": settings.as_dict()}
    atomic_write_text(path, json.dumps(doc, indent=1) + "\n")
    return str(path)


def log_path(store, settings: AuditSettings) -> Path:
    """The log the settings name, else the default beside the store (real path)."""
    if store.dialect == "neo4j":
        folder = neo4j_log_folder()
        if settings.log:
            return Path(os.path.realpath(Path(folder, os.path.expanduser(settings.log))))
        private_dir(folder)
        return folder / f"{_neo4j_name(store)}{LOG_SUFFIX}"
    base = store_base(store)
    if settings.log:
        return Path(os.path.realpath(base.parent / settings.log))
    return Path(f"{base}{LOG_SUFFIX}")
