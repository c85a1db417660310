"""The missed-link catalogue: named Cypher queries (queries), their findings (findings), engine rewrites (dialect)
and scoring against a ground truth (quality).

>>> from graphcase.catalogue import load_catalogue
>>> "probation_adult_child_unknown_to_csc" in load_catalogue()
True
"""

from .cypher import RestrictedCypherRefused, run_cypher
from .queries import (
    CatalogueError,
    Parameter,
    Query,
    cypher_root,
    get_query,
    load_catalogue,
    result_json,
    run_query,
    to_jsonable,
)

__all__ = ["CatalogueError", "Parameter", "Query", "RestrictedCypherRefused", "cypher_root", "get_query", "load_catalogue", "result_json",
           "run_cypher", "run_query", "to_jsonable"]
