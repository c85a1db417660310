"""The embedded store: LadybugDB (the maintained fork of Kùzu), one file on disk, no server.

New rows arrive by ``COPY ... FROM`` an Arrow table (about 1M rows in 3.5 s on two cores, against 80 s by
UNWIND batches); the small delta of changed rows goes by ``UNWIND ... MERGE ... SET``.

Every write is built beside the store and swapped in whole (docs/crash-safety.md has the reasoning):

- A store opened for writing takes ``NAME.lock`` (an flock) first and holds it until closed, so no second
  writer reads the store, or swaps a file over it, in between; it reads the store through a read-only handle.
- A write (a load, a link set, one statement) copies ``NAME`` to a private ``.NAME.<pid>-<hex>.building``,
  applies everything there with automatic checkpoints off, checkpoints, closes, fsyncs, and renames the copy
  over ``NAME`` (``os.replace``: atomic on one file system), then fsyncs the folder. The visible file is never
  opened for writing, so a kill at any moment, also inside the engine's checkpoint (which is not crash-atomic:
  it can leave ``.wal.checkpoint`` / ``.shadow`` files and half-applied updates), only ever tears the copy.
  Readers keep reading the old file until they re-open.
- The next writer removes a killed run's ``.NAME.*.building*`` files (the copy and the engine's files of it).

Loading into an empty store skips the write-ahead log copy of every row and the checkpoint of one huge
transaction (measured on 1M people, COMMIT alone took 39 s of a 109 s load): the copy's COPYs are
auto-committed. What remains is the COPY itself, and in a relationship COPY each text property with a
distinct value per row costs about 2.4 µs a row (both directions of the relationship are written):
KNOWN_TO's 1.5M rows take about 2 s with no property and 9-12 s with their 15. ``benchmarks/load_floor.py``
measures the floor; ``benchmarks/copy_cost.py`` what the copy adds.
"""

from __future__ import annotations

import contextlib
import glob
import os
import queue
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..files import fsync_dir
from ..files.lock import FileLock, LockBusy
from . import adhoc, dialects, guard, ladybug_traps
from .base import GraphStore, LoadPlan, Progress, ReadOnlyViolation, Result, StoreError
from .union import split_union, union_rows
from .values import ladybug_plain_rows, sort_unordered

UPDATE_BATCH = 5_000
LOCK_SUFFIX = ".lock"  # NAME.lock: held by the one process writing NAME
BUILDING_SUFFIX = ".building"  # .NAME.<pid>-<hex>.building: the private copy a write is applied to
LEGACY_LOADING_SUFFIX = ".loading"  # .NAME.loading: where graphcase 0.2 built a first load
# Files the engine keeps beside a database while writes are not yet checkpointed or a checkpoint runs.
ENGINE_SIDECARS = (".wal", ".wal.checkpoint", ".shadow", ".checkpoint.apply.lock", ".checkpoint.intent.lock")


def _import_ladybug():
    try:
        import ladybug
    except ImportError as exc:  # pragma: no cover - a broken install
        raise StoreError("the embedded store needs the 'ladybug' package: pip install ladybug") from exc
    return ladybug


ARROW_TYPES = {
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "INT64": pa.int64(),
    "DOUBLE": pa.float64(),
    "TIMESTAMP": pa.timestamp("us"),
    "STRING": pa.string(),
}


def to_arrow(frame: pd.DataFrame, column_types: dict[str, str]) -> pa.Table:
    """DataFrame -> Arrow with the types the table was declared with (dates as date32, text as string).

    Arrow-backed frames (what the loader plans with) convert without copying a value."""
    if all(isinstance(dtype, pd.ArrowDtype) for dtype in frame.dtypes):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        return table.cast(pa.schema([(n, ARROW_TYPES[column_types.get(n, "STRING")]) for n in table.column_names]))
    arrays = {}
    for name in frame.columns:
        col = frame[name]
        typ = column_types.get(name, "STRING")
        if typ == "DATE":
            arrays[name] = pa.array(col.to_numpy(dtype="datetime64[D]"), type=pa.date32())
        elif typ == "BOOLEAN":
            arrays[name] = pa.array(col.to_numpy(dtype=bool))
        elif typ == "INT64":
            arrays[name] = pa.array(col.to_numpy(dtype="int64"))
        elif typ == "TIMESTAMP":
            arrays[name] = pa.array(pd.to_datetime(col).to_numpy(dtype="datetime64[us]"), type=pa.timestamp("us"))
        else:
            arrays[name] = pa.array(col, type=pa.string(), from_pandas=True)
    return pa.table(arrays)


