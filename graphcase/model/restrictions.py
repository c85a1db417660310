"""Restricted records: the one rule that decides whether a viewer may see a restricted agency record or event,
and the words shown instead when they may not.

A bundle marks an agency record (``agency_records.csv``) or an event (``events.csv``) restricted with the
``restricted`` column (why: sexual health, adoption, a court order ...) and names who may see it in
``visible_to`` (roles and/or agency ids, ``;``-separated). The agency that holds the record (its
``source_agency``) always sees it. Everyone else sees that a restricted record exists and which agency to
ask, never its content: not its date, kind, summary, record number, flags, nor the reason it is restricted
(the reason alone says too much: "sexual health" about a 14-year-old is itself the sensitive fact).
"""

from __future__ import annotations

from dataclasses import dataclass

# The roles of graphcase serve's accounts (graphcase.web.users); visible_to may name them.
ROLES = ("analyst", "reviewer", "lead", "admin")
# Why a record is restricted: the bundle's ``restricted`` column takes one of these.
REASONS = ("sexual_health", "adoption", "court_order", "witness_protection", "gender_recognition", "other")
VISIBLE_TO_SEPARATOR = ";"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a role and an agency (a signed-in account, or the CLI's ``--user``/``--role``).

    ``None`` in place of a viewer means the owner of the store: the person at the terminal holding the
    embedded store's file, who can read every byte of it anyway, sees everything.
    """

    name: str | None
    role: str | None
    agency: str | None

    def describe(self) -> str:
        who = self.name or "an unnamed user"
        parts = [p for p in (self.role and f"role {self.role}", self.agency and f"agency {self.agency}") if p]
        return f"{who} ({', '.join(parts)})" if parts else f"{who} (no role)"


def split_visible_to(text: str | None) -> list[str]:
    """``"reviewer; sexual-health"`` -> ``["reviewer", "sexual-health"]`` (blank items dropped)."""
    return [item.strip() for item in (text or "").split(VISIBLE_TO_SEPARATOR) if item.strip()]


def may_see(viewer: Viewer | None, holder: str | None, restricted: str | None, visible_to: str | None) -> bool:
    """The rule. Unrestricted records are seen by all; a restricted one by the owner of the store (no
    viewer), by the agency holding it, and by the roles and agencies its ``visible_to`` names."""
    if not restricted or viewer is None:
        return True
    if viewer.agency and viewer.agency == holder:
        return True
    allowed = split_visible_to(visible_to)
    return bool((viewer.role and viewer.role in allowed) or (viewer.agency and viewer.agency in allowed))


def placeholder(agency_name: str, count: int = 1) -> str:
    """What a viewer without permission reads in place of restricted records held by one agency."""
    what = "A restricted record" if count == 1 else f"{count} restricted records"
    return f"{what} held by {agency_name}: ask {agency_name} if you need to know more."


__all__ = ["REASONS", "ROLES", "Viewer", "may_see", "placeholder", "split_visible_to"]
