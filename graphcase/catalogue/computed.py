"""Parameters a query cannot work out itself, computed from its other parameters.

Portable Cypher has no day-of-week function (docs: CYPHER_PORTABILITY.md), so a deadline counted in school
days is computed here and passed in: Operation Encompass asks that the school hear of a police call-out
before the next school day, so a deadline that falls on a Saturday or Sunday moves to the Monday (an
incident on Friday night told on Monday is on time). Bank holidays are not known and count as school days.
"""

from __future__ import annotations

import datetime as dt



def _weekend_deadlines(bound: dict) -> dict:
    """Incident dates in the look-back window whose deadline (incident + days) falls on a Saturday or a
    Sunday, and the day counts that move those deadlines to the Monday."""
    as_of, days = bound["as_of"], bound["days"]
    first = as_of - dt.timedelta(days=31 * (bound["lookback_months"] + 1))
    saturday, sunday = [], []
    for n in range((as_of - first).days + 1):
        d = first + dt.timedelta(days=n)
        weekday = (d + dt.timedelta(days=days)).weekday()
        if weekday == 5:
            saturday.append(d)
        elif weekday == 6:
            sunday.append(d)
    return {"deadline_on_saturday": saturday, "deadline_on_sunday": sunday,
            "days_from_saturday": days + 2, "days_from_sunday": days + 1}


COMPUTERS = {"domestic_abuse_child_not_told": _weekend_deadlines}


def compute(query_name: str, bound: dict, names: list[str]) -> dict:
    if query_name not in COMPUTERS:
        raise LookupError(f"{query_name}: no way to compute {', '.join(names)}")
    values = COMPUTERS[query_name](bound)
    return {n: values[n] for n in names}