def frame_to_rows(frame: pd.DataFrame) -> list[dict]:
    """DataFrame -> parameter rows with Python values (date, None) that both engines accept."""
    if all(isinstance(dtype, pd.ArrowDtype) for dtype in frame.dtypes):
        # Arrow gives date32 -> datetime.date, timestamp -> naive datetime, null -> None.
        return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()
    out = frame.astype(object).where(frame.notna(), None)
    for name in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name]):
            out[name] = [None if pd.isna(v) else v.date() for v in frame[name]]
            if name == "loaded_at":
                out[name] = [None if pd.isna(v) else v.to_pydatetime() for v in frame[name]]
        elif pd.api.types.is_integer_dtype(frame[name]):
            out[name] = [int(v) for v in frame[name]]
        elif pd.api.types.is_bool_dtype(frame[name]):
            out[name] = [bool(v) for v in frame[name]]
    return out.to_dict("records")


class LadybugStore(GraphStore):
    dialect = "ladybug"

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True, lock_timeout: float | None = None):
        """Open the store at ``path``. For writing (``read_only=False``) the store's lock is taken first and
        held until :meth:`close`; ``lock_timeout`` seconds to wait for it (default: $GRAPHCASE_LOCK_TIMEOUT
        or 0). A missing file is created (empty) when ``create``."""
        self.location = str(path)
        self.read_only = read_only
        self._lock: FileLock | None = None
        self._db = self._conn = None
        self._pool: queue.SimpleQueue | None = None  # read-only: connections shared by threads (open_pool)
        self._closed = True
        self._checked_shapes: dict[str, list[str]] = {}  # statement text -> wrong-answer shapes in its plan
        if (read_only or not create) and not Path(path).exists():
            raise StoreError(f"{path}: no graphcase database here (run 'graphcase load' or 'graphcase init' first)")
        # Writes lock, copy and rename the real file: a symlinked store name stays a symlink to the new file.
        self._real_path = Path(os.path.realpath(path))
        if not read_only:
            path = self._real_path
            self._lock = FileLock(lock_path(path), self.location)
            try:
                self._lock.acquire(lock_timeout)
            except LockBusy as exc:
                raise StoreError(str(exc)) from None
            except OSError as exc:
                raise StoreError(f"{lock_path(path)}: cannot take the store's lock: {exc}") from exc
            try:
                remove_leftovers(Path(path))
                _replay_legacy_sidecars(Path(path))
                if not Path(path).exists():
                    with self._building():  # an empty database, published whole like any write
                        pass
            except BaseException:
                self._lock.release()
                raise
        self._open()

    def _open(self) -> None:
        """Open (or, after a swap, re-open) the file at self.location: always read-only, since writes go to a
        copy (see :meth:`_building`)."""
        ladybug = _import_ladybug()
        try:
            self._db = ladybug.Database(self.location, read_only=True)
        except RuntimeError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"{self.location}: the database is open for writing in another process; close it or wait"
                ) from exc
            if "different version" in str(exc):
                raise StoreError(
                    f"{self.location}: written by another LadybugDB release than this graphcase's ({exc}); "
                    "load the bundle again into a new store (graphcase --db NEW.db load BUNDLE)"
                ) from exc
            raise StoreError(f"{self.location}: cannot open database: {exc}") from exc
        self._conn = ladybug.Connection(self._db)
        self._closed = False

    def open_pool(self, size: int) -> None:
        """Let up to ``size`` threads query at once, each on its own Connection to the one read-only Database
        (a Connection runs one query at a time; a Database serves several). Read-only stores only: a writer
        keeps one connection, since its writes go to a copy it swaps in."""
        if not self.read_only:
            raise StoreError(f"{self.location}: a pool of connections is for a store opened read-only")
        ladybug = _import_ladybug()
        pool = queue.SimpleQueue()
        pool.put(self._conn)
        for _ in range(size - 1):
            pool.put(ladybug.Connection(self._db))
        self._pool = pool

    def _close_handle(self) -> None:
        try:
            while self._pool is not None and not self._pool.empty():
                connection = self._pool.get_nowait()
                if connection is not self._conn:
                    connection.close()
            self._pool = None
            if self._conn is not None:
                self._conn.close()
            if self._db is not None:
                self._db.close()
        except Exception:  # closing twice is harmless
            pass
        self._conn = self._db = None
        self._closed = True

    # -- reading -------------------------------------------------------------------------------
    def _execute(self, cypher: str, params: dict | None = None):
        if self._closed:
            raise StoreError(f"{self.location}: the store is closed")
        pool = self._pool
        connection = pool.get() if pool is not None else self._conn  # waits for a free one
        try:
            return connection.execute(cypher, params or {})
        except RuntimeError as exc:
            raise StoreError(str(exc)) from exc
        finally:
            if pool is not None:
                pool.put(connection)

    def query(self, cypher: str, params: dict | None = None) -> Result:
        # A UNION runs branch by branch: LadybugDB 0.22 mixes columns between branches (see union.py).
        branches, distinct = split_union(cypher)
        for branch in branches:
            self._refuse_wrong_answer_shape(branch, params)
        results = [self._execute(branch, params) for branch in branches]
        rows = [ladybug_plain_rows(result.get_column_data_types(), result.get_all()) for result in results]
        columns = results[0].get_column_names()
        return Result(columns, sort_unordered(cypher, columns, union_rows(rows, distinct)))

    def query_table(self, cypher: str, params: dict | None = None) -> pa.Table:
        branches, _ = split_union(cypher)
        if len(branches) > 1:  # a UNION runs branch by branch (see query)
            return super().query_table(cypher, params)
        self._refuse_wrong_answer_shape(cypher, params)
        return self._execute(cypher, params).get_as_arrow()

    def _refuse_wrong_answer_shape(self, cypher: str, params: dict | None) -> None:
        """Fail rather than answer wrongly: refuse a statement whose plan the engine is known to get wrong
        (see ladybug_traps). Each statement text is planned once while the store is open."""
        if cypher not in self._checked_shapes:
            plan = self._execute(guard.EXPLAIN + cypher, params).get_all()[0][0]
            self._checked_shapes[cypher] = ladybug_traps.find_wrong_answer_shapes(plan)
        if self._checked_shapes[cypher]:
            raise StoreError(ladybug_traps.refusal(self._checked_shapes[cypher]))

    def query_read_only(
        self,
        cypher: str,
        params: dict | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        memory_mb: int | None = None,
    ) -> Result:
        statement = guard.check_statement(cypher, self.dialect)  # before the engine binds anything
        return self._run_guarded(statement, params, guard.resolve_limits(timeout, max_rows, memory_mb))

    def _run_guarded(self, statement: guard.Statement, params: dict | None, limits: guard.Limits) -> Result:
        # In a worker process on its own read-only handle, killed at the time limit and capped in memory:
        # the engine checks its timeout only between steps, and one step can build gigabytes.
        return adhoc.run_in_worker(self.location, statement, params, limits)

    def node_ids(self, label: str) -> pa.Array:
        return self._execute(f"MATCH (n:{label}) RETURN n.id AS id").get_as_arrow()["id"].combine_chunks().cast(pa.string())

    def stored_row_hashes(self, element: str, is_node: bool) -> pa.Array:
        table = self._execute(dialects.stored_hashes_query(element, is_node)).get_as_arrow()
        return table["row_hash"].combine_chunks().cast(pa.int64())

    def key_parts_and_hashes(self, element: str, is_node: bool) -> pa.Table:
        return self._execute(dialects.row_hashes_query(element, is_node)).get_as_arrow()

    # -- writing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _building(self) -> Iterator:
        """A connection to a private copy of the store; when the block ends without error the copy is
        checkpointed, closed, fsynced and renamed over the store. On any error (or a kill) the store is as
        it was and the copy is removed (by the next writer, after a kill)."""
        if self.read_only or self._lock is None or not self._lock.held:
            raise ReadOnlyViolation(f"{self.location}: opened read-only; writing needs LadybugStore(path)")
        ladybug = _import_ladybug()
        target = self._real_path
        building = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{BUILDING_SUFFIX}")
        self._close_handle()  # its pages would only add to the copy's memory; re-opened on the new file below
        try:
            if target.exists():
                _copy_file(target, building)
            try:
                db = ladybug.Database(str(building), auto_checkpoint=False)
            except RuntimeError as exc:
                raise StoreError(f"{building}: cannot open the copy of the store: {exc}") from exc
            conn = ladybug.Connection(db)
            try:
                yield conn
                _run(conn, "CHECKPOINT")
            finally:
                conn.close()
                db.close()
            left = [s for s in ENGINE_SIDECARS if _sidecar(building, s).exists()]
            if left:
                raise StoreError(f"{building}: the new database did not checkpoint cleanly ({', '.join(left)} left); the store was left as it was")
            os.chmod(building, 0o600)
            _fsync_file(building)
            os.replace(building, target)
            fsync_dir(target.parent)
        except BaseException:
            _remove_database_files(building)
            raise
        finally:
            if target.exists():
                self._open()

    def write(self, cypher: str, params: dict | None = None) -> Result:
        return self.write_all([(cypher, params)])[0]

    def write_all(self, statements) -> list[Result]:
        with self._building() as conn:
            results = []
            for cypher, params in statements:
                result = _run(conn, cypher, params)
                results.append(Result(result.get_column_names(), result.get_all()))
        return results

    def ensure_schema(self) -> None:
        """Create missing tables, and add columns a later graphcase added (``restricted``, ``visible_to``) to
        tables of a store made before them; a store already up to date is not touched."""
        tables = {row[0] for row in self._execute("CALL SHOW_TABLES() RETURN name").get_all()}
        definitions = {**dialects.node_properties(), **{t: d[2] for t, d in dialects.rel_definitions().items()}}
        missing_columns = []
        for table in sorted(set(definitions) & tables):
            stored = {row[0] for row in self._execute(f"CALL TABLE_INFO('{table}') RETURN name").get_all()}
            missing_columns += [(table, c, t) for c, t in definitions[table].items() if c not in stored]
        if set(definitions) <= tables and not missing_columns:
            return
        with self._building() as conn:
            for statement in dialects.ladybug_ddl():
                _run(conn, statement)
            for table, column, typ in missing_columns:  # names from the bundle schemas, never user input
                _run(conn, f"ALTER TABLE {table} ADD {column} {typ}")

    def is_empty(self) -> bool:
        """True when no node (hence no relationship) of any label is stored."""
        for label in dialects.node_properties():
            if self._execute(f"MATCH (n:{label}) RETURN n.id LIMIT 1").has_next():
                return False
        return True

    def apply(self, plan: LoadPlan, progress: Progress | None = None) -> None:
        """The whole plan on a copy of the store, swapped in whole (see :meth:`_building`). The copy is
        private, so its statements auto-commit: into empty tables a COPY then skips the write-ahead log."""
        progress = progress or (lambda step, n: None)
        with self._building() as conn:
            for change in plan.changes:
                if not change.inserts.empty:
                    self._copy(conn, change)
                    progress(f"{change.element}: new", len(change.inserts))
                if not change.updates.empty:
                    self._apply_updates(conn, change, _write_columns(conn, change))
                    progress(f"{change.element}: updated", len(change.updates))

    @staticmethod
    def _copy(conn, change) -> None:
        types = _write_columns(conn, change)
        table = to_arrow(change.inserts[list(types)], types)
        try:
            conn.execute(f"COPY {change.element} FROM $rows", {"rows": table})
        except RuntimeError as exc:
            raise StoreError(f"COPY {change.element}: {exc}") from exc

    @staticmethod
    def _apply_updates(conn, change, types: dict[str, str]) -> None:
        columns = list(types)
        props = [c for c in columns if c not in ("_from", "_to")]
        casts = {p: t for p, t in types.items() if t != "STRING"}  # a batch with only nulls in a column
        if change.is_node:
            statement = dialects.node_upsert(change.element, props, casts)
        else:
            statement = dialects.rel_upsert(change.element, change.from_label, change.to_label, props, casts)
        rows = frame_to_rows(change.updates[columns])
        for start in range(0, len(rows), UPDATE_BATCH):
            batch = rows[start : start + UPDATE_BATCH]
            if change.replace_on_update:
                _run(conn, dialects.rel_delete_from(change.element, change.from_label), {"rows": batch})
            _run(conn, statement, {"rows": batch})

    def close(self) -> None:
        self._close_handle()
        if self._lock is not None:
            self._lock.release()


