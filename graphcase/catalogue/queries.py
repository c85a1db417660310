"""The query catalogue: every named query is a ``.cypher`` file under ``cypher/`` with a YAML header.

Header (comment lines at the top, ``// `` stripped, read as YAML)::

    // name: probation_adult_child_unknown_to_csc
    // title: one line for people
    // description: what it returns
    // parameters:
    //   as_of: {type: date, default: today, description: ...}
    // columns:
    //   child_id: ...
    // why: why the pattern matters for a child

A query runs unchanged on both stores where the common subset of Cypher allows; otherwise a sibling
``NAME.ladybug.cypher`` (or ``NAME.neo4j.cypher``) holds the engine's own form, and tests check that both
forms give the same rows. Values always travel as parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .computed import compute
from functools import cache
from pathlib import Path

import yaml

from ..output.jsonable import result_json, to_jsonable  # noqa: F401  (re-exported: the catalogue API gives them)
from ..stores.base import GraphStore, Result
from ..stores.values import row_order_key

PARAM_TYPES = ("date", "int", "float", "str", "bool", "list[str]", "list[date]")
COMPUTED = "computed"  # a parameter's default: worked out from the others (graphcase.catalogue.computed)


class CatalogueError(Exception):
    """Unknown query, bad parameter, or a malformed query file."""


def cypher_root() -> Path:
    """cypher/ beside the package in a checkout; graphcase/cypher inside an installed wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "cypher", package.parent / "cypher"):
        if candidate.is_dir():
            return candidate
    raise CatalogueError("cannot find the cypher/ query folder")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: object = None
    description: str = ""

    def coerce(self, value):
        """Turn a CLI string (or a Python value) into the parameter's type."""
        if value is None or (isinstance(value, str) and value == "" and self.type != "str"):
            return None
        if value == COMPUTED and self.default == COMPUTED:  # filled in by Query.bind
            return None
        try:
            if self.type == "date":
                if isinstance(value, dt.date):
                    return value
                return dt.date.today() if value == "today" else dt.date.fromisoformat(str(value))
            if self.type == "int":
                return int(value)
            if self.type == "float":
                return float(value)
            if self.type == "bool":
                if isinstance(value, bool):
                    return value
                if str(value).lower() in ("true", "yes", "1"):
                    return True
                if str(value).lower() in ("false", "no", "0"):
                    return False
                raise ValueError(value)
            if self.type == "list[date]":
                items = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v.strip()]
                return [v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v).strip()) for v in items]
            if self.type == "list[str]":
                if isinstance(value, (list, tuple)):
                    return [str(v) for v in value]
                return [v.strip() for v in str(value).split(",") if v.strip()]
            return str(value)
        except ValueError as exc:
            raise CatalogueError(f"parameter {self.name}: {value!r} is not a valid {self.type}") from exc


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    title: str
    description: str
    why: str
    parameters: tuple[Parameter, ...]
    columns: dict[str, str]
    group: str  # the sub-folder: links, history, ...
    dialect_paths: dict[str, Path] = field(default_factory=dict)

    def text(self, dialect: str | None = None) -> str:
        return self.dialect_paths.get(dialect, self.path).read_text(encoding="utf-8")

    def bind(self, given: dict | None = None) -> dict:
        """Parameters with defaults applied and types checked; unknown names are an error."""
        given = dict(given or {})
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise CatalogueError(
                f"{self.name}: unknown parameter(s) {', '.join(unknown)}; it takes: {', '.join(known) or 'none'}"
            )
        computed = sorted(n for n, p in known.items() if p.default == COMPUTED)
        if set(given) & set(computed):
            raise CatalogueError(f"{self.name}: {', '.join(sorted(set(given) & set(computed)))} is worked out from the other "
                                 f"parameters and cannot be set")
        bound = {name: p.coerce(given.get(name, p.default)) for name, p in known.items() if name not in computed}
        if computed:
            try:
                bound.update(compute(self.name, bound, computed))
            except LookupError as exc:
                raise CatalogueError(str(exc)) from exc
        return bound


def parse_header(path: Path) -> dict:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("//"):
            break
        lines.append(line[3:] if line.startswith("// ") else line[2:])
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: header is not valid YAML: {exc}") from exc
    missing = [k for k in ("name", "description", "parameters", "columns", "why") if k not in header]
    if missing:
        raise CatalogueError(f"{path}: header lacks {', '.join(missing)}")
    if header["name"] != path.name.split(".")[0]:
        raise CatalogueError(f"{path}: header name {header['name']!r} differs from the file name")
    return header


def _load_query(path: Path, siblings: dict[str, Path]) -> Query:
    header = parse_header(path)
    params = []
    for name, spec in (header.get("parameters") or {}).items():
        spec = spec or {}
        if spec.get("type") not in PARAM_TYPES:
            raise CatalogueError(f"{path}: parameter {name} has type {spec.get('type')!r}; use one of {PARAM_TYPES}")
        params.append(Parameter(name, spec["type"], spec.get("default"), spec.get("description", "")))
    return Query(
        name=header["name"],
        path=path,
        title=header.get("title", header["name"]),
        description=header["description"],
        why=" ".join(str(header["why"]).split()),
        parameters=tuple(params),
        columns=dict(header["columns"] or {}),
        group=path.parent.name,
        dialect_paths=siblings,
    )


@cache
def load_catalogue(root: Path | None = None) -> dict[str, Query]:
    """Every query in the catalogue by name.

    >>> sorted(load_catalogue())[:1]  # doctest: +SKIP
    ['probation_adult_child_unknown_to_csc']
    """
    root = root or cypher_root()
    queries: dict[str, Query] = {}
    for path in sorted(root.rglob("*.cypher")):
        parts = path.name.split(".")
        if len(parts) != 2:  # NAME.ladybug.cypher: a sibling, picked up with its main file
            continue
        siblings = {
            dialect: sib
            for dialect in ("ladybug", "neo4j")
            if (sib := path.with_name(f"{parts[0]}.{dialect}.cypher")).exists()
        }
        query = _load_query(path, siblings)
        if query.name in queries:
            raise CatalogueError(f"{path}: query name {query.name} is already used by {queries[query.name].path}")
        queries[query.name] = query
    return queries


def get_query(name: str) -> Query:
    queries = load_catalogue()
    if name not in queries:
        raise CatalogueError(f"no query named {name!r}; 'graphcase queries' lists them")
    return queries[name]


ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
COMMENT = re.compile(r"//[^\n]*")


def run_query(store: GraphStore, name: str, params: dict | None = None) -> Result:
    """Run a catalogue query by name with parameters (strings are converted to the declared types). The rows
    of a query without ORDER BY come back sorted, so one store gives the same rows in the same order each time.

    >>> from graphcase import open_store
    >>> with open_store("graphcase.db", read_only=True) as store:  # doctest: +SKIP
    ...     result = run_query(store, "probation_adult_child_unknown_to_csc", {"as_of": "2026-11-01"})
    """
    query = get_query(name)
    text = query.text(store.dialect)
    result = store.query(text, query.bind(params))
    if not ORDER_BY.search(COMMENT.sub("", text)):  # engine order: differs between engines, and on LadybugDB between runs
        result.rows.sort(key=row_order_key)
    return result
