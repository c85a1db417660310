"""Ad-hoc queries on the embedded store run in a worker process that is killed at their limits.

LadybugDB checks its query timeout only between operator steps, and one step can build a huge value: in
process, ``UNWIND range(1, 500000000) AS x RETURN count(x)`` with a 5 s limit ran 21-45 s and reached 4.3 GB.
So the guarded statement runs in a child (``adhoc_child.py``) that opens the store read-only with a memory
cap (half for the engine's buffer pool, half for everything else, enforced by RLIMIT_AS on the child), and
the parent SIGKILLs it when the time limit passes. Nothing of the store is touched: the child only reads, and
a killed reader leaves nothing behind. graphcase's own queries (catalogue, loader) stay in process.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import guard, ladybug_traps
from .base import ReadOnlyViolation, Result, StoreError
from .union import split_union, union_rows
from .values import ladybug_plain_rows, sort_unordered

CHILD = Path(__file__).with_name("adhoc_child.py")
# Starting Python, importing ladybug and opening the store: not part of the query's own time limit.
STARTUP_SECONDS = 60.0


def run_in_worker(path: str, statement: guard.Statement, params: dict | None, limits: guard.Limits) -> Result:
    """Plan (and check the plan of) ``statement``, then run it, in a worker process under ``limits``."""
    text = statement.limited(limits.max_rows + 1)
    branches, distinct = split_union(text)  # LadybugDB 0.22 mixes columns between UNION branches (union.py)
    memory = limits.memory_mb << 20
    request = {
        "path": str(path),
        "buffer_pool_bytes": memory // 2,
        "heap_bytes": memory - memory // 2,
        "timeout_ms": max(1, int(limits.timeout_seconds * 1000)),
        "explain": guard.EXPLAIN + text,
        "branches": branches,
        "params": params or {},
        "max_rows": limits.max_rows,
    }
    with _Worker(limits) as worker:
        worker.send(request)
        worker.receive("ready", time.monotonic() + STARTUP_SECONDS, explaining=True)
        deadline = time.monotonic() + limits.timeout_seconds
        plan = worker.receive("plan", deadline, explaining=True)
        guard.check_ladybug_plan(plan)
        if shapes := ladybug_traps.find_wrong_answer_shapes(plan):  # plans the engine answers wrongly
            raise guard.GuardRefusal(ladybug_traps.refusal(shapes))
        worker.send("go")
        per_branch = worker.receive("rows", deadline, explaining=False)
    columns = per_branch[0][0]
    rows = sort_unordered(text, columns, union_rows([ladybug_plain_rows(types, rows) for _, types, rows in per_branch], distinct))
    truncated = len(rows) > limits.max_rows
    return Result(columns, rows[: limits.max_rows], limits.max_rows if truncated else None)


class _Worker:
    """The child process and its two pipes; always killed and reaped on the way out."""

    def __init__(self, limits: guard.Limits):
        self.limits = limits
        self.errors = tempfile.TemporaryFile()
        # Fewer malloc arenas keep the child's address space (which RLIMIT_AS caps) close to what it uses.
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=env
        )
        self.buffer = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL: a step inside the engine cannot be interrupted any other way
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.errors):
            stream.close()

    def send(self, message) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.process.stdin.write(struct.pack(">I", len(data)) + data)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the child has ended; receive() says why

    def receive(self, expected: str, deadline: float, *, explaining: bool):
        """The next message's payload when it is ``expected``; else the error it reports, as graphcase's."""
        header = self._read(4, deadline)
        (size,) = struct.unpack(">I", header)
        kind, *payload = pickle.loads(self._read(size, deadline))
        if kind == expected:
            return payload[0] if payload else None
        raise self._error(kind, payload[0] if payload else "", explaining)

    def _read(self, size: int, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        while len(self.buffer) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.process.kill()
                raise guard.QueryLimitError(guard.timeout_message(self.limits))
            chunk = os.read(fd, max(size - len(self.buffer), 1 << 16))
            if not chunk:
                raise self._ended()
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _ended(self) -> StoreError:
        """The child closed its pipe without answering: killed by the kernel, or crashed."""
        code = self.process.wait()
        self.errors.seek(0)
        said = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        if code < 0:  # a signal: the engine aborts (SIGABRT, SIGSEGV) when an allocation fails in a thread
            name = signal.Signals(-code).name
            return guard.QueryLimitError(f"{guard.memory_message(self.limits)} [the query's process ended with {name}]")
        return StoreError(f"the query's process ended without an answer (exit {code}){': ' + said[-1] if said else ''}")

    def _error(self, kind: str, message: str, explaining: bool) -> StoreError:
        if kind == "memory":
            return guard.QueryLimitError(guard.memory_message(self.limits))
        if kind == "several":
            return guard.GuardRefusal("refused: ad-hoc queries are read-only and run one statement")
        if "read-only" in message.lower():
            return ReadOnlyViolation(f"refused: this query writes, and ad-hoc queries are read-only ({message})")
        if message.strip().rstrip(".") == "Interrupted":
            return guard.QueryLimitError(guard.timeout_message(self.limits))
        if "max db size" in message.lower() or "maximum database size" in message.lower():
            return StoreError(f"{message} (the store grew while the query started; run it again)")
        return StoreError(guard.without_explain(message) if explaining else message)
