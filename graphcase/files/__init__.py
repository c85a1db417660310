"""Files that hold people's data: private (0600 files, 0700 folders) whatever the umask, and replaced whole.

Every file graphcase writes goes through here, so no caller has to remember ``chmod`` or ``fsync``:

>>> import tempfile, pathlib, stat
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = atomic_write_text(folder / "findings.json", "[]")
>>> oct(stat.S_IMODE(path.stat().st_mode))
'0o600'
>>> path.read_text()
'[]'

``atomic_write_*`` writes a temp file in the same folder, fsyncs it, renames it over the target and fsyncs the
folder, so a reader (or a crash) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder keeps its mode."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename or create inside ``path`` durable (POSIX records it in the folder)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None) -> Iterator:
    """Open a private temp file beside ``path``; on success fsync and rename it over ``path``, else remove it."""
    path = Path(path)
    private_dir(path.parent) if not path.parent.exists() else None
    remove_dead_writers_copies(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)  # mkstemp: 0600
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding, "newline": newline})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_dead_writers_copies(path: str | os.PathLike) -> list[Path]:
    """Delete the temp copies of ``path`` that a killed writer left (``.NAME.PID-XXXX.tmp``, its process gone),
    so a kill -9 mid-write leaves nothing behind after the next write. A live writer's copy is kept."""
    path = Path(path)
    removed = []
    for copy in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = copy.name[len(path.name) + 2:].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            copy.unlink(missing_ok=True)
            removed.append(copy)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    with atomic_writer(path, "w", encoding=encoding) as handle:
        handle.write(text)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_writer(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def open_private_append(path: str | os.PathLike, encoding: str = "utf-8"):
    """Open ``path`` for appending, created 0600 if new (for logs that grow a line at a time)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    return os.fdopen(fd, "a", encoding=encoding)


def make_private(path: str | os.PathLike) -> None:
    """Set 0600 on a file or 0700 on a folder (and everything inside it), e.g. a store a library created."""
    path = Path(path)
    if path.is_dir():
        os.chmod(path, DIR_MODE)
        for inner in path.rglob("*"):
            os.chmod(inner, DIR_MODE if inner.is_dir() else FILE_MODE)
    elif path.exists():
        os.chmod(path, FILE_MODE)


@contextlib.contextmanager
def private_temp_dir(prefix: str = "graphcase-") -> Iterator[Path]:
    """A fresh 0700 temp folder (tempfile.mkdtemp), removed with everything in it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
