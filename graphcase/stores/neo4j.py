"""Neo4j 5 through the official driver, for partnerships that outgrow one machine.

* URIs: ``bolt://`` (one server), ``neo4j://`` (cluster routing) and ``neo4j+s://`` (Aura, TLS), plus the
  ``+s``/``+ssc`` variants of both; the driver picks routing and encryption from the scheme.
* Credentials from ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD`` (a password alone means user ``neo4j``);
  the database from the ``database`` argument or ``NEO4J_DATABASE`` (else the server's default).
* ``ensure_schema`` creates a uniqueness constraint on ``id`` for every label
  (:func:`graphcase.stores.dialects.neo4j_ddl`), then waits for it to come online, so the load's ``MATCH``
  of both ends is two index seeks and its ``MERGE`` looks only at the relationships between them.
* A load commits one ``UNWIND $rows`` batch per managed write transaction (10,000 rows by default), so the
  server's memory follows the batch; it stays all or nothing through an undo log keyed by the load id
  (:meth:`Neo4jStore.apply`, docs/neo4j.md). It plans by looking up only the bundle's keys. Running out of
  transaction memory is not retried (the same batch needs the same memory): it is reported with advice.
  ``sessions`` > 1 sends the batches from that many sessions at once (nodes first; a deadlock between two
  batches is retried by the driver); 1 by default, the fastest measured on 2 shared cores.
* Ad-hoc Cypher passes the read-only guard (:mod:`graphcase.stores.guard`: one statement of read clauses,
  metadata procedures only, and ``EXPLAIN``'s query type ``r``), then runs in a READ access-mode
  transaction with the time limit as its server-side timeout, always rolled back: the server also refuses
  any write (``Neo.ClientError.Statement.AccessMode``, GQL status 42N02), reported as
  :class:`ReadOnlyViolation`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import dialects, guard
from .base import GraphStore, LoadPlan, Progress, ReadOnlyViolation, Result, StoreError
from .values import plain, sort_unordered

DEFAULT_BATCH = 10_000
DEFAULT_SESSIONS = 1  # measured: see docs/neo4j.md, "Parallel sessions"
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
DEFAULT_CONNECTION_TIMEOUT = 15.0  # seconds to open one socket (the driver's default is 30)
INDEX_WAIT_SECONDS = 300

# What the server says when a READ transaction (or a read-only database / a follower) is asked to write.
READ_ONLY_CODES = frozenset(
    {
        "Neo.ClientError.Statement.AccessMode",
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
        "Neo.ClientError.Cluster.NotALeader",
    }
)
READ_ONLY_GQL_STATUSES = frozenset({"42N02", "08N07"})  # writing in read access mode; not the leader
# What the server says when a query needs more memory than its transaction or the server may use. The driver
# calls these transient and would re-send the same work (a whole load) for up to max_retry_time, needing the
# same memory again: they are not retried.
OUT_OF_MEMORY_CODES = frozenset(
    {
        "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
        "Neo.TransientError.General.TransactionMemoryLimit",
        "Neo.TransientError.General.OutOfMemoryError",
    }
)

# The driver logs server notifications (e.g. "property key row_hash not in the database" before the first
# load) at WARNING; with no logging configured Python would print them to stderr. A library adds a
# NullHandler (logging HOWTO); an application that configures logging still sees them.
logging.getLogger("neo4j.notifications").addHandler(logging.NullHandler())
# Likewise its "Transaction failed and will be retried" warnings: with parallel sessions a deadlock between two
# batches is expected, and the driver re-runs the batch that the server chose to roll back.
logging.getLogger("neo4j.session").addHandler(logging.NullHandler())


def display_uri(uri: str) -> str:
    """The URI without any user:password@ part, safe to print."""
    parts = urlsplit(uri)
    if parts.password is None and parts.username is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def check_uri(uri: str) -> str:
    """Refuse anything but a Neo4j URI with a host, naming the URI and the schemes that work."""
    parts = urlsplit(uri)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise StoreError(
            f"{display_uri(uri)!r} is not a Neo4j URI: use bolt://HOST:7687 (one server), "
            f"neo4j://HOST:7687 (cluster routing) or neo4j+s://ID.databases.neo4j.io (Aura); "
            f"schemes accepted: {', '.join(SCHEMES)}"
        )
    return uri


def auth_from_env(env: os._Environ | dict | None = None) -> tuple[str, str] | None:
    """(user, password) from NEO4J_USERNAME / NEO4J_PASSWORD; None when neither is set (no auth)."""
    env = os.environ if env is None else env
    user, password = env.get("NEO4J_USERNAME") or None, env.get("NEO4J_PASSWORD")
    if user is None and password is None:
        return None
    if password is None:
        raise StoreError(f"NEO4J_USERNAME is set ({user}) but NEO4J_PASSWORD is not; set both, or neither for no auth")
    return (user or "neo4j", password)


class _NotRetried(Exception):
    """Carries a server error out of a managed transaction so that the driver does not retry it."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def _failing_once_on_out_of_memory(work):
    def run(tx, *args):
        try:
            return work(tx, *args)
        except Exception as exc:
            if getattr(exc, "code", None) in OUT_OF_MEMORY_CODES:
                raise _NotRetried(exc) from exc
            raise

    return run


