"""LadybugDB 0.22 gives wrong rows for UNION: the embedded store runs each branch as its own query.

When a UNION's first branch returns one expression under two names (``r.from_date AS from_date,
r.from_date AS other_from_date``), LadybugDB fills the matching columns of every later branch from one of
that branch's columns (docs/engine-notes.md has the minimal reproduction). So that no query relies on the
engine mapping columns between branches, :func:`split_union` cuts a statement at its top-level ``UNION`` /
``UNION ALL`` and the store runs the branches one by one, concatenating the rows (``UNION ALL``) or keeping
the first of equal rows (``UNION``). In Cypher each branch is a whole query (its ``ORDER BY`` and ``LIMIT``
are its own), so running branches apart gives the rows the UNION should have given.
"""

from __future__ import annotations

import re

_UNION = re.compile(r"\bUNION\b(\s+ALL\b)?", re.IGNORECASE)
_OPEN, _CLOSE = "([{", ")]}"


def _top_level_code(cypher: str) -> str:
    """The text with string literals, quoted names, comments and anything inside brackets blanked out
    (same length, so positions still index ``cypher``)."""
    out = list(cypher)
    i, depth, n = 0, 0, len(cypher)
    while i < n:
        ch = cypher[i]
        start = i
        if ch in "'\"`":
            i += 1
            while i < n and cypher[i] != ch:
                i += 2 if cypher[i] == "\\" and ch != "`" else 1
            i += 1
        elif cypher.startswith("//", i):
            end = cypher.find("\n", i)
            i = n if end < 0 else end
        elif cypher.startswith("/*", i):
            end = cypher.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(depth - 1, 0)
            elif depth:
                out[i] = " "
            i += 1
            continue
        out[start:i] = " " * (min(i, n) - start)
    return "".join(out)


def split_union(cypher: str) -> tuple[list[str], bool]:
    """(branches, distinct): the statement's top-level UNION branches (one, the statement itself, when it
    has no UNION), and whether it is ``UNION`` (rows de-duplicated) rather than ``UNION ALL``."""
    cuts = list(_UNION.finditer(_top_level_code(cypher)))
    if not cuts:
        return [cypher], False
    edges = [0] + [pos for m in cuts for pos in (m.start(), m.end())] + [len(cypher)]
    branches = [cypher[edges[k] : edges[k + 1]] for k in range(0, len(edges), 2)]
    return branches, any(m.group(1) is None for m in cuts)


def union_rows(results: list[list[list]], distinct: bool) -> list[list]:
    """The branches' rows in branch order; with ``distinct``, only the first of equal rows."""
    rows = [row for branch in results for row in branch]
    if not distinct:
        return rows
    seen, kept = set(), []
    for row in rows:
        key = repr(row)  # rows may hold lists and dicts, which do not hash
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept
