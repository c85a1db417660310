"""Engine values -> the plain Python values every store's results are made of.

A result row holds only None, bool, int, float, str, datetime.date, datetime.datetime, lists and dicts of
these, whichever engine answered, so callers (JSON output, comparisons between stores) never meet an engine
type. What the engines give instead, and what it becomes:

* a whole-number ``decimal.Decimal`` (LadybugDB's ``sum()`` of integers is INT128) -> ``int``; any other
  Decimal -> ``float``;
* ``uuid.UUID`` -> its text;
* a duration (LadybugDB ``INTERVAL`` as ``datetime.timedelta``, Neo4j ``Duration``) -> ISO 8601 text;
* Neo4j ``Date`` / ``DateTime`` -> ``datetime.date`` / ``datetime.datetime``; Neo4j ``Time`` -> ISO text;
* a Neo4j node or relationship -> a dict of its properties with ``_label`` (as LadybugDB returns one); a
  path -> the list of its nodes and relationships in order;
* a spatial point -> the list of its coordinates; anything else not plain (bytes) -> its text.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
import uuid

import yaml

PLAIN_SCALARS = (str, bool, int, float, dt.date)  # dt.datetime is a dt.date


def plain(value):
    """One engine value as a plain Python value (see the module docstring)."""
    if value is None or isinstance(value, PLAIN_SCALARS):
        return value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    return _plain_neo4j(value)


def _iso_duration(delta: dt.timedelta) -> str:
    seconds = delta.seconds + delta.microseconds / 1_000_000
    return f"P{delta.days}DT{seconds:g}S"


def _plain_neo4j(value):
    try:
        from neo4j import graph, time
    except ImportError:  # pragma: no cover - the driver is a dependency
        return str(value)
    if isinstance(value, (time.Date, time.DateTime)):
        return value.to_native()
    if isinstance(value, time.Time):
        return value.iso_format()
    if isinstance(value, time.Duration):  # before tuple: a Duration is one
        return value.iso_format()
    if isinstance(value, graph.Node):
        return {"_label": sorted(value.labels)[0] if value.labels else None, **plain(dict(value))}
    if isinstance(value, graph.Relationship):
        return {"_label": value.type, **plain(dict(value))}
    if isinstance(value, graph.Path):
        nodes, rels = value.nodes, value.relationships
        return [plain(nodes[0])] + [plain(v) for pair in zip(rels, nodes[1:]) for v in pair]
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return str(value)


# LadybugDB column types whose values are already plain (lists of them too: "STRING[]").
LADYBUG_PLAIN_TYPES = frozenset(
    {"STRING", "BOOL", "DOUBLE", "FLOAT", "DATE", "TIMESTAMP", "SERIAL"}
    | {f"{sign}INT{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)}
)


def ladybug_plain_rows(column_types: list[str], rows: list[list]) -> list[list]:
    """LadybugDB rows with only the columns whose declared type may hold engine values converted."""
    convert = [i for i, typ in enumerate(column_types) if typ.rstrip("[]") not in LADYBUG_PLAIN_TYPES]
    for row in rows if convert else ():
        for i in convert:
            row[i] = plain(row[i])
    return rows


# -- lists whose order means nothing -------------------------------------------------------------------
# The engines fill a collect() list in different orders, and neither can sort one portably (LadybugDB 0.22
# ignores an ORDER BY before collect() and has list_sort; Neo4j 5 has ORDER BY but no list sort). So a query
# names its order-free list columns in its header, and both stores sort them here, the same way:
#
#     // unordered: [[event_ids, event_dates, event_kinds], [child_agencies]]
#
# Each group is sorted together, as rows, by its first list (then the next): parallel lists (the i-th
# date is the i-th event's) stay aligned.
_UNORDERED = re.compile(r"^//\s*unordered:(.*)$", re.MULTILINE)


@functools.lru_cache(maxsize=512)
def unordered_groups(cypher: str) -> tuple[tuple[str, ...], ...]:
    """The column groups a query's ``// unordered:`` header line names (none when it has no such line)."""
    found = _UNORDERED.search(cypher)
    if not found:
        return ()
    groups = yaml.safe_load(found.group(1))
    if not isinstance(groups, list) or not all(isinstance(g, list) and g and all(isinstance(c, str) for c in g) for g in groups):
        raise ValueError(f"'// unordered:' wants a list of column lists, e.g. [[event_ids, event_dates]]; got {found.group(1).strip()}")
    return tuple(tuple(g) for g in groups)


def row_order_key(row) -> tuple:
    """A sort key for a whole row of plain values (None first; values of different types never compared)."""
    return tuple(_order_key(v) for v in row)


def _order_key(value):
    if value is None:
        return (0, "", "")
    if isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool):
        return (1, type(value).__name__, value)
    return (2, type(value).__name__, repr(value))


def sort_unordered(cypher: str, columns: list[str], rows: list[list]) -> list[list]:
    """Sort, in place, the order-free list columns that the query's header names (see above)."""
    for group in unordered_groups(cypher):
        missing = [c for c in group if c not in columns]
        if missing:
            raise ValueError(f"'// unordered:' names {', '.join(missing)}, which the query does not return ({', '.join(columns)})")
        at = [columns.index(c) for c in group]
        for row in rows:
            lists = [row[i] for i in at]
            if any(v is None for v in lists):
                continue
            if len({len(v) for v in lists}) > 1:  # not parallel (collect() skipped a null): each alone
                for i in at:
                    row[i] = sorted(row[i], key=_order_key)
                continue
            ordered = sorted(zip(*lists), key=lambda items: tuple(_order_key(v) for v in items))
            for i, values in zip(at, zip(*ordered) if ordered else [[] for _ in at]):
                row[i] = list(values)
    return rows