# -- all or nothing across batches (docs/neo4j.md) ---------------------------------------------------------
# A load's batches commit one by one. While it runs, a :GraphcaseLoad node names it; before a batch changes a
# stored node or relationship, a copy of its old properties goes into a :GraphcaseUndo node under the load id.
# Deleting the marker is the commit. A rollback deletes what carries the load id and puts the copies back.
LOAD_LABEL, UNDO_LABEL = "GraphcaseLoad", "GraphcaseUndo"
LOAD_DDL = [
    f"CREATE CONSTRAINT graphcase_load_id IF NOT EXISTS FOR (m:{LOAD_LABEL}) REQUIRE m.load_id IS UNIQUE",
    f"CREATE INDEX graphcase_undo IF NOT EXISTS FOR (u:{UNDO_LABEL}) ON (u._load, u._element)",
]
START_LOAD = f"CREATE (:{LOAD_LABEL} {{load_id: $load_id, started_at: datetime()}})"
COMMIT_LOAD = f"MATCH (m:{LOAD_LABEL} {{load_id: $load_id}}) DELETE m"
# Clean-up and rollback commit as many rows at a time as a load batch: what fitted in a batch fits here.
FORGET_UNDO = f"MATCH (u:{UNDO_LABEL}) WHERE u._load = $load_id CALL {{ WITH u DELETE u }} IN TRANSACTIONS OF $batch ROWS"
FORGET_ORPHAN_UNDO = (
    f"MATCH (u:{UNDO_LABEL}) WHERE NOT EXISTS {{ MATCH (m:{LOAD_LABEL}) WHERE m.load_id = u._load }} "
    f"CALL {{ WITH u DELETE u }} IN TRANSACTIONS OF $batch ROWS"
)
_UNDO_COPY = f"CREATE (u:{UNDO_LABEL}) SET u = properties({{var}}), u._load = $load_id, u._element = '{{element}}'"


def undo_node_statement(label: str) -> str:
    """Copy the old values of a batch's stored nodes that this load has not yet written."""
    copy = _UNDO_COPY.format(var="n", element=label)
    return f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) WHERE coalesce(n.load_id, '') <> $load_id {copy}"


def undo_rel_statement(rel_type: str, from_label: str, to_label: str, whole_type: bool, values: dict[str, str] | None = None) -> str:
    """Copy (with both ends' ids) the old values of the stored relationships a batch will change; with
    ``whole_type``, every one of the type leaving the start node (it is deleted and written anew).
    ``values``: as :func:`graphcase.stores.dialects.rel_upsert` (how a key property is read from the row)."""
    merge_on = [] if whole_type else [p for p in dialects.key_parts(rel_type, False) if p not in ("_from", "_to")]
    merge_map = dialects.merge_properties(merge_on, values)
    end = f"(b:{to_label})" if whole_type else f"(b:{to_label} {{id: row._to}})"
    copy = _UNDO_COPY.format(var="r", element=rel_type) + ", u._from = a.id, u._to = b.id"
    return (
        f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row._from}})-[r:{rel_type}{merge_map}]->{end} "
        f"WHERE coalesce(r.load_id, '') <> $load_id {copy}"
    )


