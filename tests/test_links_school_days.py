"""Operation Encompass counts school days: a deadline on a Saturday or Sunday moves to the Monday, worked
out in Python (portable Cypher has no day of week) and passed to the query as computed parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from graphcase.catalogue.findings import parameters_used
from graphcase.catalogue.queries import CatalogueError, get_query

QUERY = "domestic_abuse_child_not_told"


def test_weekend_deadlines_are_computed_from_as_of_and_days():
    bound = get_query(QUERY).bind({"as_of": dt.date(2025, 9, 1), "days": 1})
    friday, saturday, sunday = dt.date(2025, 8, 29), dt.date(2025, 8, 30), dt.date(2025, 8, 31)
    assert friday in bound["deadline_on_saturday"] and saturday in bound["deadline_on_sunday"]
    assert sunday not in bound["deadline_on_saturday"] + bound["deadline_on_sunday"]  # Monday: a school day
    assert (bound["days_from_saturday"], bound["days_from_sunday"]) == (3, 2)
    two = get_query(QUERY).bind({"as_of": dt.date(2025, 9, 1), "days": 2})
    assert dt.date(2025, 8, 28) in two["deadline_on_saturday"] and two["days_from_saturday"] == 4


def test_computed_parameters_cannot_be_set_and_are_not_saved_as_settings():
    with pytest.raises(CatalogueError, match="worked out"):
        get_query(QUERY).bind({"days_from_saturday": 9})
    assert "deadline_on_saturday" not in parameters_used([QUERY], None)[QUERY]
