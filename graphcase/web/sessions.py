"""Server-side sessions with an idle time-out, and the sign-in lock-out; both read an injectable clock."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .users import User


@dataclass
class Session:
    csrf: str
    last_seen: float
    user: User | None = None
    reasons: dict[str, str] = field(default_factory=dict)  # person id -> why this session looked at them
    search_reason: str = ""


class Sessions:
    """Server-side sessions with an idle time-out; ``clock`` is injectable so tests need not wait."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float]):
        self.idle_seconds, self.clock = idle_seconds, clock
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, cookie: dict) -> Session:
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(csrf=secrets.token_urlsafe(32), last_seen=now)
        with self._lock:  # forget idle sessions here, so cookie-less requests cannot fill the memory
            for old in [k for k, v in self._by_id.items() if now - v.last_seen > self.idle_seconds]:
                del self._by_id[old]
            self._by_id[sid] = session
        cookie.clear()
        cookie["sid"] = sid
        return session

    def get(self, cookie: dict) -> tuple[Session, bool]:
        """The cookie's session (a new anonymous one when it has none), and whether an old one timed out."""
        now = self.clock()
        with self._lock:
            session = self._by_id.get(cookie.get("sid", ""))
            expired = session is not None and session.user is not None and now - session.last_seen > self.idle_seconds
            if expired:
                self._by_id.pop(cookie["sid"], None)
                session = None
        if session is None:
            return self.new(cookie), expired
        session.last_seen = now
        return session, False

    def __len__(self) -> int:
        return len(self._by_id)

    def end(self, cookie: dict) -> None:
        with self._lock:
            self._by_id.pop(cookie.get("sid", ""), None)
        cookie.clear()


class Lockout:
    """After ``max_failures`` failed sign-ins within ``seconds``, the name is refused for ``seconds``."""

    def __init__(self, clock: Callable[[], float], max_failures: int = 5, seconds: float = 900):
        self.clock, self.max_failures, self.seconds = clock, max_failures, seconds
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str) -> list[float]:
        now = self.clock()
        recent = [t for t in self._failures.get(name, []) if now - t < self.seconds]
        self._failures[name] = recent
        return recent

    def locked(self, name: str) -> bool:
        with self._lock:
            return len(self._recent(name)) >= self.max_failures

    def failed(self, name: str) -> None:
        with self._lock:
            self._recent(name).append(self.clock())

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)