def rollback_statements() -> list[str]:
    """In order: drop the relationships the load wrote, put back the nodes it changed, drop the nodes it
    created, put back the relationships it changed or replaced, drop any copy left, drop the marker. Each
    commits in batches and can run again after being cut short."""
    rels = {t: d for t, d in dialects.rel_definitions().items() if t != "SAME_AS"}  # linkage writes SAME_AS
    labels = list(dialects.node_properties())
    each = "IN TRANSACTIONS OF $batch ROWS"
    out = [f"MATCH ()-[r:{t}]->() WHERE r.load_id = $load_id CALL {{ WITH r DELETE r }} {each}" for t in rels]
    out += [
        f"MATCH (u:{UNDO_LABEL} {{_load: $load_id, _element: '{label}'}}) CALL {{ WITH u "
        f"MATCH (n:{label} {{id: u.id}}) SET n = properties(u) REMOVE n._load, n._element DELETE u }} {each}"
        for label in labels
    ]
    out += [f"MATCH (n:{label}) WHERE n.load_id = $load_id CALL {{ WITH n DETACH DELETE n }} {each}" for label in labels]
    out += [
        f"MATCH (u:{UNDO_LABEL} {{_load: $load_id, _element: '{t}'}}) CALL {{ WITH u "
        f"MATCH (a:{a} {{id: u._from}}) MATCH (b:{b} {{id: u._to}}) CREATE (a)-[r:{t}]->(b) SET r = properties(u) "
        f"REMOVE r._load, r._element, r._from, r._to DELETE u }} {each}"
        for t, (a, b, _) in rels.items()
    ]
    out += [FORGET_UNDO, COMMIT_LOAD]
    return out


# -- what a load sends -----------------------------------------------------------------------------------
# The same for every row of a load: sent once per batch as parameters, not in every row.
LOAD_CONSTANTS = {"load_id": "$load_id", "loaded_at": "$loaded_at"}


def wire_values(types: dict[str, str]) -> dict[str, str]:
    """property -> the Cypher expression a load sets it from, where that is not ``row.<property>``: the load's
    constants from parameters, dates parsed by the server from ISO text (``date(null)`` is null). The driver
    turns each Python date or datetime into a Bolt structure in pure Python, value by value: that was 60% of
    the client's time in a 100k load (py-spy), where text is packed by the driver's Rust extension."""
    values = {p: f"date(row.{p})" for p, typ in types.items() if typ == "DATE"}
    values.update({p: v for p, v in LOAD_CONSTANTS.items() if p in types})
    return values


def wire_batches(frame: pd.DataFrame, columns: list[str], size: int) -> Iterator[list[dict]]:
    """The rows as the server receives them, ``size`` at a time (a batch's Python objects only while it is
    sent): text, integers, floats, booleans and None only, dates as ISO text cast column by column in Arrow
    (see :func:`wire_values`)."""
    table = pa.Table.from_pandas(frame[columns], preserve_index=False)
    for i, column in enumerate(table.schema):
        if pa.types.is_date(column.type):
            table = table.set_column(i, column.name, pc.cast(table.column(i), pa.string()))
        elif pa.types.is_timestamp(column.type):  # none today: every timestamp is a load constant
            table = table.set_column(i, column.name, pc.strftime(table.column(i), "%Y-%m-%dT%H:%M:%S"))
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size).to_pylist()


def _run_batch(tx, statements: list[tuple[str, list[dict]]], params: dict) -> None:
    for statement, batch in statements:
        tx.run(statement, {**params, "rows": batch}).consume()


