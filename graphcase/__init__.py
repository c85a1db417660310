"""graphcase: multi-agency child-safeguarding case networks as a property graph.

The Python API is what the CLI calls::

    import graphcase
    with graphcase.open_store("graphcase.db") as store:
        report = graphcase.load_bundle(store, "fixtures/sample")
        rows = graphcase.run_query(store, "probation_adult_child_unknown_to_csc", {"as_of": "2026-11-01"})
"""

from .bundle import BundleError, read_bundle, write_bundle
from .catalogue import CatalogueError, get_query, load_catalogue, run_query
from .load import LoadReport, load_bundle, write_reject_report
from .stores import GraphStore, ReadOnlyViolation, Result, StoreError, open_store
from .validate import Reject, validate_bundle

__version__ = "0.2.0"

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
    "run_query",
    "validate_bundle",
    "write_bundle",
    "write_reject_report",
]