def _write_columns(conn, change) -> dict[str, str]:
    """The columns a COPY or MERGE of ``change`` writes, with their types, in the table's stored order.

    Stores made by graphcase 0.1 keep a ``key`` property on each relationship (the key parts joined,
    which the plan's rows still carry): it is written there too, so those stores load as before."""
    props = dialects.node_properties()[change.element] if change.is_node else dialects.rel_definitions()[change.element][2]
    # In the stored order: COPY matches columns by position, and a column added to an older store
    # (ensure_schema) comes last, after row_hash.
    stored = [row[0] for row in conn.execute(f"CALL TABLE_INFO('{change.element}') RETURN name").get_all()]
    ordered = {c: ("STRING" if c == "key" else props[c]) for c in stored if c in props or (c == "key" and not change.is_node)}
    ordered.update({c: t for c, t in props.items() if c not in ordered})
    return ordered if change.is_node else {"_from": "STRING", "_to": "STRING", **ordered}


def _run(conn, cypher: str, params: dict | None = None):
    try:
        return conn.execute(cypher, params or {})
    except RuntimeError as exc:
        raise StoreError(str(exc)) from exc


def lock_path(path: str | Path) -> Path:
    """NAME.lock beside the store: held by the one process writing it."""
    path = Path(path)
    return path.with_name(path.name + LOCK_SUFFIX)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def remove_leftovers(path: Path) -> list[Path]:
    """Remove what killed writes left beside the store: their copies, with the engine's files of them
    (``.NAME.*.building*``), and graphcase 0.2's ``.NAME.loading*``. Only call with the lock held: then no
    live writer owns any of them. Returns what was removed."""
    name = glob.escape(path.name)
    removed = []
    for pattern in (f".{name}.*{BUILDING_SUFFIX}*", f".{name}{LEGACY_LOADING_SUFFIX}*"):
        for leftover in path.parent.glob(pattern):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


