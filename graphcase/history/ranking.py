"""Knowledge gaps grouped (one row per agency and risk or event kind, with the dates it spans) and ranked by
what the national reviews weigh most. The rule is shown with every ranked list, so a reviewer can check it.

>>> [tier for tier, _ in TIERS][:2]
['risk about a carer living with a baby', "police-known domestic abuse that did not reach the child's universal services"]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .chronology import Chronology
from .gaps import Gap

# Services every child sees, which Operation Encompass and the JTAI on domestic abuse expect to be told.
UNIVERSAL_SERVICES = ("health_gp", "health_visiting", "school_nursing", "midwifery", "education", "early_years")
CARER_WORDS = ("household member", "parent", "partner", "carer", "step")
BABY_DAYS = 365

TIERS = [
    ("risk about a carer living with a baby",
     "a risk held about someone living with the child or caring for them while the child was under one "
     "(babies are 35% of serious incidents; the Panel's 'Myth of Invisible Men')"),
    ("police-known domestic abuse that did not reach the child's universal services",
     "a domestic-abuse incident recorded by police that the child's GP, health visitor, school nurse, "
     "midwife, school or nursery was not told of, or told late (Operation Encompass)"),
    ("referral with no feedback",
     "a referrer never told the outcome of its referral"),
    ("risk about someone around the child, not shared",
     "a risk held about another person of the child's network, not shared with an agency working with the child"),
    ("significant event not shared, or shared late",
     "any other significant event an agency working with the child was not told of, or told late"),
]
RANKING_RULE = "Ranked by: " + "; then ".join(f"{i + 1}. {why}" for i, (_, why) in enumerate(TIERS)) + \
    ". Within a rank: more gaps first, then the earliest."


@dataclass
class GapGroup:
    rank: int  # 1 weighs most (see TIERS)
    tier: str
    kind: str  # the gap kind shared by every gap of the group
    agency_id: str  # the agency that did not know
    about: str  # the person the risk is about, or the kind of event
    date_from: dt.date
    date_to: dt.date | None
    gaps: list[Gap] = field(default_factory=list)

    @property
    def evidence(self) -> list[str]:
        return list(dict.fromkeys(source for g in self.gaps for source in g.evidence))


def _is_carer(chron: Chronology, person_id: str | None) -> bool:
    person = chron.people.get(person_id or "")
    return person is not None and any(any(w in r.kind for w in CARER_WORDS) for r in person.relations)


def _while_a_baby(chron: Chronology, gap: Gap) -> bool:
    dob = chron.child.dob
    if dob is None:
        return False
    return gap.date_from < dob + dt.timedelta(days=BABY_DAYS) and (gap.date_to or chron.as_of) >= dob


def _tier(chron: Chronology, gap: Gap) -> int:
    if gap.kind == "risk_not_shared":
        return 0 if _is_carer(chron, gap.person_id) and _while_a_baby(chron, gap) else 3
    if gap.kind == "no_feedback":
        return 2
    entry = next((e for e in chron.entries if e.event_id == gap.event_id), None)
    agency = chron.agencies.get(gap.agency_id)
    if (entry is not None and entry.kind == "domestic_abuse_incident" and entry.recorded_by.kind == "police"
            and agency is not None and agency.kind in UNIVERSAL_SERVICES):
        return 1
    return 4


def _about(chron: Chronology, gap: Gap) -> str:
    if gap.person_id:
        person = chron.people.get(gap.person_id)
        return person.name if person else gap.person_id
    entry = next((e for e in chron.entries if e.event_id == gap.event_id), None)
    return entry.kind.replace("_", " ") if entry else ""


def group_gaps(chron: Chronology, gaps: list[Gap]) -> list[GapGroup]:
    """One group per (rank, gap kind, agency, person or event kind), ranked by TIERS."""
    groups: dict[tuple, GapGroup] = {}
    for gap in sorted(gaps, key=lambda g: (g.date_from, g.kind, g.agency_id)):
        tier = _tier(chron, gap)
        about = _about(chron, gap)
        key = (tier, gap.kind, gap.agency_id, gap.person_id or about)
        group = groups.get(key)
        if group is None:
            group = groups[key] = GapGroup(tier + 1, TIERS[tier][0], gap.kind, gap.agency_id, about, gap.date_from, gap.date_to)
        group.gaps.append(gap)
        ends = [d for d in (group.date_to, gap.date_to, gap.date_from) if d]
        group.date_to = max(ends) if ends else None
    return sorted(groups.values(), key=lambda g: (g.rank, -len(g.gaps), g.date_from, g.agency_id, g.about))
