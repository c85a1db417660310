"""The hash-chained audit log: one JSON entry a line, each sealed to the one before it.

Every entry holds ``seq`` (1, 2, 3 ...), ``prev`` (the previous entry's ``hash``; 64 zeros for the first) and
``hash``: the SHA-256 of the entry's canonical JSON (sorted keys, no spaces, UTF-8) without ``hash``. So an
edited entry no longer matches its hash, and a deleted, inserted or reordered entry breaks ``seq`` and
``prev``. A deleted *tail* leaves a chain that is still whole, so a sidecar ``LOG.head`` (count and last
hash, replaced atomically after every append) records how long the log was: a log shorter than its head was
truncated. A new log gets its head (at entry 0) before its first entry, so a kill at any moment leaves the head
at most one entry behind, which is allowed.

Appends take an exclusive ``flock`` on the log, so two processes never fork the chain. An append refuses
(fails closed) when the log's tail and its head disagree, or when the head is missing: nobody can keep
working on top of a truncated or damaged log without an administrator's ``graphcase audit reseal``, which
writes what it found into the chain.

A chain without a secret detects careless and naive edits; someone who can write the files can also rebuild
every hash. Copy the head hash that ``graphcase audit verify`` prints to somewhere they cannot write (a
ticket, a write-once store) to anchor the log up to that entry.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_write_text, open_private_append

GENESIS = "0" * 64
HEAD_SUFFIX = ".head"


class AuditError(Exception):
    """The audit log cannot be written or read as it must be; nothing that needs it may run."""


def canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    """SHA-256 of the entry's canonical JSON without its own ``hash``."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


@dataclass
class Head:
    count: int
    hash: str


@dataclass
class Verdict:
    """What ``verify`` found: ``problem`` is None for an intact log."""

    entries: int
    head: Head | None
    problem: str | None = None
    line: int | None = None  # the first line at fault

    @property
    def ok(self) -> bool:
        return self.problem is None