def _write_in_sessions(units, write, progress: Progress, sessions: int) -> None:
    """Run ``write(unit)`` for every unit from ``sessions`` threads (each call opens its own driver session),
    at most two units a session in flight so a batch's rows exist only while it is sent. Every node batch
    commits before the first relationship batch starts (a relationship's ``MATCH`` needs both ends). Batches
    running at once never share a key (the plan holds each key once), so they can only wait on each other's
    locks, or deadlock, which the driver retries. On the first failure no further batch starts, and this
    returns (raising it) only when the running ones have ended: a rollback must not race a batch."""
    pool = ThreadPoolExecutor(max_workers=sessions, thread_name_prefix="graphcase-load")
    running: dict = {}

    def finish(until: int) -> None:
        while len(running) > until:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                label, rows = running.pop(future)
                future.result()  # the batch's error, if any
                progress(label, rows)

    try:
        phase = True  # nodes first
        for is_node, unit, label, rows in units:
            if is_node != phase:
                finish(0)
                phase = is_node
            running[pool.submit(write, unit)] = (label, rows)
            finish(2 * sessions - 1)
        finish(0)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


LOOKUP_CHUNK = 20_000
HASH_LIST = 1_000_000  # row hashes per collected list: ~9 MB on the wire, well inside a transaction's memory
HASH_SCAN_FACTOR = 4  # see Neo4jStore.reads_hashes_first
COLLECTED = "RETURN collect(v) AS vs"  # how Neo4jStore._collected's statements end (tests count what they read)


def keyed_hashes_query(element: str, is_node: bool, ends: list[str]) -> str:
    """Key parts and row_hash of the stored elements with the given ends (``$keys``: [{id} | {_from[, _to]}])."""
    if is_node:
        return f"UNWIND $keys AS k MATCH (n:{element} {{id: k.id}}) RETURN n.id AS id, n.row_hash AS row_hash"
    from_label, to_label, _ = dialects.rel_definitions()[element]
    to = f"(b:{to_label} {{id: k._to}})" if "_to" in ends else f"(b:{to_label})"
    names = {"_from": "a.id", "_to": "b.id"}
    columns = ", ".join(f"{names.get(p, 'n.' + p)} AS {p}" for p in dialects.key_parts(element, False))
    return f"UNWIND $keys AS k MATCH (a:{from_label} {{id: k._from}})-[n:{element}]->{to} RETURN {columns}, n.row_hash AS row_hash"


def is_read_only_refusal(exc: BaseException) -> bool:
    code = getattr(exc, "code", None)
    status = getattr(exc, "gql_status", None)
    return code in READ_ONLY_CODES or status in READ_ONLY_GQL_STATUSES


