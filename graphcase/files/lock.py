"""One writer at a time: an advisory lock (``fcntl.flock``) on a small file beside what it guards.

The kernel drops a flock when its holder dies, even by kill -9, so a crashed run never leaves a stale lock
behind; the lock file itself stays (removing it would let two processes lock two different files). While
held, the file names its holder (pid, command, since when) for the message a second writer gets.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.db.lock"
>>> with FileLock(path, "g.db"):
...     try:
...         FileLock(path, "g.db").acquire()
...     except LockBusy as exc:
...         print(str(exc).split(";")[0])
g.db is being written by another graphcase process
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sys
import time
from pathlib import Path

FILE_MODE = 0o600
WAIT_ENV = "GRAPHCASE_LOCK_TIMEOUT"  # seconds a writer waits for the lock before giving up (default 0)


class LockBusy(Exception):
    """Another process holds the lock (and did not let go within the timeout)."""


def default_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, "0")))
    except ValueError:
        return 0.0


class FileLock:
    """An exclusive flock on ``path``; ``what`` names the guarded thing in messages."""

    def __init__(self, path: str | os.PathLike, what: str):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float | None = None) -> FileLock:
        timeout = default_timeout() if timeout is None else timeout
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise LockBusy(
                        f"{self.what} is being written by another graphcase process{holder}; wait for it to finish "
                        f"and run again (or set {WAIT_ENV}=SECONDS to wait for it)"
                    ) from None
                time.sleep(0.05)
            except BaseException:
                os.close(fd)
                raise
        os.ftruncate(fd, 0)
        command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:3]))
        since = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
        os.pwrite(fd, f"pid {os.getpid()}, {command}, since {since}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> FileLock:
        return self.acquire() if not self.held else self

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 500, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f" ({text})" if text else ""
