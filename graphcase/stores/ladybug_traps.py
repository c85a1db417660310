"""Query plans that LadybugDB 0.22 answers wrongly, found in the engine's own EXPLAIN text.

The engine scans a relationship into a vector, filters it on a property of that relationship, and then
extends from the vector's end nodes without honouring the filter: rows come out shifted, so a person who
moved house loses the current household or keeps the old one, depending on the order rows were stored in
(docs/engine-notes.md has the reproduction; tests/test_store_reexecution.py pins it). In the plan that is
``SCAN_REL_TABLE[n-2] (alias r) -> FILTER[n-1] (on r.something) -> SCAN_REL_TABLE[n]``. A ``WITH`` between the
filtered MATCH and the next hop makes the engine flatten first, which it answers rightly.

>>> find_wrong_answer_shapes(PLAN_OF_FILTER_THEN_HOP)   # doctest: +SKIP
['the filter on l.to_date is followed by a hop from its rows (SCAN_REL_TABLE[6])']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPERATOR = re.compile(r"([A-Z][A-Z_]+)\[(\d+)\]")
_DIRECTION = re.compile(r"Direction:\s*\((\w+)\)<?-\[(\w+)\]->?\((\w+)\)")  # (bound)-[rel]->(neighbour)


@dataclass(frozen=True)
class PlanOperator:
    name: str
    number: int
    text: str  # everything printed inside the operator's box


def plan_operators(plan: str) -> dict[int, PlanOperator]:
    """The operators of a LadybugDB EXPLAIN plan by number, each with the text inside its box.

    Boxes may stand side by side (a join's two inputs), so each box is read down its own columns."""
    lines = plan.splitlines()
    operators = {}
    for row, line in enumerate(lines):
        for match in _OPERATOR.finditer(line):
            left = line.rfind("│", 0, match.start())
            right = line.find("│", match.end())
            if left < 0 or right < 0:
                continue
            text = [line[left + 1:right]]
            for below in lines[row + 1:]:
                if len(below) <= left or below[left] in "└┌":
                    break
                text.append(below[left + 1:right])
            operators[int(match.group(2))] = PlanOperator(match.group(1), int(match.group(2)), " ".join(" ".join(text).split()))
    return operators


def find_wrong_answer_shapes(plan: str) -> list[str]:
    """Every place in ``plan`` where a relationship filtered on its own properties is extended from without
    flattening first: SCAN_REL_TABLE, then one or more FILTERs, then SCAN_REL_TABLE, numbered one after the
    other."""
    operators = plan_operators(plan)
    found = []
    for number, op in sorted(operators.items()):
        if op.name != "SCAN_REL_TABLE":
            continue
        below = number - 1
        filters = []
        while below in operators and operators[below].name == "FILTER":
            filters.append(operators[below].text)
            below -= 1
        scanned = operators.get(below)
        if not filters or scanned is None or scanned.name != "SCAN_REL_TABLE":
            continue
        filtered, hop = _DIRECTION.search(scanned.text), _DIRECTION.search(op.text)
        if not filtered or not hop or hop.group(1) != filtered.group(3):
            continue  # a hop from the other end, or a plan printed differently: answered rightly (probe2)
        rel = filtered.group(2)
        if any(re.search(rf"\b{re.escape(rel)}\.\w", text) for text in filters):
            found.append(f"the filter on {rel}'s properties is followed by a hop from {filtered.group(3)} "
                         f"(SCAN_REL_TABLE[{number}])")
    return found


def refusal(shapes: list[str]) -> str:
    """What a user is told when a query is refused for a shape the engine answers wrongly."""
    return ("refused: the embedded store (LadybugDB 0.22) gives wrong rows for this query: "
            + "; ".join(shapes)
            + ". Put a WITH after the MATCH whose WHERE tests that relationship (for example WITH *), "
              "then MATCH on from there; Neo4j runs it as written.")
