"""What every store offers, and the load plan that the loader hands to a store.

A store is one small module per engine (like splink's ``backends/``); what differs in the Cypher they
accept lives in :mod:`graphcase.stores.dialects`. Callers never need to know which engine they hold.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from ..model.hashing import join_key_arrow

# progress(step_description, rows_done_in_step)
Progress = Callable[[str, int], None]


class StoreError(Exception):
    """A store could not do what was asked (bad query, refused write, connection failure)."""


class ReadOnlyViolation(StoreError):
    """A query tried to write through a read-only entry point."""


@dataclass
class Result:
    columns: list[str]
    rows: list[list]
    truncated_at: int | None = None  # set when an ad-hoc query's rows were cut at its row limit

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class ElementChanges:
    """New and changed rows of one node label or relationship type, ready to write."""

    element: str  # node label or relationship type
    is_node: bool
    inserts: pd.DataFrame  # node: id + properties; rel: _from, _to + properties (key first)
    updates: pd.DataFrame
    from_label: str | None = None
    to_label: str | None = None
    replace_on_update: bool = False  # derived single-valued rels (RECORDED_BY): delete the old, write anew


@dataclass
class LoadPlan:
    load_id: str
    loaded_at: dt.datetime | None = None  # every row's loaded_at (a server store sends it once, not per row)
    changes: list[ElementChanges] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        return {c.element: {"new": len(c.inserts), "updated": len(c.updates)} for c in self.changes}

    @property
    def is_empty(self) -> bool:
        return all(c.inserts.empty and c.updates.empty for c in self.changes)


class GraphStore(ABC):
    """One graph database holding the case network."""

    dialect: str  # "ladybug" or "neo4j": picks NAME.<dialect>.cypher siblings in the catalogue
    location: str

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create node/relationship tables (LadybugDB) or constraints and indexes (Neo4j) if missing."""

    @abstractmethod
    def query(self, cypher: str, params: dict | None = None) -> Result:
        """Run a read query written by graphcase (catalogue, loader look-ups)."""

    def query_table(self, cypher: str, params: dict | None = None) -> pa.Table:
        """A read query's rows as one Arrow table (a whole-store scan for pandas or DuckDB). This default goes
        through :meth:`query`; an engine with a columnar result (LadybugDB) skips the per-row Python objects."""
        result = self.query(cypher, params)
        columns = list(zip(*result.rows)) if result.rows else [[] for _ in result.columns]
        return pa.table({name: pa.array(list(values)) for name, values in zip(result.columns, columns)})

    @abstractmethod
    def query_read_only(
        self,
        cypher: str,
        params: dict | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        memory_mb: int | None = None,
    ) -> Result:
        """Run user-supplied Cypher through the read-only guard (:mod:`graphcase.stores.guard`).

        The unaudited low-level call: it writes no audit entry (stores sit below the audit layer). From
        Python use :func:`graphcase.run_cypher`, which calls this and records the query in the audit log.

        One statement of read clauses only, checked by tokens and by the engine's own plan; refused ones
        raise :class:`~graphcase.stores.guard.GuardRefusal` (a ReadOnlyViolation) naming the clause. It
        runs at most ``timeout`` seconds and returns at most ``max_rows`` rows (``truncated_at`` says when
        rows were cut); on the embedded store it runs in a worker process killed at the time limit and
        capped at ``memory_mb`` (a :class:`~graphcase.stores.guard.QueryLimitError` says which limit
        stopped it). They default to GRAPHCASE_CYPHER_TIMEOUT / _MAX_ROWS / _MEMORY_MB, else 30 s, 10,000
        rows and 1024 MB."""

    @abstractmethod
    def key_parts_and_hashes(self, element: str, is_node: bool) -> pa.Table:
        """The key parts (``dialects.key_parts``) and row_hash of every node of a label or relationship of
        a type, each key part as a type whose text is the loader's (a date prints as YYYY-MM-DD)."""

    def stored_row_hashes(self, element: str, is_node: bool) -> pa.Array:
        """The row_hash of every node of a label or relationship of a type (int64): what the loader reads
        first, so that a re-load of unchanged rows never reads their keys."""
        from .dialects import stored_hashes_query

        result = self.query(stored_hashes_query(element, is_node))
        return pa.array([row[0] for row in result.rows], pa.int64())

    def reads_hashes_first(self, element: str, is_node: bool, bundle_rows: int) -> bool:
        """Whether the loader should read every stored row_hash first, dropping the bundle's unchanged rows
        before any key is read. An embedded store reads its hashes faster than it looks up keys: always."""
        return True

    def row_hashes_of(self, element: str, is_node: bool, rows: pa.Table) -> pd.DataFrame:
        """Like :meth:`row_hashes`, for the stored elements whose keys ``rows`` (the bundle's) hold; a store
        may give more. An embedded store gives all of them (reading is cheaper than looking keys up); a
        server store looks up only these keys, so a re-load's cost follows the bundle."""
        return self.row_hashes(element, is_node)

    def _keyed(self, table: pa.Table, element: str, is_node: bool) -> pd.DataFrame:
        from .dialects import key_parts

        keys = join_key_arrow(table, list(key_parts(element, is_node)))
        return pa.table({"key": keys, "row_hash": table["row_hash"].cast(pa.int64())}).to_pandas(types_mapper=pd.ArrowDtype)

    def row_hashes(self, element: str, is_node: bool) -> pd.DataFrame:
        """Existing key and row_hash of every node of a label or relationship of a type: the loader's diff.

        Columns ``key`` and ``row_hash``, both Arrow-backed."""
        return self._keyed(self.key_parts_and_hashes(element, is_node), element, is_node)

    def recover(self) -> list[str]:
        """Undo what loads that never finished left behind, before a new load plans against the store; the
        ids of the loads undone. A store whose load is one transaction has nothing to undo."""
        return []

    @abstractmethod
    def apply(self, plan: LoadPlan, progress: Progress | None = None) -> None:
        """Write the plan in one transaction: all of it lands, or none of it."""

    @abstractmethod
    def write(self, cypher: str, params: dict | None = None) -> Result:
        """Run one write statement written by graphcase (record linkage, review decisions)."""

    @abstractmethod
    def write_all(self, statements: list[tuple[str, dict | None]]) -> list[Result]:
        """Run graphcase's write statements (cypher, params) as one unit: all of them land, or none."""

    @abstractmethod
    def close(self) -> None: ...

    def known_ids(self, label: str, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        found: set[str] = set()
        for start in range(0, len(ids), 50_000):
            chunk = ids[start : start + 50_000]
            result = self.query(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n.id AS id", {"ids": chunk})
            found.update(row[0] for row in result.rows)
        return found

    def node_ids(self, label: str) -> pa.Array:
        """Every id of the nodes of ``label`` (text): what a load compares new ids with for look-alikes."""
        return pa.array([row[0] for row in self.query(f"MATCH (n:{label}) RETURN n.id AS id").rows], pa.string())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
