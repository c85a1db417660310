"""Ad-hoc Cypher for the Python API: checked by the read-only guard, limited, and recorded in the audit log.

``store.query_read_only`` is the low-level call (the guard and the limits, no audit entry: stores sit below the
audit layer). :func:`run_cypher` is the one to use from Python, and the one ``graphcase cypher`` uses: it
writes the same start and end entries as the command, with the rows and the people ids the result shows.

Restricted records: ad-hoc Cypher reads every property, so it cannot withhold a sealed record the way the
catalogue does. With ``viewer=`` (a :class:`graphcase.model.restrictions.Viewer`, as ``graphcase cypher --user``)
the query is refused (:class:`RestrictedCypherRefused`, the CLI's exit code 3) unless the viewer may see every
restricted record of the store. Without a viewer the caller is the store's owner, who sees everything: the
embedded store's single-user default, as the CLI without ``--user``.

>>> import graphcase
>>> from graphcase.model.restrictions import Viewer
>>> with graphcase.open_store("g.db", read_only=True) as store:  # doctest: +SKIP
...     result = graphcase.run_cypher(store, "MATCH (p:Person {id: $id}) RETURN p.id", {"id": "gp:TWARD"}, reason="MASH 12",
...                                   viewer=Viewer("jo", "analyst", "MASH"))
"""

from __future__ import annotations

from .. import audit
from ..model.restrictions import Viewer
from ..stores.base import GraphStore, ReadOnlyViolation, Result
from .restrictions import Redactor

# Result columns that hold people's ids besides those named *id* (child, adults ...).
ID_COLUMNS = {"child", "children", "person", "people", "adult", "adults", "others", "member", "members"}


def result_people(result: Result) -> list[str]:
    """The ids in a result's id-like columns (``*id*``, child, person ...): the people it shows, for the audit."""
    ids = []
    for index, column in enumerate(result.columns):
        name = column.lower().rsplit(".", 1)[-1]
        if "id" in name or name in ID_COLUMNS:
            for row in result.rows:
                values = row[index] if isinstance(row[index], list) else [row[index]]
                ids.extend(v for v in values if isinstance(v, str))
    return ids


class RestrictedCypherRefused(ReadOnlyViolation):
    """Ad-hoc Cypher refused because the viewer may not see some restricted record of the store (exit code 3)."""


def refusal_for(store: GraphStore, viewer: Viewer | None) -> RestrictedCypherRefused | None:
    """Why ``viewer`` may not run ad-hoc Cypher on ``store`` (None: they may; no viewer is the owner)."""
    redactor = Redactor.for_viewer(store, viewer)
    if redactor is None:
        return None
    return RestrictedCypherRefused(
        f"refused: ad-hoc Cypher reads every property, and {redactor.viewer.describe()} may not see "
        f"{len(redactor.hidden)} restricted record(s) of this store; use the catalogue commands "
        "(run, history, links, map), which withhold them")


def run_cypher(
    store: GraphStore,
    query: str,
    params: dict | None = None,
    *,
    reason: str | None = None,
    claimed_user: str | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
    memory_mb: int | None = None,
    viewer: Viewer | None = None,
) -> Result:
    """Run ad-hoc read-only Cypher on ``store`` and record it in the store's audit log.

    The query goes through the read-only guard and the time, row and memory limits of
    :meth:`~graphcase.stores.GraphStore.query_read_only` (refusals raise ``GuardRefusal``, limits
    ``QueryLimitError``); the audit gets a ``cypher`` start entry before it runs and an end entry with the
    outcome (``ok``, ``refused``, ``error``), the row count and the people ids shown. ``reason`` is required
    when the store's audit settings say so for ``cypher`` (the default), else ``ReasonRequired`` is raised
    and nothing runs. Inside another recorded action (a CLI command, ``audit.recorded(...)``) it adds to that
    action's entry instead.

    ``viewer``: whose view of restricted records applies; refused with :class:`RestrictedCypherRefused`
    (recorded as ``refused``, nothing runs) when they may not see every restricted record. ``None``: the
    store's owner, who sees all.
    """
    arguments = {"query": query, "params": params or {}, "timeout": timeout, "max_rows": max_rows, "memory_mb": memory_mb}
    with audit.recorded(store, "cypher", arguments, reason=reason, claimed_user=claimed_user) as record:
        refusal = refusal_for(store, viewer)
        if refusal is not None:
            raise refusal
        result = store.query_read_only(query, params, timeout=timeout, max_rows=max_rows, memory_mb=memory_mb)
        record.touch(people=result_people(result), rows=len(result))
    return result
