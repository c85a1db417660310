"""Stores: the embedded LadybugDB file (default) and Neo4j 5, behind one interface."""

from __future__ import annotations

import os
from pathlib import Path

from .base import GraphStore, ReadOnlyViolation, Result, StoreError

DEFAULT_DB = "graphcase.db"


def open_store(
    db: str | Path | None = None,
    *,
    neo4j_uri: str | None = None,
    neo4j_database: str | None = None,
    read_only: bool = False,
    batch_size: int | None = None,
    sessions: int | None = None,
) -> GraphStore:
    """Open the store named by the arguments, else by GRAPHCASE_NEO4J_URI / GRAPHCASE_DB, else ./graphcase.db.

    Neo4j only: ``batch_size`` rows per load transaction, ``sessions`` driver sessions writing a load's batches
    at once (docs/neo4j.md); the embedded store refuses ``sessions`` above 1 (it writes a load with one COPY).

    >>> from graphcase import open_store
    >>> with open_store("demo.db") as store:  # doctest: +SKIP
    ...     store.ensure_schema()
    """
    neo4j_uri = neo4j_uri or (None if db else os.environ.get("GRAPHCASE_NEO4J_URI"))
    if neo4j_uri:
        from .neo4j import DEFAULT_BATCH, DEFAULT_SESSIONS, Neo4jStore

        return Neo4jStore(neo4j_uri, database=neo4j_database, batch_size=batch_size or DEFAULT_BATCH,
                          sessions=sessions or DEFAULT_SESSIONS)
    if sessions not in (None, 1):
        raise StoreError(f"sessions={sessions}: parallel sessions are for a Neo4j store; the embedded store writes a load with one COPY")
    from .ladybug import LadybugStore

    path = db or os.environ.get("GRAPHCASE_DB") or DEFAULT_DB
    return LadybugStore(path, read_only=read_only, create=not read_only)


__all__ = ["GraphStore", "ReadOnlyViolation", "Result", "StoreError", "open_store", "DEFAULT_DB"]
