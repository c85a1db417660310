"""Ad-hoc Cypher for the Python API: checked by the read-only guard, limited, and recorded in the audit log.

``store.query_read_only`` is the low-level call (the guard and the limits, no audit entry: stores sit below the
audit layer). :func:`run_cypher` is the one to use from Python, and the one ``graphcase cypher`` uses: it
writes the same start and end entries as the command, with the rows and the people ids the result shows.

>>> import graphcase
>>> with graphcase.open_store("g.db", read_only=True) as store:  # doctest: +SKIP
...     result = graphcase.run_cypher(store, "MATCH (p:Person {id: $id}) RETURN p.id", {"id": "gp:TWARD"}, reason="MASH 12")
"""

from __future__ import annotations

from .. import audit
from ..stores.base import GraphStore, Result

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
) -> Result:
    """Run ad-hoc read-only Cypher on ``store`` and record it in the store's audit log.

    The query goes through the read-only guard and the time, row and memory limits of
    :meth:`~graphcase.stores.GraphStore.query_read_only` (refusals raise ``GuardRefusal``, limits
    ``QueryLimitError``); the audit gets a ``cypher`` start entry before it runs and an end entry with the
    outcome (``ok``, ``refused``, ``error``), the row count and the people ids shown. ``reason`` is required
    when the store's audit settings say so for ``cypher`` (the default), else ``ReasonRequired`` is raised
    and nothing runs. Inside another recorded action (a CLI command, ``audit.recorded(...)``) it adds to that
    action's entry instead.
    """
    arguments = {"query": query, "params": params or {}, "timeout": timeout, "max_rows": max_rows, "memory_mb": memory_mb}
    with audit.recorded(store, "cypher", arguments, reason=reason, claimed_user=claimed_user) as record:
        result = store.query_read_only(query, params, timeout=timeout, max_rows=max_rows, memory_mb=memory_mb)
        record.touch(people=result_people(result), rows=len(result))
    return result