def _replay_legacy_sidecars(path: Path) -> None:
    """A write-ahead log or checkpoint files beside the store itself come from graphcase before 0.3 (which
    wrote in place) or another program: let the engine replay them with one read-write open, as it requires
    before any read-only open. graphcase's own writes never leave them (they write to a copy)."""
    if not path.exists() or not any(_sidecar(path, s).exists() for s in (".wal", ".wal.checkpoint", ".shadow")):
        return
    ladybug = _import_ladybug()
    try:
        db = ladybug.Database(str(path))
        db.close()
    except RuntimeError as exc:
        raise StoreError(f"{path}: cannot replay the write-ahead log left beside it: {exc}") from exc


def _copy_file(source: Path, destination: Path) -> None:
    """Copy ``source`` to a new private file (0600), in the kernel where it can (copy_file_range)."""
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        size, copied = os.fstat(src.fileno()).st_size, 0
        try:
            while copied < size:
                n = os.copy_file_range(src.fileno(), dst.fileno(), size - copied)
                if n == 0:
                    break
                copied += n
        except (AttributeError, OSError):  # no copy_file_range here (or not across these file systems)
            src.seek(copied)
            dst.seek(copied)
            shutil.copyfileobj(src, dst, 1 << 20)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_database_files(path: Path) -> None:
    for file in (path, *(_sidecar(path, s) for s in ENGINE_SIDECARS)):
        file.unlink(missing_ok=True)
