"""The embedded store: LadybugDB (the maintained fork of Kùzu), one file on disk, no server.

New rows arrive by ``COPY ... FROM`` an Arrow table (about 1M rows in 3.5 s on two cores, against 80 s by
UNWIND batches); the small delta of changed rows goes by ``UNWIND ... MERGE ... SET``.

Two ways to make a load all-or-nothing:

- Into a store that holds rows: one transaction (``BEGIN``; COPY new rows; MERGE changed ones; ``COMMIT``).
  A failure rolls back; a killed process leaves the write-ahead log uncommitted, so the file is as it was.
- Into an EMPTY store (the first, biggest load): the database is built beside it, in ``.NAME.loading``, by
  auto-committed COPYs with automatic checkpoints off, checkpointed once, closed, and then renamed over the
  empty file (``os.replace``, atomic on one file system). A failure or kill leaves the empty store untouched
  (and a ``.loading`` file that the next load removes). This skips the write-ahead log copy of every row and
  the checkpoint of one huge transaction: measured on 1M people, COMMIT alone took 39 s of a 109 s load.
  What remains is the COPY itself, and in a relationship COPY each text property with a distinct value
  per row costs about 2.4 µs a row (both directions of the relationship are written): KNOWN_TO's 1.5M rows
  take about 2 s with no property and 9-12 s with their 15. ``benchmarks/load_floor.py`` measures the floor.
A LadybugDB database is one file plus, while writes are not yet checkpointed, a ``NAME.wal`` beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import dialects, guard
from ..files import make_private
from .base import GraphStore, LoadPlan, Progress, ReadOnlyViolation, Result, StoreError
from .union import split_union, union_rows
from .values import ladybug_plain_rows, sort_unordered

UPDATE_BATCH = 5_000
LOADING_PREFIX, LOADING_SUFFIX = ".", ".loading"  # the sibling a first load builds in: .NAME.loading


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

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True):
        self.location = str(path)
        self.read_only = read_only
        if (read_only or not create) and not Path(path).exists():
            raise StoreError(f"{path}: no graphcase database here (run 'graphcase load' or 'graphcase init' first)")
        self._open()

    def _open(self) -> None:
        """Open (or, after a first load's swap, re-open) the file at self.location."""
        ladybug = _import_ladybug()
        try:
            self._db = ladybug.Database(self.location, read_only=self.read_only)
        except RuntimeError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"{self.location}: the database is open for writing in another process; close it or wait"
                ) from exc
            raise StoreError(f"{self.location}: cannot open database: {exc}") from exc
        self._conn = ladybug.Connection(self._db)
        self._closed = False

    # -- reading -------------------------------------------------------------------------------
    def _execute(self, cypher: str, params: dict | None = None):
        try:
            return self._conn.execute(cypher, params or {})
        except RuntimeError as exc:
            raise StoreError(str(exc)) from exc

    def query(self, cypher: str, params: dict | None = None) -> Result:
        # A UNION runs branch by branch: LadybugDB 0.22 mixes columns between branches (see union.py).
        branches, distinct = split_union(cypher)
        results = [self._execute(branch, params) for branch in branches]
        rows = [ladybug_plain_rows(result.get_column_data_types(), result.get_all()) for result in results]
        columns = results[0].get_column_names()
        return Result(columns, sort_unordered(cypher, columns, union_rows(rows, distinct)))

    def query_read_only(
        self, cypher: str, params: dict | None = None, *, timeout: float | None = None, max_rows: int | None = None
    ) -> Result:
        statement = guard.check_statement(cypher, self.dialect)  # before the engine binds anything
        limits = guard.resolve_limits(timeout, max_rows)
        # A second, read-only handle on the same file: the engine itself refuses any write to a table.
        ro = LadybugStore(self.location, read_only=True) if not self.read_only else self
        try:
            return ro._run_guarded(statement, params, limits)
        finally:
            if ro is not self:
                ro.close()

    def _run_guarded(self, statement: guard.Statement, params: dict | None, limits: guard.Limits) -> Result:
        text = statement.limited(limits.max_rows + 1)
        self._conn.set_query_timeout(max(1, int(limits.timeout_seconds * 1000)))
        try:
            plan = self._execute_ad_hoc(guard.EXPLAIN + text, params, limits)
            guard.check_ladybug_plan("\n".join(str(row[0]) for row in plan.get_all()))
            # Branch by branch, as in query(): LadybugDB 0.22 mixes columns between UNION branches.
            branches, distinct = split_union(text)
            per_branch = []
            for branch in branches:
                result = self._execute_ad_hoc(branch, params, limits)
                rows = []
                while len(rows) <= limits.max_rows and result.has_next():
                    rows.append(result.get_next())
                per_branch.append(ladybug_plain_rows(result.get_column_data_types(), rows))
                columns = columns if len(per_branch) > 1 else result.get_column_names()
            rows = sort_unordered(text, columns, union_rows(per_branch, distinct))
            truncated = len(rows) > limits.max_rows
            return Result(columns, rows[: limits.max_rows], limits.max_rows if truncated else None)
        finally:
            self._conn.set_query_timeout(0)  # the handle may serve graphcase's own queries next

    def _execute_ad_hoc(self, cypher: str, params: dict | None, limits: guard.Limits):
        try:
            result = self._conn.execute(cypher, params or {})
        except RuntimeError as exc:
            message = str(exc)
            if "read-only" in message.lower():
                raise ReadOnlyViolation(f"refused: this query writes, and ad-hoc queries are read-only ({message})") from exc
            if message.strip().rstrip(".") == "Interrupted":
                raise guard.QueryLimitError(guard.timeout_message(limits)) from exc
            if "bad_alloc" in message or "Unable to allocate memory" in message:
                raise guard.QueryLimitError(guard.OUT_OF_MEMORY_MESSAGE) from exc
            raise StoreError(guard.without_explain(message) if cypher.startswith(guard.EXPLAIN) else message) from exc
        if isinstance(result, list):  # several statements: check_statement lets only one through
            raise guard.GuardRefusal("refused: ad-hoc queries are read-only and run one statement")
        return result

    def write(self, cypher: str, params: dict | None = None) -> Result:
        return self.query(cypher, params)

    def stored_row_hashes(self, element: str, is_node: bool) -> pa.Array:
        table = self._execute(dialects.stored_hashes_query(element, is_node)).get_as_arrow()
        return table["row_hash"].combine_chunks().cast(pa.int64())

    def key_parts_and_hashes(self, element: str, is_node: bool) -> pa.Table:
        return self._execute(dialects.row_hashes_query(element, is_node)).get_as_arrow()

    # -- writing -------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        for statement in dialects.ladybug_ddl():
            self._execute(statement)

    def is_empty(self) -> bool:
        """True when no node (hence no relationship) of any label is stored."""
        for label in dialects.node_properties():
            if self._execute(f"MATCH (n:{label}) RETURN n.id LIMIT 1").has_next():
                return False
        return True

    def apply(self, plan: LoadPlan, progress: Progress | None = None) -> None:
        progress = progress or (lambda step, n: None)
        if all(change.updates.empty for change in plan.changes) and self.is_empty():
            self._build_beside_and_swap(plan, progress)
            return
        self._execute("BEGIN TRANSACTION")
        try:
            for change in plan.changes:
                if not change.inserts.empty:
                    self._copy(self._conn, change)
                    progress(f"{change.element}: new", len(change.inserts))
                if not change.updates.empty:
                    self._apply_updates(change, list(_write_columns(self._conn, change)))
                    progress(f"{change.element}: updated", len(change.updates))
            self._execute("COMMIT")
        except BaseException:
            # Also on KeyboardInterrupt: the transaction must not be left half-applied.
            self._execute("ROLLBACK")
            raise

    @staticmethod
    def _copy(conn, change) -> None:
        types = _write_columns(conn, change)
        table = to_arrow(change.inserts[list(types)], types)
        try:
            conn.execute(f"COPY {change.element} FROM $rows", {"rows": table})
        except RuntimeError as exc:
            raise StoreError(f"COPY {change.element}: {exc}") from exc

    def loading_path(self) -> Path:
        """Where a first load builds the database before renaming it over the store."""
        path = Path(self.location)
        return path.with_name(LOADING_PREFIX + path.name + LOADING_SUFFIX)

    def _build_beside_and_swap(self, plan: LoadPlan, progress: Progress) -> None:
        ladybug = _import_ladybug()
        target = Path(self.location)
        building = self.loading_path()
        _remove_database_files(building)  # left by a load that was killed
        try:
            db = ladybug.Database(str(building), auto_checkpoint=False)
            conn = ladybug.Connection(db)
            try:
                for statement in dialects.ladybug_ddl():
                    conn.execute(statement)
                for change in plan.changes:
                    if not change.inserts.empty:
                        self._copy(conn, change)
                        progress(f"{change.element}: new", len(change.inserts))
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
                db.close()
            if _wal(building).exists():
                raise StoreError(f"{building}: the new database did not checkpoint cleanly; the store was left as it was")
            self.close()  # the empty store: closing checkpoints its schema, so no .wal of it is left to replay
            if _wal(target).exists():  # re-opened in finally
                raise StoreError(f"{_wal(target)}: the store has unapplied writes; it was left as it was")
            os.replace(building, target)
            _fsync_dir(target.parent)
        except BaseException:
            _remove_database_files(building)
            raise
        finally:
            if self._closed:
                self._open()

    def _apply_updates(self, change, columns: list[str]) -> None:
        props = [c for c in columns if c not in ("_from", "_to")]
        if change.is_node:
            statement = dialects.node_upsert(change.element, props)
        else:
            statement = dialects.rel_upsert(change.element, change.from_label, change.to_label, props)
        rows = frame_to_rows(change.updates[columns])
        for start in range(0, len(rows), UPDATE_BATCH):
            batch = rows[start : start + UPDATE_BATCH]
            if change.replace_on_update:
                self._execute(dialects.rel_delete_from(change.element, change.from_label), {"rows": batch})
            self._execute(statement, {"rows": batch})

    def close(self) -> None:
        try:
            self._conn.close()
            self._db.close()
        except Exception:  # closing twice is harmless
            pass
        self._closed = True
        if not self.read_only:  # the engine creates its files with the umask's mode: people's data, so 0600
            for path in (Path(self.location), _wal(Path(self.location))):
                make_private(path)


def _write_columns(conn, change) -> dict[str, str]:
    """The columns a COPY or MERGE of ``change`` writes, with their types, in the table's order.

    Stores made by graphcase 0.1 keep a ``key`` property on each relationship (the key parts joined,
    which the plan's rows still carry): it is written there too, so those stores load as before."""
    if change.is_node:
        return dialects.node_properties()[change.element]
    props = dialects.rel_definitions()[change.element][2]
    stored = {row[0] for row in conn.execute(f"CALL TABLE_INFO('{change.element}') RETURN name").get_all()}
    legacy_key = {"key": "STRING"} if "key" in stored else {}
    return {"_from": "STRING", "_to": "STRING", **legacy_key, **props}


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove_database_files(path: Path) -> None:
    for file in (path, _wal(path)):
        file.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX: a rename is recorded in the directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

