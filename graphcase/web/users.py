"""Local accounts for ``graphcase serve``: a users file beside the store (0600), argon2id password hashes.

The file is JSON ``{"users": {name: {"role", "agency", "hash"}}}``, written atomically through
:mod:`graphcase.files`. Passwords are hashed with argon2-cffi's defaults (argon2id, OWASP's first choice);
a hash made with older parameters is upgraded at the next sign-in. The file never goes in a bundle.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..audit.settings import _neo4j_name, neo4j_log_folder, store_base
from ..files import atomic_write_bytes, atomic_write_text, private_dir
from ..model.restrictions import ROLES

USERS_SUFFIX = ".users.json"
SECRET_SUFFIX = ".web-secret"
MIN_PASSWORD = 12
NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")

_hasher = PasswordHasher()
# Compared against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(Exception):
    """A users-file request that cannot be done (unknown user, bad role, weak password, damaged file)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    agency: str
    cases: tuple[str, ...] = ()  # a reviewer's assigned cases (person ids): the only people they may open


def _user(name: str, record: dict) -> User:
    return User(name, record["role"], record["agency"], tuple(record.get("cases", ())))


def side_file(store, suffix: str) -> Path:
    """A file kept with the store: beside the embedded store's real file, or in the Neo4j state folder."""
    if store.dialect == "neo4j":
        return private_dir(neo4j_log_folder()) / f"{_neo4j_name(store)}{suffix}"
    return Path(f"{store_base(store)}{suffix}")


def session_secret(path: Path) -> bytes:
    """The key that signs session cookies, made on first use (0600); deleting it signs everyone out."""
    if path.is_file():
        secret = path.read_bytes().strip()
        if len(secret) >= 32:
            return secret
    secret = secrets.token_hex(32).encode()
    atomic_write_bytes(path, secret)
    return secret


class UserFile:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            users = json.loads(self.path.read_text(encoding="utf-8"))["users"]
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{self.path}: not a graphcase users file ({exc})") from None
        return users

    def _write(self, users: dict) -> None:
        atomic_write_text(self.path, json.dumps({"users": users}, indent=1, sort_keys=True) + "\n")

    def users(self) -> list[User]:
        return [_user(name, u) for name, u in sorted(self._read().items())]

    def get(self, name: str) -> User | None:
        u = self._read().get(name)
        return _user(name, u) if u else None

    def add(self, name: str, role: str, agency: str, password: str) -> User:
        if not NAME.fullmatch(name or ""):
            raise UserError(f"user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
        _check_role(role)
        if not agency or not agency.strip():
            raise UserError("every user belongs to an agency: give --agency")
        users = self._read()
        if name in users:
            raise UserError(f"user {name!r} already exists (use reset or set-role)")
        users[name] = {"role": role, "agency": agency.strip(), "hash": _hash(password)}
        self._write(users)
        return User(name, role, agency.strip())

    def remove(self, name: str) -> None:
        users = self._read()
        if users.pop(name, None) is None:
            raise UserError(f"no user {name!r}")
        self._write(users)

    def set_role(self, name: str, role: str) -> None:
        _check_role(role)
        users = self._read()
        if name not in users:
            raise UserError(f"no user {name!r}")
        users[name]["role"] = role
        self._write(users)

    def reset(self, name: str, password: str) -> None:
        users = self._read()
        if name not in users:
            raise UserError(f"no user {name!r}")
        users[name]["hash"] = _hash(password)
        self._write(users)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (the same work either way)."""
        users = self._read()
        record = users.get(name)
        try:
            _hasher.verify(record["hash"] if record else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if record is None:
            return None
        if _hasher.check_needs_rehash(record["hash"]):
            record["hash"] = _hasher.hash(password)
            self._write(users)
        return _user(name, record)

    def assign(self, name: str, person_id: str, *, remove: bool = False) -> User:
        """Give a reviewer a case (a person id), or take it away."""
        users = self._read()
        if name not in users:
            raise UserError(f"no user {name!r}")
        if users[name]["role"] != "reviewer":
            raise UserError(f"{name} is a {users[name]['role']}: only reviewers are limited to assigned cases")
        cases = set(users[name].get("cases", ()))
        if remove and person_id not in cases:
            raise UserError(f"{person_id!r} is not assigned to {name}")
        cases = cases - {person_id} if remove else cases | {person_id}
        users[name]["cases"] = sorted(cases)
        self._write(users)
        return _user(name, users[name])


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r}: choose one of {', '.join(ROLES)}")


def _hash(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)