class Neo4jStore(GraphStore):
    dialect = "neo4j"

    def __init__(
        self,
        uri: str,
        *,
        database: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        sessions: int = DEFAULT_SESSIONS,
        auth: tuple[str, str] | None = None,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        max_retry_time: float = 30.0,
        verify: bool = True,
    ):
        try:
            import neo4j
        except ImportError as exc:  # pragma: no cover - a broken install
            raise StoreError("the Neo4j store needs the 'neo4j' package (the official driver): pip install neo4j") from exc
        if not isinstance(batch_size, int) or batch_size < 1:
            raise StoreError(f"batch size must be a whole number of rows, 1 or more (got {batch_size!r})")
        if not isinstance(sessions, int) or sessions < 1:
            raise StoreError(f"sessions must be a whole number, 1 or more (got {sessions!r})")
        self._neo4j = neo4j
        self.sessions = sessions
        self.location = display_uri(check_uri(uri))
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        self.batch_size = batch_size
        auth = auth if auth is not None else auth_from_env()
        self._user = auth[0] if auth else None
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=connection_timeout,
                connection_acquisition_timeout=max(connection_timeout * 2, 1.0),
                max_transaction_retry_time=max_retry_time,
            )
        except (neo4j.exceptions.ConfigurationError, ValueError) as exc:
            # The driver's message quotes the URI as given: never echo a password written into it.
            raise StoreError(f"Neo4j URI {self.location!r}: {str(exc).replace(uri, self.location)}") from None
        # One bookmark manager for every session: a read right after a load sees the load, also on a cluster.
        self._bookmarks = neo4j.GraphDatabase.bookmark_manager()
        self._closed = False
        if verify:
            try:
                self._driver.verify_connectivity()
            except Exception as exc:
                self._driver.close()
                translated = self._translate(exc, "connect")
                if translated is exc:
                    raise
                raise translated from exc

    # -- errors --------------------------------------------------------------------------------
    def _where(self) -> str:
        return f"Neo4j at {self.location}" + (f" (database {self.database!r})" if self.database else "")

    def _translate(self, exc: BaseException, action: str, ad_hoc: bool = False) -> BaseException:
        """Driver and server errors -> StoreError naming the server and what was being done.

        A refused write is a ReadOnlyViolation for ad-hoc Cypher (the READ transaction did its job); for
        graphcase's own writes it means the database or the server refuses writes, and says so."""
        errors = self._neo4j.exceptions
        if isinstance(exc, errors.AuthError):
            return StoreError(
                f"{self._where()} refused the credentials (user {self._user or '<none>'}); "
                "check NEO4J_USERNAME / NEO4J_PASSWORD"
            )
        if isinstance(exc, errors.Neo4jError):
            if exc.code in OUT_OF_MEMORY_CODES:
                return StoreError(
                    f"{self._where()}: {action} failed: the server ran out of memory for one transaction "
                    f"({exc.message}); nothing was written, and it was not retried (it would need the same memory). "
                    "Give the server more: db.memory.transaction.max (one transaction), "
                    "dbms.memory.transaction.total.max (all at once) and the heap (server.memory.heap.max_size); "
                    "or load the bundle in parts (by agency or by period)"
                )
            if is_read_only_refusal(exc) and not ad_hoc:
                return StoreError(
                    f"{self._where()}: {action} failed: the server refuses writes here ({exc.code}: {exc.message}); "
                    "is the database read-only, or is this server not the cluster leader (use neo4j:// to route)?"
                )
            if is_read_only_refusal(exc):
                return ReadOnlyViolation(
                    f"refused: this query writes, and ad-hoc queries are read-only ({exc.code}: {exc.message})"
                )
            if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
                return StoreError(f"{self._where()}: no such database ({exc.message}); check --neo4j-database / NEO4J_DATABASE")
            return StoreError(f"{self._where()}: {action} failed: {exc.code}: {exc.message}")
        if isinstance(exc, (errors.ServiceUnavailable, errors.SessionExpired, errors.ConnectionPoolError)):
            return StoreError(f"cannot {action}: nothing answered as Neo4j at {self.location} ({exc}); is the server running and the URI right?")
        if isinstance(exc, errors.DriverError):
            return StoreError(f"{self._where()}: {action} failed: {exc}")
        return exc

    # -- sessions ------------------------------------------------------------------------------
    def _session(self, read: bool):
        if self._closed:
            raise StoreError(f"{self._where()}: the store is closed")
        mode = self._neo4j.READ_ACCESS if read else self._neo4j.WRITE_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode, bookmark_manager=self._bookmarks)

    @staticmethod
    def _collect(tx, cypher, params) -> Result:
        result = tx.run(cypher, params or {})
        columns = list(result.keys())
        rows = [[plain(v) for v in record.values()] for record in result]
        return Result(columns, sort_unordered(cypher, columns, rows))

    def _managed(self, read: bool, work, *args, action: str):
        try:
            with self._session(read=read) as session:
                run = session.execute_read if read else session.execute_write
                return run(_failing_once_on_out_of_memory(work), *args)
        except _NotRetried as exc:
            raise self._translate(exc.error, action) from exc.error
        except (self._neo4j.exceptions.Neo4jError, self._neo4j.exceptions.DriverError) as exc:
            raise self._translate(exc, action) from exc

    # -- reading -------------------------------------------------------------------------------
    def query(self, cypher: str, params: dict | None = None) -> Result:
        return self._managed(True, self._collect, cypher, params, action="query")

    def query_read_only(
        self,
        cypher: str,
        params: dict | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        memory_mb: int | None = None,
    ) -> Result:
        """User-supplied Cypher through the guard, in a READ transaction (no retries) that is always rolled
        back and that the server ends at the time limit. ``memory_mb`` is checked but the server's own
        transaction memory limit (``db.memory.transaction.max``) is what applies."""
        statement = guard.check_statement(cypher, self.dialect)  # LOAD CSV, apoc.* ... never reach the server
        limits = guard.resolve_limits(timeout, max_rows, memory_mb)
        text = statement.limited(limits.max_rows + 1)
        errors = self._neo4j.exceptions
        try:
            with self._session(read=True) as session:
                tx = session.begin_transaction(timeout=limits.timeout_seconds)
                try:
                    summary = tx.run(guard.EXPLAIN + text, params or {}).consume()
                    guard.check_neo4j_query_type(summary.query_type)
                    result = tx.run(text, params or {})
                    columns, rows = list(result.keys()), []
                    for record in result:
                        if len(rows) == limits.max_rows:
                            return Result(columns, rows, limits.max_rows)  # the rollback drops the rest
                        rows.append([plain(v) for v in record.values()])
                    return Result(columns, sort_unordered(text, columns, rows))
                finally:
                    if not tx.closed():
                        try:
                            tx.rollback()
                        except (errors.Neo4jError, errors.DriverError):
                            pass  # a failed transaction is already void; keep the query's own error
        except (errors.Neo4jError, errors.DriverError) as exc:
            code = getattr(exc, "code", None) or ""
            if code.startswith("Neo.ClientError.Transaction.TransactionTimedOut"):
                raise guard.QueryLimitError(guard.timeout_message(limits)) from exc
            if code in OUT_OF_MEMORY_CODES:
                raise guard.QueryLimitError(guard.OUT_OF_MEMORY_MESSAGE) from exc
            translated = self._translate(exc, "query", ad_hoc=True)
            if isinstance(translated, StoreError) and not isinstance(translated, ReadOnlyViolation):
                translated = StoreError(guard.without_explain(str(translated)))
            raise translated from exc

    def key_parts_and_hashes(self, element: str, is_node: bool) -> pa.Table:
        return self._key_table(self.query(dialects.row_hashes_query(element, is_node)))

    def _collected(self, pattern: str, value: str) -> list:
        """Every non-null ``value`` of the elements matching ``pattern``, in lists the server collects (HASH_LIST
        values each, split on the row hash): one Bolt record per list, where one per value costs a Python record
        each (1M Person hashes on a 1M store: 76 s -> 3.1 s)."""
        stored = self.query(f"MATCH {pattern} RETURN count(n) AS stored").rows[0][0]
        parts = max(1, -(-stored // HASH_LIST))
        statement = (
            f"MATCH {pattern} WITH {value} AS v, coalesce(abs(n.row_hash % $parts), 0) AS part "
            f"WHERE v IS NOT NULL AND part = $part {COLLECTED}"
        )
        return [v for part in range(parts) for v in self.query(statement, {"parts": parts, "part": part}).rows[0][0]]

    def stored_row_hashes(self, element: str, is_node: bool) -> pa.Array:
        """Every stored row_hash (see :meth:`_collected`)."""
        pattern = f"(n:{element})" if is_node else f"()-[n:{element}]->()"
        return pa.array(self._collected(pattern, "n.row_hash"), pa.int64())

    def node_ids(self, label: str) -> pa.Array:
        """Every id of ``label``, for the load's look-alike check (see :meth:`_collected`; read one record per id,
        validation took 62.7 s of a 1M store's 86 s 1% delta load, and 12.9 s read as lists)."""
        return pa.array(self._collected(f"(n:{label})", "n.id"), pa.string())

    def reads_hashes_first(self, element: str, is_node: bool, bundle_rows: int) -> bool:
        """Read every stored hash first when the store holds at most HASH_SCAN_FACTOR times the bundle's rows
        (a re-load of the county with a few changes: one scan instead of a look-up per key); otherwise look
        up the bundle's keys (a small bundle added to a big store). Neo4j counts a label or type for free."""
        pattern = f"(n:{element})" if is_node else f"()-[n:{element}]->()"
        stored = self.query(f"MATCH {pattern} RETURN count(n) AS stored").rows[0][0]
        return stored <= HASH_SCAN_FACTOR * bundle_rows

    def row_hashes_of(self, element: str, is_node: bool, rows: pa.Table) -> pd.DataFrame:
        """Index look-ups of the bundle's keys only (a node by id; a relationship from its start node, or
        between its two ends), chunked so no one query holds more than a batch of keys."""
        parts = dialects.key_parts(element, is_node)
        if is_node:
            ends = ["id"]
        else:
            ends = [p for p in ("_from", "_to") if p in parts]
        keys = rows.select(ends).group_by(ends).aggregate([]).to_pylist()
        statement = keyed_hashes_query(element, is_node, ends)
        found = Result(["row_hash"] + list(parts), [])
        for start in range(0, len(keys), LOOKUP_CHUNK):
            result = self.query(statement, {"keys": keys[start : start + LOOKUP_CHUNK]})
            found = Result(result.columns, found.rows + result.rows)
        return self._keyed(self._key_table(found), element, is_node)

    @staticmethod
    def _key_table(result: Result) -> pa.Table:
        columns = list(zip(*result.rows)) if result.rows else [()] * len(result.columns)
        # str() of a neo4j.time.Date is YYYY-MM-DD, as LadybugDB's dates cast to text.
        arrays = {
            name: pa.array(values, pa.int64()) if name == "row_hash" else pa.array([None if v is None else str(v) for v in values], pa.string())
            for name, values in zip(result.columns, columns)
        }
        return pa.table(arrays)

    # -- writing -------------------------------------------------------------------------------
    def write(self, cypher: str, params: dict | None = None) -> Result:
        return self._managed(False, self._collect, cypher, params, action="write")

    def write_all(self, statements: list[tuple[str, dict | None]]) -> list[Result]:
        """One transaction (the driver re-runs it whole on a transient error: pass idempotent statements)."""
        return self._managed(
            False, lambda tx: [self._collect(tx, cypher, params) for cypher, params in statements], action="write"
        )

    def ensure_schema(self) -> None:
        """Constraints and indexes (each `IF NOT EXISTS`, so a second call is a no-op), then wait for them."""
        for statement in dialects.neo4j_ddl() + LOAD_DDL:
            self._managed(False, lambda tx, s=statement: tx.run(s).consume(), action=f"schema statement {statement!r}")
        self._managed(
            True,
            lambda tx: tx.run(dialects.NEO4J_AWAIT_INDEXES, {"seconds": INDEX_WAIT_SECONDS}).consume(),
            action="waiting for indexes",
        )

    def load_steps(self, plan: LoadPlan) -> list[tuple[str, list[dict], str | None]]:
        return list(self.iter_load_steps(plan))

    def iter_load_steps(self, plan: LoadPlan) -> Iterator[tuple[str, list[dict], str | None]]:
        """(statement, batch of rows, progress label or None) in the order the load runs them, each batch's
        rows made when it is reached (a 1M county as Python dicts would take gigabytes). A labelled step ends
        one batch: the statements since the last one commit together.

        Before a batch changes stored rows, it copies their old values into undo nodes under the load id
        (``undo_*`` statements); new rows need none (they carry the load id, and a rollback deletes them)."""
        nodes, rels = dialects.node_properties(), dialects.rel_definitions()
        for change in plan.changes:
            types = nodes[change.element] if change.is_node else rels[change.element][2]
            props, values = list(types), wire_values(types)
            if change.is_node:
                statement = dialects.node_upsert(change.element, props, values=values)
                columns = props
                undo = undo_node_statement(change.element)
            else:
                statement = dialects.rel_upsert(change.element, change.from_label, change.to_label, props, values=values)
                columns = ["_from", "_to"] + props
                undo = undo_rel_statement(change.element, change.from_label, change.to_label, change.replace_on_update, values)
            columns = [c for c in columns if c not in LOAD_CONSTANTS]
            # Inserts first, with neither undo nor delete: their keys are not in the store (the plan looked, after
            # recovery). An update saves the old values first; a written-anew relationship's update also
            # deletes the old one.
            for rows, is_update in ((change.inserts, False), (change.updates, True)):
                if rows.empty:
                    continue
                for batch in wire_batches(rows, columns, self.batch_size):
                    if is_update:
                        yield undo, batch, None
                        if change.replace_on_update:
                            yield dialects.rel_delete_from(change.element, change.from_label), batch, None
                    yield statement, batch, change.element

    def load_units(self, plan: LoadPlan) -> Iterator[tuple[bool, list[tuple[str, list[dict]]], str, int]]:
        """The load's transactions in order: (is a node batch, its statements with their rows, progress label,
        rows). The statements of one unit commit together (an update's undo copy with the update). Every node
        label comes before every relationship type (a node never needs a relationship; a relationship needs its
        ends), so that parallel sessions wait for the nodes once."""
        nodes = set(dialects.node_properties())
        pending: list[tuple[str, list[dict]]] = []
        nodes_first = dataclasses.replace(plan, changes=sorted(plan.changes, key=lambda change: not change.is_node))
        for statement, batch, label in self.iter_load_steps(nodes_first):
            pending.append((statement, batch))
            if label is not None:
                yield label in nodes, pending, label, len(batch)
                pending = []

    def apply(self, plan: LoadPlan, progress: Progress | None = None) -> None:
        """Write the plan one batch per transaction (server memory follows the batch, not the bundle), all or
        nothing: a marker node names the load while it runs, each batch saves the old values of what it
        changes, and deleting the marker is the commit. A failed load is rolled back at once; a killed one
        at the next load (:meth:`recover`). With ``sessions`` > 1 the batches go out from that many sessions
        at once, node batches before relationship batches. See docs/neo4j.md."""
        progress = progress or (lambda step, n: None)
        self.recover()
        params = {"load_id": plan.load_id, "loaded_at": plan.loaded_at}
        action = f"load {plan.load_id}"
        self._managed(False, lambda tx: tx.run(START_LOAD, params).consume(), action=action)
        try:
            # The driver re-runs a batch whole on a transient error (a deadlock between sessions included): every
            # statement is an idempotent MERGE, a keyed DELETE or an undo copy of rows not yet carrying this load's id.
            write = lambda unit: self._managed(False, _run_batch, unit, params, action=action)  # noqa: E731
            if self.sessions == 1:
                for _, unit, label, rows in self.load_units(plan):
                    write(unit)
                    progress(label, rows)
            else:
                _write_in_sessions(self.load_units(plan), write, progress, self.sessions)
            self._managed(False, lambda tx: tx.run(COMMIT_LOAD, params).consume(), action=action)
        except BaseException:
            try:
                self.rollback(plan.load_id)
            except Exception:  # the server went away: the marker stays, and the next load rolls back
                pass
            raise
        self._autocommit(FORGET_UNDO, {**params, "batch": self.batch_size}, action=f"clearing the undo of load {plan.load_id}")

    # -- all or nothing across batches ----------------------------------------------------------------
    def _autocommit(self, statement: str, params: dict, action: str) -> None:
        """One statement in an implicit transaction: what ``CALL { ... } IN TRANSACTIONS`` needs."""
        try:
            with self._session(read=False) as session:
                session.run(statement, params).consume()
        except (self._neo4j.exceptions.Neo4jError, self._neo4j.exceptions.DriverError) as exc:
            raise self._translate(exc, action) from exc

    def unfinished_loads(self) -> list[str]:
        return [row[0] for row in self.query(f"MATCH (m:{LOAD_LABEL}) RETURN m.load_id ORDER BY m.started_at").rows]

    def recover(self) -> list[str]:
        """Roll back every load that started and never committed (killed, or its server or network went
        away), then drop undo copies left by a committed load. Returns the load ids rolled back."""
        unfinished = self.unfinished_loads()
        for load_id in unfinished:
            self.rollback(load_id)
        self._autocommit(FORGET_ORPHAN_UNDO, {"batch": self.batch_size}, action="clearing undo copies")
        return unfinished

    def rollback(self, load_id: str) -> None:
        """Put back the store as it was before load ``load_id``: every step is idempotent and commits in
        batches, so a rollback that is itself cut short is finished by the next one."""
        for statement in rollback_statements():
            self._autocommit(statement, {"load_id": load_id, "batch": self.batch_size}, action=f"rolling back load {load_id}")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._driver.close()
