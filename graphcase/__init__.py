"""graphcase: multi-agency child-safeguarding case networks as a property graph.

The Python API is what the CLI calls::

    import graphcase
    with graphcase.open_store("graphcase.db") as store:
        report = graphcase.load_bundle(store, "fixtures/sample")
        rows = graphcase.run_query(store, "probation_adult_child_unknown_to_csc", {"as_of": "2026-11-01"})
        ad_hoc = graphcase.run_cypher(store, "MATCH (a:Agency) RETURN a.id", reason="MASH 12")  # audited

``run_cypher`` is the audited way to run ad-hoc Cypher; ``store.query_read_only`` is the unaudited low-level
call under it (the same guard and limits, no audit entry). ``run_cypher(..., viewer=Viewer(name, role, agency))``
applies the restricted-records rule of ``graphcase cypher --user``: refused (``RestrictedCypherRefused``) unless
the viewer may see every restricted record; without a viewer the caller is the store's owner, who sees all.

One package per feature: ``ingest`` (bundle, validate, load), ``stores`` (embedded and Neo4j), ``catalogue``
(missed-link queries and findings), ``history`` (chronologies), ``maps``, ``linkage`` (record linkage),
``synthetic`` (the generated county), ``cli`` (the command, a thin shell over these).

Moved in 0.3: ``graphcase.bundle``, ``.validate`` and ``.load`` are now under ``graphcase.ingest``;
``graphcase.findings`` is ``graphcase.catalogue.findings``; ``graphcase.model`` keeps its name (a package
now, with ``hashing`` and the schemas inside). The names below are the stable API and stay importable from
``graphcase`` itself.
"""

from .catalogue import CatalogueError, get_query, load_catalogue, run_cypher, run_query
from .ingest import BundleError, LoadReport, Reject, load_bundle, read_bundle, validate_bundle, write_bundle, write_reject_report
from .stores import GraphStore, ReadOnlyViolation, Result, StoreError, open_store

__version__ = "0.3.0"

__all__ = [
    "BundleError",
    "CatalogueError",
    "GraphStore",
    "LoadReport",
    "ReadOnlyViolation",
    "Reject",
    "Result",
    "StoreError",
    "load_catalogue",
    "get_query",
    "load_bundle",
    "open_store",
    "read_bundle",
    "run_cypher",
    "run_query",
    "validate_bundle",
    "write_bundle",
    "write_reject_report",
]
