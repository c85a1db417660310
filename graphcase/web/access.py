"""Who may open what: every route of the workspace names the roles allowed, here and nowhere else.

A reviewer may open only the cases assigned to them (``graphcase users assign``), checked on every route
that takes a person (:func:`may_open`).

A route missing from :data:`ACCESS` is refused to everyone (and fails tests/test_web_security.py), so a new
page cannot be published by forgetting its rule. ``lead`` sees partnership figures only, never a person.
"""

from __future__ import annotations

PUBLIC = frozenset({"*"})  # sign-in page, static files: nothing about anyone
SIGNED_IN = frozenset({"analyst", "reviewer", "lead", "admin"})
PERSON_LEVEL = frozenset({"analyst"})  # search, the case view, the network: MASH analysts

ACCESS: dict[str, frozenset[str]] = {
    "static": PUBLIC,
    "vis": PUBLIC,
    "login": PUBLIC,
    "login_submit": PUBLIC,
    "logout": SIGNED_IN,
    "home": SIGNED_IN,
    "search": frozenset({"analyst"}),
    "reason": frozenset({"analyst", "reviewer"}),
    "reason_submit": frozenset({"analyst", "reviewer"}),
    "person": PERSON_LEVEL,
    "network": PERSON_LEVEL,
    "network_data": PERSON_LEVEL,
    "network_expand": PERSON_LEVEL,
    "network_leads": PERSON_LEVEL,
    "chronology": frozenset({"analyst", "reviewer"}),
    "chronology_export": frozenset({"analyst", "reviewer"}),  # reviewers: pseudonymised only (views.py)
    "review_queue": frozenset({"analyst"}),
    "review_decide": frozenset({"analyst"}),
    "partnership": frozenset({"lead", "admin"}),
    "audit_log": frozenset({"admin"}),
    "audit_export": frozenset({"admin"}),
}


def allowed(route_name: str | None, role: str | None) -> bool:
    rule = ACCESS.get(route_name or "")
    if rule is None:
        return False
    return rule is PUBLIC or role in rule


def may_open(user, person_id: str) -> bool:
    """Need to know: a reviewer opens only their assigned cases; analysts open anyone (MASH triage)."""
    return user.role != "reviewer" or person_id in user.cases
