"""Neo4j 5 through the official driver, for partnerships that outgrow one machine.

bolt://, neo4j:// (cluster routing) and neo4j+s:// (Aura) URIs all work: the driver picks the routing from
the scheme. Credentials come from NEO4J_USERNAME / NEO4J_PASSWORD. A load is one managed write
transaction (the driver retries it on transient errors) made of UNWIND batches.
"""

from __future__ import annotations

import os

import pandas as pd

from . import dialects
from .base import GraphStore, LoadPlan, Progress, ReadOnlyViolation, Result, StoreError
from .ladybug import frame_to_rows

DEFAULT_BATCH = 10_000


def _native(value):
    """neo4j.time values -> datetime.date / datetime.datetime; lists and maps recursively."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    return value


class Neo4jStore(GraphStore):
    dialect = "neo4j"

    def __init__(self, uri: str, *, database: str | None = None, batch_size: int = DEFAULT_BATCH, auth=None):
        try:
            import neo4j
        except ImportError as exc:  # pragma: no cover
            raise StoreError("the Neo4j store needs the 'neo4j' package (the official driver)") from exc
        self._neo4j = neo4j
        self.location = uri
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        self.batch_size = batch_size
        if auth is None:
            user, password = os.environ.get("NEO4J_USERNAME"), os.environ.get("NEO4J_PASSWORD")
            auth = (user, password) if user else None
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            self._driver.verify_connectivity()
        except Exception as exc:
            raise StoreError(f"cannot connect to Neo4j at {uri}: {exc}") from exc

    def _session(self, read: bool):
        mode = self._neo4j.READ_ACCESS if read else self._neo4j.WRITE_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode)

    @staticmethod
    def _collect(tx, cypher, params) -> Result:
        result = tx.run(cypher, params or {})
        columns = list(result.keys())
        rows = [[_native(v) for v in record.values()] for record in result]
        return Result(columns, rows)

    def query(self, cypher: str, params: dict | None = None) -> Result:
        try:
            with self._session(read=True) as session:
                return session.execute_read(self._collect, cypher, params)
        except self._neo4j.exceptions.Neo4jError as exc:
            raise StoreError(str(exc)) from exc

    def query_read_only(self, cypher: str, params: dict | None = None) -> Result:
        # A READ transaction: the server refuses writes ("Writing in read access mode not allowed").
        try:
            with self._session(read=True) as session:
                return session.execute_read(self._collect, cypher, params)
        except self._neo4j.exceptions.Neo4jError as exc:
            text = str(exc)
            if "read access mode" in text.lower() or "AccessMode" in text or "ForbiddenDueToTransactionType" in text:
                raise ReadOnlyViolation(f"refused: this query writes, and ad-hoc queries are read-only ({exc.message})") from exc
            raise StoreError(text) from exc

    def write(self, cypher: str, params: dict | None = None) -> Result:
        with self._session(read=False) as session:
            return session.execute_write(self._collect, cypher, params)

    def ensure_schema(self) -> None:
        with self._session(read=False) as session:
            for statement in dialects.neo4j_ddl():
                session.run(statement).consume()

    def row_hashes(self, element: str, is_node: bool) -> pd.DataFrame:
        key = "id" if is_node else "key"
        pattern = f"(n:{element})" if is_node else f"()-[n:{element}]->()"
        result = self.query(f"MATCH {pattern} RETURN n.{key} AS key, n.row_hash AS row_hash")
        return pd.DataFrame(result.rows, columns=["key", "row_hash"])


    def apply(self, plan: LoadPlan, progress: Progress | None = None) -> None:
        progress = progress or (lambda step, n: None)
        nodes, rels = dialects.node_properties(), dialects.rel_definitions()
        steps = []
        for change in plan.changes:
            rows = pd.concat([change.inserts, change.updates])
            if rows.empty:
                continue
            if change.is_node:
                props = list(nodes[change.element])
                statement = dialects.node_upsert(change.element, props)
                columns = props
            else:
                props = list(rels[change.element][2])
                statement = dialects.rel_upsert(change.element, change.from_label, change.to_label, props)
                columns = ["_from", "_to"] + props
            records = frame_to_rows(rows[columns])
            for start in range(0, len(records), self.batch_size):
                batch = records[start : start + self.batch_size]
                if change.replace_on_update:
                    steps.append((dialects.rel_delete_by_key(change.element, change.from_label), batch, None))
                steps.append((statement, batch, change.element))

        def work(tx):
            # Re-run whole on a retry: every statement is an idempotent MERGE.
            for statement, batch, label in steps:
                tx.run(statement, {"rows": batch}).consume()
                if label:
                    progress(label, len(batch))

        with self._session(read=False) as session:
            session.execute_write(work)

    def close(self) -> None:
        self._driver.close()