class AuditLog:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + HEAD_SUFFIX)

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    # -- writing ---------------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Refuse a log that is not (or cannot become) a regular file: /dev/null, a FIFO, a folder, a symlink."""
        for path in (self.path, self.head_path):
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise AuditError(f"cannot use the audit log {path}: {exc.strerror}; nothing was run") from None
            if not stat.S_ISREG(mode):
                raise AuditError(f"the audit log {path} is not a regular file (a device, folder, pipe or symlink); nothing was run")
        if not self.path.parent.is_dir():
            raise AuditError(f"cannot write the audit log {self.path}: its folder {self.path.parent} does not exist; nothing was run")

    def append(self, fields: dict) -> dict:
        """Seal ``fields`` into the next entry, append it (fsynced), move the head on, and return the entry."""
        self.check_writable()
        try:
            with open_private_append(self.path) as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released when the file closes
                if os.fstat(handle.fileno()).st_size == 0 and self.read_head() is None:
                    # A head at entry 0 before entry 1 is written: a kill between the two then leaves a head one
                    # entry behind (allowed), never a log with no head (which must stop work).
                    atomic_write_text(self.head_path, json.dumps({"count": 0, "hash": GENESIS}))
                return self._seal(handle, *self._next_position(), fields)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {self.path}: {exc.strerror or exc}; nothing was run") from None

    def _seal(self, handle, seq: int, prev: str, fields: dict) -> dict:
        """Write entry ``seq`` chained to ``prev`` (fsynced) and move the head on; the caller holds the lock."""
        entry = {"seq": seq, "prev": prev, **fields}
        entry["hash"] = entry_hash(entry)
        handle.write(canonical(entry).decode("utf-8") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        atomic_write_text(self.head_path, json.dumps({"count": seq, "hash": entry["hash"]}))
        return entry

    def _next_position(self, *, resealing: bool = False) -> tuple[int, str]:
        head = self.read_head()
        last_line = _last_line(self.path)
        last = None
        if last_line is not None:
            try:
                last = json.loads(last_line)
                if not isinstance(last, dict) or "seq" not in last or "hash" not in last:
                    last = None
            except json.JSONDecodeError:
                last = None
        if last_line is None and (head is None or head.count == 0):
            return 1, GENESIS
        if not resealing:
            if head is None:
                raise AuditError(f"the audit head {self.head_path} is missing, so the log {self.path} may have been "
                                 "truncated; an administrator must check it (graphcase audit verify) and reseal it "
                                 "(graphcase audit reseal); nothing was run")
            if last is None or last["seq"] < head.count or (last["seq"] == head.count and last["hash"] != head.hash):
                raise AuditError(f"the audit log {self.path} does not end where its head says (entry {head.count}): "
                                 "it was truncated, damaged or edited; an administrator must check it (graphcase audit "
                                 "verify) and reseal it (graphcase audit reseal); nothing was run")
        # Resealing continues after whichever is later, so a gap left by deleted entries stays visible to verify.
        candidates = [(c.count, c.hash) for c in [head] if c] + ([(last["seq"], last["hash"])] if last else [])
        seq, prev = max(candidates) if candidates else (0, GENESIS)
        return seq + 1, prev

    def reseal(self, fields: dict) -> dict:
        """Append a ``reseal`` entry after a truncated or damaged tail (what verify found goes in ``fields``)."""
        self.check_writable()
        try:
            with open_private_append(self.path) as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                if _last_line(self.path) is not None and not _ends_with_newline(self.path):
                    handle.write("\n")  # a half-written line stays (verify reports it); the new entry starts clean
                return self._seal(handle, *self._next_position(resealing=True), fields)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {self.path}: {exc.strerror or exc}") from None

    # -- reading ---------------------------------------------------------------------------------------

    def read_head(self) -> Head | None:
        try:
            doc = json.loads(self.head_path.read_text(encoding="utf-8"))
            return Head(int(doc["count"]), str(doc["hash"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"the audit head {self.head_path} is damaged ({exc}); run graphcase audit verify") from None

    def lines(self) -> Iterator[tuple[int, str]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield number, line.rstrip("\n")

    def entries(self) -> Iterator[dict]:
        """Every entry that parses (``verify`` says whether they are the whole, untouched log)."""
        for _, line in self.lines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict):
                yield entry

    def verify(self) -> Verdict:
        """Walk the chain and report the first edited, inserted, reordered, missing or damaged entry."""
        head = self.read_head()
        numbered = list(self.lines())
        parsed: list[tuple[int, dict | None]] = []
        for number, line in numbered:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = None
            parsed.append((number, entry if isinstance(entry, dict) else None))
        seqs = {e.get("seq") for _, e in parsed if e}
        expected, prev = 1, GENESIS
        for number, entry in parsed:
            if entry is None:
                return Verdict(len(parsed), head, f"line {number} is not an audit entry (damaged or edited)", number)
            seq = entry.get("seq")
            if entry_hash(entry) != entry.get("hash"):
                return Verdict(len(parsed), head, f"line {number} (entry {seq}) was edited: it no longer matches its hash", number)
            if seq != expected:
                if isinstance(seq, int) and seq > expected and expected not in seqs:
                    what = f"entry {expected}" if seq == expected + 1 else f"entries {expected}-{seq - 1}"
                    return Verdict(len(parsed), head, f"{what} missing before line {number} (deleted)", number)
                return Verdict(len(parsed), head, f"line {number} holds entry {seq} where entry {expected} belongs (inserted or reordered)", number)
            if entry.get("prev") != prev:
                return Verdict(len(parsed), head, f"line {number} (entry {seq}) does not follow the entry before it "
                                                  "(that entry was replaced, or this one inserted)", number)
            prev, expected = entry["hash"], expected + 1
        count = expected - 1
        if head is None:
            if count:
                return Verdict(count, None, f"the head file {self.head_path} is missing: the log cannot be checked for a deleted tail")
            return Verdict(0, None)
        if count < head.count:
            return Verdict(count, head, f"truncated: the head records {head.count} entries, the log holds {count} "
                                        f"(entries {count + 1}-{head.count} deleted)")
        sealed = next((e for _, e in parsed if e and e["seq"] == head.count), None)
        if (head.count, head.hash) != (0, GENESIS) and (sealed is None or sealed["hash"] != head.hash):
            return Verdict(count, head, f"entry {head.count} is not the one the head recorded (replaced)")
        # A head one entry behind the log is a crash between appending and moving the head on: allowed.
        if count > head.count + 1:
            return Verdict(count, head, f"the log holds {count - head.count} entries after the head's entry {head.count} (appended outside graphcase)")
        return Verdict(count, head)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return True
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _last_line(path: Path, chunk: int = 65536) -> str | None:
    """The last non-empty line of ``path`` (reading back from the end), or None for a missing or empty file."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return None
    with handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        data = b""
        position = end
        while position > 0:
            step = min(chunk, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped:
                return stripped.rsplit(b"\n", 1)[1].decode("utf-8", errors="replace")
        stripped = data.rstrip(b"\n")
        return stripped.decode("utf-8", errors="replace") if stripped else None
