"""Store statistics: counts by element, and how many people each agency knows."""

from __future__ import annotations

from . import dialects
from .base import GraphStore


def store_stats(store: GraphStore) -> dict:
    """Counts of every node label and relationship type, and people known to each agency.

    >>> from graphcase import open_store
    >>> with open_store("graphcase.db", read_only=True) as store:  # doctest: +SKIP
    ...     store_stats(store)["elements"]["Person"]
    16
    """
    elements = {}
    for label in dialects.node_properties():
        elements[label] = store.query(f"MATCH (n:{label}) RETURN count(n) AS n").rows[0][0]
    for rel_type in dialects.rel_definitions():
        elements[rel_type] = store.query(f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS n").rows[0][0]
    agencies = store.query(
        "MATCH (a:Agency) OPTIONAL MATCH (p:Person)-[:KNOWN_TO]->(a) "
        "RETURN a.id AS agency, a.kind AS kind, count(DISTINCT p) AS people ORDER BY agency"
    ).records()
    return {"elements": elements, "agencies": agencies}
