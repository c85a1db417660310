"""Planters for the missed-link catalogue (``cypher/links/``): hits and near-misses of every pattern.

Each planter writes self-contained households (own addresses, nobody from the background) and records in
the ground truth what its pattern must report (hits) and must not (near-misses, with the reason). Planted
people obey rules that keep the other patterns quiet: children are 6-15 unless a planter needs a younger
one, domestic-abuse incidents are shared with the child's school the same day unless that gap is the
point, nobody is known to CSC unless the scenario says so. Where a scenario must also trigger another
pattern, the planter records that hit too, so the ground truth is exact for every pattern.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .builder import ScenarioBuilder, planter
from .names import FEMALE, MALE, SURNAMES
from .plants_core import _nhs_number

DAY = dt.timedelta(days=1)


def _years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _pick(rng, values):
    return values[int(rng.integers(len(values)))]


def _days_ago(b: ScenarioBuilder, rng, low: int, high: int) -> dt.date:
    return b.as_of - DAY * int(rng.integers(low, high + 1))


def _age(b: ScenarioBuilder, rng, low: float, high: float) -> dt.date:
    return b.as_of - DAY * int(rng.uniform(low, high) * 365.25)


class Household:
    """An address with a mother (GP record) and children (GP and school records), all living there."""

    def __init__(self, b: ScenarioBuilder, rng, children: int = 1, child_ages=(6, 15), moved_in: dt.date | None = None):
        self.b, self.rng = b, rng
        self.family = _pick(rng, SURNAMES)
        self.address = b.address(f"NS{70 + int(rng.integers(9))} {int(rng.integers(10))}PQ")
        self.moved_in = moved_in or _days_ago(b, rng, 4000, 6000)
        self.mother = self.adult("female", since=self.moved_in)
        self.children = [self.child(*child_ages) for _ in range(children)]

    def adult(self, sex: str, since: dt.date | None = None, until: dt.date | None = None, agency="health_gp") -> str:
        b, rng = self.b, self.rng
        pid = b.person("adult", _pick(rng, FEMALE if sex == "female" else MALE), self.family, _age(b, rng, 25, 45), sex, agency=agency)
        if since is not None:
            b.lives_at(pid, self.address, since, until, agency=agency)
        return pid

    def child(self, low: float, high: float, dob: dt.date | None = None) -> str:
        b, rng = self.b, self.rng
        sex = _pick(rng, ("female", "male"))
        dob = dob or _age(b, rng, low, high)
        pid = b.person("child", _pick(rng, FEMALE if sex == "female" else MALE), self.family, dob, sex)
        b.known_to(pid, "health_gp", dob)
        if b.as_of - dob > dt.timedelta(days=int(4.6 * 365)):
            b.known_to(pid, "education", dob + dt.timedelta(days=int(4.6 * 365)))
        b.lives_at(pid, self.address, max(dob, self.moved_in))
        b.relate(self.mother, pid, "parent", dob)
        return pid


# ---- 1. risky adult, unseen child ------------------------------------------------------------------------

@planter("risky_adult_unseen_child")
def plant_risky_adult(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: a probation lodger (moving in on as_of once); a violent partner of the mother known to police;
    a MAPPA carer; a probation woman at the address of a child CSC knows (CSC lacks her). Near-misses: both
    child and adult known to CSC; the adult left the day before as_of; a police record with no flags; a
    relationship ended before as_of. The core probation planter's scenarios are risky-adult cases too:
    its hits, and its 'child known to CSC' near-miss (CSC does not know the adult), are recorded as hits."""
    p, as_of, t = "risky_adult_unseen_child", b.as_of, b.truth
    for i in range(count):
        h = Household(b, rng)  # probation lodger, male, same address; child unknown to CSC
        lodger = h.adult("male", since=as_of if i == 0 else _days_ago(b, rng, 30, 700), agency="probation")
        b.known_to(lodger, "probation", _days_ago(b, rng, 100, 900))
        t.hit(p, child_id=h.children[0], adult_id=lodger)

        h = Household(b, rng)  # violent partner of the mother, lives elsewhere
        partner = h.adult("male", agency="police")
        b.known_to(partner, "police", _days_ago(b, rng, 100, 2000), flags=("violence", "da_perpetrator"))
        b.relate(partner, h.mother, "partner", _days_ago(b, rng, 60, 600), agency="police")
        t.hit(p, child_id=h.children[0], adult_id=partner)

        h = Household(b, rng)  # MAPPA-managed carer (record held by police, MAPPA flag only)
        carer = h.adult("female", agency="police")
        b.known_to(carer, "police", _days_ago(b, rng, 100, 2000), flags=("mappa",),
                   mappa_level=str(rng.integers(1, 4)), mappa_category=str(rng.integers(1, 4)))  # str: no float column
        b.relate(carer, h.children[0], "carer", _days_ago(b, rng, 30, 400), agency="police")
        t.hit(p, child_id=h.children[0], adult_id=carer)

        h = Household(b, rng)  # CSC knows the child but not the woman on probation living there
        b.known_to(h.children[0], "csc", _days_ago(b, rng, 30, 900), flags=("cin",))
        woman = h.adult("female", since=_days_ago(b, rng, 30, 900), until=as_of if i == 0 else None, agency="probation")
        b.known_to(woman, "probation", _days_ago(b, rng, 30, 900))
        t.hit(p, child_id=h.children[0], adult_id=woman)

        h = Household(b, rng)  # MAPPA (level and category) on a record held by neither police nor probation
        mh = h.adult("female", since=_days_ago(b, rng, 30, 900), agency="adult_mental_health")
        b.known_to(mh, "adult_mental_health", _days_ago(b, rng, 100, 900), flags=("mappa",),
                   mappa_level=str(rng.integers(1, 4)), mappa_category=str(rng.integers(1, 5)))
        t.hit(p, child_id=h.children[0], adult_id=mh)

        h = Household(b, rng)  # near-miss: the same kind of record without MAPPA
        mh = h.adult("female", since=_days_ago(b, rng, 30, 900), agency="adult_mental_health")
        b.known_to(mh, "adult_mental_health", _days_ago(b, rng, 100, 900))
        t.near_miss(p, why="adult mental health record without MAPPA", child_id=h.children[0], adult_id=mh)

        h = Household(b, rng)  # CSC's record of the household leaves her out, though CSC knows her elsewhere
        b.known_to(h.children[0], "csc", _days_ago(b, rng, 30, 900), flags=("cin",))
        b.csc_household(h.children[0], [h.mother], _days_ago(b, rng, 30, 900))
        absent = h.adult("female", since=_days_ago(b, rng, 30, 900), agency="probation")
        b.known_to(absent, "probation", _days_ago(b, rng, 30, 900))
        b.known_to(absent, "csc", _days_ago(b, rng, 30, 900))
        t.hit(p, child_id=h.children[0], adult_id=absent)

        h = Household(b, rng)  # near-miss: CSC's record of the household lists her (she has no CSC record)
        b.known_to(h.children[0], "csc", _days_ago(b, rng, 30, 900), flags=("cin",))
        listed = h.adult("female", since=_days_ago(b, rng, 30, 900), agency="probation")
        b.known_to(listed, "probation", _days_ago(b, rng, 30, 900))
        b.csc_household(h.children[0], [h.mother, listed], _days_ago(b, rng, 30, 900))
        t.near_miss(p, why="CSC's record of the child's household lists the adult", child_id=h.children[0], adult_id=listed)

        h = Household(b, rng)  # near-miss: CSC knows both
        b.known_to(h.children[0], "csc", _days_ago(b, rng, 30, 900), flags=("cin",))
        b.known_to(h.mother, "probation", _days_ago(b, rng, 30, 900))
        b.known_to(h.mother, "csc", _days_ago(b, rng, 30, 900))
        t.near_miss(p, why="CSC knows the child and the adult", child_id=h.children[0], adult_id=h.mother)

        h = Household(b, rng)  # near-miss: the lodger moved out the day before as_of
        gone = h.adult("male", since=_days_ago(b, rng, 400, 900), until=as_of - DAY, agency="probation")
        b.known_to(gone, "probation", _days_ago(b, rng, 100, 900))
        t.near_miss(p, why="adult moved out the day before as_of", child_id=h.children[0], adult_id=gone)

        h = Household(b, rng)  # near-miss: a police record without risk flags
        plain = h.adult("female", since=_days_ago(b, rng, 30, 900), agency="police")
        b.known_to(plain, "police", _days_ago(b, rng, 100, 900))
        t.near_miss(p, why="police record carries no risk flag", child_id=h.children[0], adult_id=plain)

        h = Household(b, rng)  # near-miss: a carer relationship that ended before as_of
        ex = h.adult("female", agency="probation")
        b.known_to(ex, "probation", _days_ago(b, rng, 100, 900))
        b.relate(ex, h.children[0], "carer", _days_ago(b, rng, 400, 900), as_of - DAY * int(rng.integers(1, 60)), agency="probation")
        t.near_miss(p, why="relationship ended before as_of", child_id=h.children[0], adult_id=ex)

    core = t.patterns.get("probation_adult_child_unknown_to_csc") if "probation_adult_child_unknown_to_csc" in t.patterns else None
    if core:
        for hit in core["hits"]:
            t.hit(p, child_id=hit["child_id"], adult_id=hit["adult_id"])
        for miss in core["near_misses"]:
            if miss["why"] == "child known to CSC":  # the mother on probation is not known to CSC
                t.hit(p, child_id=miss["child_id"], adult_id=miss["adult_id"])
            else:
                t.near_miss(p, why=miss["why"], child_id=miss["child_id"], adult_id=miss["adult_id"])


# ---- 2. hidden men ---------------------------------------------------------------------------------------

@planter("hidden_men")
def plant_hidden_men(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits (child known to CSC, man not): a man known to substance misuse living at the address (moved in
    on as_of once); the mother's partner known to police; a household member known to police. Near-misses:
    the man is known to CSC; a woman; the man moved out before as_of; the child is not known to CSC."""
    p, as_of, t = "hidden_men", b.as_of, b.truth

    def csc_child(h):
        b.known_to(h.children[0], "csc", _days_ago(b, rng, 30, 900), flags=("cin",))

    for i in range(count):
        h = Household(b, rng)
        csc_child(h)
        man = h.adult("male", since=as_of if i == 0 else _days_ago(b, rng, 30, 900))
        b.known_to(man, "substance_misuse", _days_ago(b, rng, 30, 900))
        t.hit(p, child_id=h.children[0], adult_id=man)

        h = Household(b, rng)
        csc_child(h)
        partner = h.adult("male", agency="police")
        b.known_to(partner, "police", _days_ago(b, rng, 100, 2000))
        b.relate(h.mother, partner, "partner", _days_ago(b, rng, 60, 600))
        t.hit(p, child_id=h.children[0], adult_id=partner)

        h = Household(b, rng)
        csc_child(h)
        member = h.adult("male", agency="police")
        b.known_to(member, "police", _days_ago(b, rng, 100, 2000))
        b.relate(member, h.children[0], "household_member", _days_ago(b, rng, 60, 600), agency="police")
        t.hit(p, child_id=h.children[0], adult_id=member)

        h = Household(b, rng)  # near-miss: CSC knows him
        csc_child(h)
        known = h.adult("male", since=_days_ago(b, rng, 30, 900))
        b.known_to(known, "substance_misuse", _days_ago(b, rng, 30, 900))
        b.known_to(known, "csc", _days_ago(b, rng, 30, 900))
        t.near_miss(p, why="CSC has a record of the man", child_id=h.children[0], adult_id=known)

        h = Household(b, rng)  # CSC's record of the household lists the mother only; CSC knows him elsewhere
        csc_child(h)
        b.csc_household(h.children[0], [h.mother], _days_ago(b, rng, 30, 900))
        elsewhere = h.adult("male", since=_days_ago(b, rng, 30, 900))
        b.known_to(elsewhere, "substance_misuse", _days_ago(b, rng, 30, 900))
        b.known_to(elsewhere, "csc", _days_ago(b, rng, 30, 900))
        t.hit(p, child_id=h.children[0], adult_id=elsewhere)

        h = Household(b, rng)  # near-miss: CSC's record of the household lists him (he has no CSC record)
        csc_child(h)
        listed = h.adult("male", since=_days_ago(b, rng, 30, 900))
        b.known_to(listed, "substance_misuse", _days_ago(b, rng, 30, 900))
        b.csc_household(h.children[0], [h.mother, listed], _days_ago(b, rng, 30, 900))
        b.residence_record(h.address, "housing", _days_ago(b, rng, 30, 900))  # a lodger with no person record: no finding
        t.near_miss(p, why="CSC's record of the child's household lists the man", child_id=h.children[0], adult_id=listed)

        h = Household(b, rng)  # near-miss: a woman
        csc_child(h)
        woman = h.adult("female", since=_days_ago(b, rng, 30, 900))
        b.known_to(woman, "substance_misuse", _days_ago(b, rng, 30, 900))
        t.near_miss(p, why="the adult is a woman", child_id=h.children[0], adult_id=woman)

        h = Household(b, rng)  # near-miss: moved out before as_of
        csc_child(h)
        gone = h.adult("male", since=_days_ago(b, rng, 400, 900), until=as_of - DAY * int(rng.integers(1, 90)))
        b.known_to(gone, "substance_misuse", _days_ago(b, rng, 30, 900))
        t.near_miss(p, why="the man moved out before as_of", child_id=h.children[0], adult_id=gone)

        h = Household(b, rng)  # near-miss: CSC does not know the child (not this pattern)
        man = h.adult("male", since=_days_ago(b, rng, 30, 900))
        b.known_to(man, "substance_misuse", _days_ago(b, rng, 30, 900))
        t.near_miss(p, why="the child is not known to CSC", child_id=h.children[0], adult_id=man)


# ---- 3. domestic abuse, child's school not told --------------------------------------------------------

def _incident(b, h, date, victim=None):
    return b.event("domestic_abuse_incident", date, "police", about=[(victim or h.mother, "victim")],
                   summary="Police called to a domestic incident", outcome="other", address_id=h.address)


def _school_deadline(incident: dt.date, days: int = 1) -> dt.date:
    """The query's deadline: incident + days, moved to the Monday when it falls on a weekend."""
    deadline = incident + days * DAY
    return deadline + (7 - deadline.weekday()) * DAY if deadline.weekday() >= 5 else deadline


@planter("domestic_abuse_child_not_told")
def plant_domestic_abuse(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: nobody told; the school told the day after the deadline (the next school day); only CSC told;
    the deadline passed the day before as_of. Near-misses: the school told the same day; the school told on
    the deadline day (a Friday incident told on Monday); the child moved in after the incident; the deadline
    is as_of itself; the incident is older than the look-back window."""
    p, as_of, t = "domestic_abuse_child_not_told", b.as_of, b.truth
    for i in range(count):
        h = Household(b, rng)
        e = _incident(b, h, _days_ago(b, rng, 10, 300))
        t.hit(p, event_id=e, child_id=h.children[0])

        h = Household(b, rng)
        d = _days_ago(b, rng, 10, 300)
        e = _incident(b, h, d)
        b.inform(e, "education", "shared_with", _school_deadline(d) + DAY)
        t.hit(p, event_id=e, child_id=h.children[0])

        h = Household(b, rng)
        d = _days_ago(b, rng, 10, 300)
        e = _incident(b, h, d)
        b.inform(e, "csc", "shared_with", d)
        t.hit(p, event_id=e, child_id=h.children[0])

        h = Household(b, rng)  # the deadline (the next school day) was the day before as_of, or just before
        d = as_of - 2 * DAY
        while _school_deadline(d) >= as_of:
            d -= DAY
        e = _incident(b, h, d)
        t.hit(p, event_id=e, child_id=h.children[0])

        h = Household(b, rng)
        d = _days_ago(b, rng, 10, 300)
        e = _incident(b, h, d)
        b.inform(e, "education", "shared_with", d)
        t.near_miss(p, why="school told the same day", event_id=e, child_id=h.children[0])

        h, away = Household(b, rng), Household(b, rng, children=0)  # the child was present at an incident elsewhere
        e = b.event("domestic_abuse_incident", _days_ago(b, rng, 10, 300), "police",
                    about=[(away.mother, "victim"), (h.children[0], "present")],
                    summary="Police called to a domestic incident", outcome="other", address_id=away.address)
        t.hit(p, event_id=e, child_id=h.children[0])

        h, away = Household(b, rng), Household(b, rng, children=0)  # near-miss: named as a witness, not present
        d = _days_ago(b, rng, 10, 300)
        e = b.event("domestic_abuse_incident", d, "police", about=[(away.mother, "victim"), (h.children[0], "witness")],
                    summary="Police called to a domestic incident", outcome="other", address_id=away.address)
        t.near_miss(p, why="the child is not recorded present and does not live there", event_id=e, child_id=h.children[0])

        h, away = Household(b, rng), Household(b, rng, children=0)  # near-miss: present, school told the same day
        d = _days_ago(b, rng, 10, 300)
        e = b.event("domestic_abuse_incident", d, "police", about=[(away.mother, "victim"), (h.children[0], "present")],
                    summary="Police called to a domestic incident", outcome="other", address_id=away.address)
        b.inform(e, "education", "shared_with", d)
        t.near_miss(p, why="child present; school told the same day", event_id=e, child_id=h.children[0])

        h = Household(b, rng)
        d = _days_ago(b, rng, 10, 300)
        if i % 2 == 0:  # every other one on a Friday: told on the Monday, the next school day, is on time
            d -= ((d.weekday() - 4) % 7) * DAY
        e = _incident(b, h, d)
        b.inform(e, "education", "shared_with", _school_deadline(d))
        t.near_miss(p, why="school told on the deadline day (the next school day)", event_id=e, child_id=h.children[0])

        h = Household(b, rng)
        d = _days_ago(b, rng, 100, 300)
        e = _incident(b, h, d)
        b.inform(e, "education", "shared_with", d)
        late = h.child(6, 15)  # moved in after the incident (lives_at from today-ish)
        b.rows["residences"][-1]["from_date"] = d + DAY * int(rng.integers(1, 60))
        t.near_miss(p, why="child moved in after the incident", event_id=e, child_id=late)

        h = Household(b, rng)  # the deadline is as_of itself: the school can still be told today
        e = _incident(b, h, as_of - DAY)
        t.near_miss(p, why="deadline not yet passed", event_id=e, child_id=h.children[0])

        h = Household(b, rng)
        e = _incident(b, h, _years_before(as_of, 1) - DAY * int(rng.integers(1, 200)))
        t.near_miss(p, why="incident older than the look-back window", event_id=e, child_id=h.children[0])


# ---- 4. toxic trio ---------------------------------------------------------------------------------------

@planter("toxic_trio")
def plant_toxic_trio(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: a mother known to adult mental health, a father known to substance misuse and a police
    domestic-abuse incident (shared with the school the same day) at their address, child living there.
    Near-misses: the father moved out before as_of; the incident is older than 24 months; no child lives there."""
    p, as_of, t = "toxic_trio", b.as_of, b.truth

    def trio(h, father_until=None, incident=None):
        father = h.adult("male", since=h.moved_in, until=father_until)
        b.known_to(h.mother, "adult_mental_health", _days_ago(b, rng, 60, 1500))
        b.known_to(father, "substance_misuse", _days_ago(b, rng, 60, 1500))
        d = incident or _days_ago(b, rng, 10, 600)
        e = _incident(b, h, d)
        for child in h.children:
            b.inform(e, "education", "shared_with", d)
        return father

    for i in range(count):
        h = Household(b, rng, children=1 + i % 2)
        trio(h)
        t.hit(p, address_id=h.address)

        h = Household(b, rng)
        trio(h, father_until=as_of - DAY * int(rng.integers(1, 90)))
        t.near_miss(p, why="the adult known to substance misuse moved out", address_id=h.address)

        h = Household(b, rng)
        trio(h, incident=_years_before(as_of, 2) - DAY * int(rng.integers(1, 200)))
        t.near_miss(p, why="domestic abuse older than the look-back window", address_id=h.address)

        h = Household(b, rng, children=0)
        trio(h)
        t.near_miss(p, why="no child lives there", address_id=h.address)


# ---- 5. babies and under-fives ---------------------------------------------------------------------------

@planter("under_fives_parent_risk")
def plant_under_fives(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: a baby whose mother is known to adult mental health; a child turning five tomorrow whose
    mother is known to substance misuse; a toddler whose father (elsewhere) is on probation (also a
    risky-adult hit: the child is unknown to CSC). Near-misses: a child five today; a mother known only to
    housing; a father whose relationship ended."""
    p, as_of, t = "under_fives_parent_risk", b.as_of, b.truth
    for i in range(count):
        h = Household(b, rng, child_ages=(0.05, 0.9))
        b.known_to(h.mother, "adult_mental_health", _days_ago(b, rng, 60, 900))
        t.hit(p, child_id=h.children[0], adult_id=h.mother)

        h = Household(b, rng, children=0)
        c = h.child(0, 0, dob=_years_before(as_of, 5) + DAY)
        b.known_to(h.mother, "substance_misuse", _days_ago(b, rng, 60, 900))
        t.hit(p, child_id=c, adult_id=h.mother)

        h = Household(b, rng, child_ages=(1.2, 4.5))
        father = h.adult("male", agency="probation")
        b.known_to(father, "probation", _days_ago(b, rng, 60, 900))
        b.relate(father, h.children[0], "parent", agency="probation")
        t.hit(p, child_id=h.children[0], adult_id=father)
        t.hit("risky_adult_unseen_child", child_id=h.children[0], adult_id=father)

        h = Household(b, rng, children=0)
        c = h.child(0, 0, dob=_years_before(as_of, 5))
        b.known_to(h.mother, "adult_mental_health", _days_ago(b, rng, 60, 900))
        t.near_miss(p, why="fifth birthday on as_of", child_id=c, adult_id=h.mother)

        h = Household(b, rng, child_ages=(0.1, 4.5))
        b.known_to(h.mother, "housing", _days_ago(b, rng, 60, 900))
        t.near_miss(p, why="parent known only to housing", child_id=h.children[0], adult_id=h.mother)

        h = Household(b, rng, child_ages=(0.1, 4.5))
        ex = h.adult("male", agency="substance_misuse")
        b.known_to(ex, "substance_misuse", _days_ago(b, rng, 60, 900))
        b.relate(ex, h.children[0], "step_parent", _days_ago(b, rng, 300, 600), as_of - DAY, agency="substance_misuse")
        t.near_miss(p, why="step-parent relationship ended the day before as_of", child_id=h.children[0], adult_id=ex)

        # Carers by residence and partnership (the Panel's "invisible men"): no relationship row names them carers.
        h = Household(b, rng, child_ages=(0.1, 0.9))
        lodger = h.adult("male", since=_days_ago(b, rng, 30, 300), agency="substance_misuse")
        b.known_to(lodger, "substance_misuse", _days_ago(b, rng, 60, 900))
        t.hit(p, child_id=h.children[0], adult_id=lodger)  # household by residence alone

        h = Household(b, rng, child_ages=(0.1, 0.9))
        partner = h.adult("male", since=_days_ago(b, rng, 30, 300), agency="adult_mental_health")
        b.known_to(partner, "adult_mental_health", _days_ago(b, rng, 60, 900))
        b.relate(partner, h.mother, "partner", _days_ago(b, rng, 300, 600), agency="adult_mental_health")
        t.hit(p, child_id=h.children[0], adult_id=partner)  # the mother's partner, living in

        h = Household(b, rng, child_ages=(0.1, 0.9))
        gone = h.adult("male", since=_days_ago(b, rng, 300, 600), until=as_of - DAY, agency="substance_misuse")
        b.known_to(gone, "substance_misuse", _days_ago(b, rng, 60, 900))
        t.near_miss(p, why="lived in the baby's home until the day before as_of", child_id=h.children[0], adult_id=gone)

        h = Household(b, rng, child_ages=(0.1, 0.9))
        ex = h.adult("male", agency="adult_mental_health")  # lives elsewhere
        b.known_to(ex, "adult_mental_health", _days_ago(b, rng, 60, 900))
        b.relate(ex, h.mother, "partner", _days_ago(b, rng, 400, 900), as_of - DAY * int(rng.integers(1, 60)), agency="adult_mental_health")
        t.near_miss(p, why="the mother's partnership ended before as_of", child_id=h.children[0], adult_id=ex)


# ---- 6. cumulative harm and was-not-brought ------------------------------------------------------------

def _counted(b, rng, p, kind, outcome, recorded_by, count):
    as_of, t = b.as_of, b.truth
    start = _years_before(as_of, 1)
    for i in range(count):
        h = Household(b, rng)
        dates = [start] if i == 0 else []  # once: an event on the first day of the window
        dates += [_days_ago(b, rng, 1, 360) for _ in range(3 - len(dates))]
        for d in dates:
            b.event(kind, d, recorded_by, about=[(h.children[0], "subject")], outcome=outcome)
        t.hit(p, child_id=h.children[0])

        h = Household(b, rng)
        for d in (_days_ago(b, rng, 1, 360), _days_ago(b, rng, 1, 360), start - DAY):
            b.event(kind, d, recorded_by, about=[(h.children[0], "subject")], outcome=outcome)
        t.near_miss(p, why="third event the day before the window", child_id=h.children[0])

        h = Household(b, rng)
        for d in (_days_ago(b, rng, 1, 360), _days_ago(b, rng, 1, 360)):
            b.event(kind, d, recorded_by, about=[(h.children[0], "subject")], outcome=outcome)
        if outcome:
            b.event(kind, _days_ago(b, rng, 1, 360), recorded_by, about=[(h.children[0], "subject")], outcome="early_help")
            t.near_miss(p, why="third contact led to early help", child_id=h.children[0])
        else:
            t.near_miss(p, why="only two events", child_id=h.children[0])


@planter("cumulative_harm")
def plant_cumulative_harm(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: three NFA contacts in twelve months (one on the window's first day). Near-misses: the third
    the day before the window; the third led to early help."""
    _counted(b, rng, "cumulative_harm", "contact", "nfa", "education", count)
    p, as_of, t = "cumulative_harm", b.as_of, b.truth

    def referral(h, date, decision, decided, own_outcome="assessment"):
        e = b.event("referral", date, "education", about=[(h.children[0], "subject")],
                    summary="School refers concerns", outcome=own_outcome)
        b.inform(e, "csc", "referred_to", date, feedback_date=decided, outcome=decision, outcome_date=decided)

    for _ in range(count):
        h = Household(b, rng)  # three referrals CSC closed NFA by as_of (the school had recorded 'assessment')
        for d in (_days_ago(b, rng, 60, 300) for _ in range(3)):
            referral(h, d, "nfa", d + DAY * int(rng.integers(1, 30)))
        t.hit(p, child_id=h.children[0])

        h = Household(b, rng)  # near-miss: CSC's NFA on the third is dated after as_of (recent: feedback not overdue)
        for d in (_days_ago(b, rng, 60, 300) for _ in range(2)):
            referral(h, d, "nfa", d + DAY * int(rng.integers(1, 30)))
        referral(h, _days_ago(b, rng, 5, 20), "nfa", as_of + DAY * int(rng.integers(1, 30)))
        t.near_miss(p, why="CSC's NFA decision on the third referral is dated after as_of", child_id=h.children[0])

        h = Household(b, rng)  # near-miss: the school recorded NFA on the third, but CSC decided an assessment
        for d in (_days_ago(b, rng, 60, 300) for _ in range(2)):
            referral(h, d, "nfa", d + DAY * int(rng.integers(1, 30)))
        d = _days_ago(b, rng, 60, 300)
        referral(h, d, "assessment", d + DAY * int(rng.integers(1, 30)), own_outcome="nfa")
        t.near_miss(p, why="CSC's decision on the third referral was an assessment", child_id=h.children[0])


@planter("repeated_was_not_brought")
def plant_was_not_brought(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: three 'was not brought' in twelve months; twice for a baby under one. Near-misses: the third the
    day before the window; only two (for a child over one, and for a child who turned one on as_of)."""
    p, as_of, t = "repeated_was_not_brought", b.as_of, b.truth
    _counted(b, rng, p, "was_not_brought", None, "health_gp", count)
    for i in range(count):
        for dob, hit in ((_age(b, rng, 0.3, 0.9), True), (_years_before(as_of, 1), False), (_age(b, rng, 1.5, 3), False)):
            h = Household(b, rng, children=0)
            c = h.child(0, 0, dob=dob)
            for d in (_days_ago(b, rng, 1, 60), _days_ago(b, rng, 61, 100)):
                b.event("was_not_brought", d, "health_gp", about=[(c, "subject")])
            if hit:
                t.hit(p, child_id=c)
            else:
                t.near_miss(p, why="two missed appointments, and the child is not a baby under one", child_id=c)


# ---- 7. referral without feedback ----------------------------------------------------------------------

@planter("referral_without_feedback")
def plant_referral_without_feedback(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: no feedback after 60+ days; feedback dated after as_of; referred 29 days before as_of.
    Near-misses: feedback given; referred 28 days before as_of (not yet overdue); referred 10 days ago."""
    p, as_of, t = "referral_without_feedback", b.as_of, b.truth

    def referral(date, feedback=None):
        h = Household(b, rng)
        e = b.event("referral", date, "education", about=[(h.children[0], "subject")],
                    summary="School refers concerns", outcome="assessment")
        b.inform(e, "csc", "referred_to", date, feedback)
        return e

    for i in range(count):
        d = _days_ago(b, rng, 60, 600)
        t.hit(p, event_id=referral(d))
        t.hit(p, event_id=referral(d, as_of + DAY * int(rng.integers(1, 20))))
        t.near_miss(p, why="feedback given", event_id=referral(d, d + DAY * int(rng.integers(1, 40))))
        if i == 0:
            t.hit(p, event_id=referral(as_of - 29 * DAY))
            t.near_miss(p, why="referred exactly 28 days ago", event_id=referral(as_of - 28 * DAY))
        t.near_miss(p, why="referred 10 days ago", event_id=referral(as_of - 10 * DAY))


# ---- 8. risks outside the home -------------------------------------------------------------------------

@planter("risks_outside_home")
def plant_risks_outside_home(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: three children with exploitation concerns about the same adult; two children in one
    co-offending event; two children whose missing episodes were at the same address. Near-misses: a lone
    child with missing episodes; two children whose shared address event is older than the window."""
    p, as_of, t = "risks_outside_home", b.as_of, b.truth
    for i in range(count):
        kids = [Household(b, rng, child_ages=(12, 17)).children[0] for _ in range(3)]
        h = Household(b, rng, children=0)
        exploiter = h.adult("male", since=_days_ago(b, rng, 400, 900))
        for k in kids:
            b.event("exploitation_concern", _days_ago(b, rng, 5, 300), "police",
                    about=[(k, "victim"), (exploiter, "alleged_perpetrator")])
        t.hit(p, child_ids=",".join(sorted(kids)))

        pair = [Household(b, rng, child_ages=(13, 17)).children[0] for _ in range(2)]
        b.event("co_offending", _days_ago(b, rng, 5, 300), "youth_justice", about=[(k, "subject") for k in pair])
        t.hit(p, child_ids=",".join(sorted(pair)))

        place = Household(b, rng, children=0).address
        pair = [Household(b, rng, child_ages=(13, 17)).children[0] for _ in range(2)]
        for k in pair:
            b.event("missing_episode", _days_ago(b, rng, 5, 300), "police", about=[(k, "subject")], address_id=place)
        t.hit(p, child_ids=",".join(sorted(pair)))

        lone = Household(b, rng, child_ages=(13, 17)).children[0]
        for _ in range(2):
            b.event("missing_episode", _days_ago(b, rng, 5, 300), "police", about=[(lone, "subject")])
        t.near_miss(p, why="a lone child", child_ids=lone)

        place = Household(b, rng, children=0).address
        pair = [Household(b, rng, child_ages=(13, 17)).children[0] for _ in range(2)]
        b.event("missing_episode", _days_ago(b, rng, 5, 300), "police", about=[(pair[0], "subject")], address_id=place)
        b.event("missing_episode", _years_before(as_of, 1) - DAY * int(rng.integers(1, 100)), "police",
                about=[(pair[1], "subject")], address_id=place)
        t.near_miss(p, why="the second child's episode there is older than the window", child_ids=",".join(sorted(pair)))


# ---- 9. the same person twice ------------------------------------------------------------------------

@planter("same_person_twice")
def plant_same_person_twice(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Hits: a school record 'Jon' for the GP's 'Jonathan' (same date of birth and surname); an A&E record
    with the GP's NHS number under a misspelt surname. Near-misses: twins (same surname and date of birth,
    different initial and sex); two records of the same person in one agency's system."""
    p, t = "same_person_twice", b.truth
    for i in range(count):
        family = _pick(rng, SURNAMES)
        dob = _age(b, rng, 6, 15)
        gp = b.person("child", "Jonathan", family, dob, "male", agency="health_gp", nhs_number=_nhs_number(50_000 + i))
        school = b.person("child", "Jon", family, dob, "male", agency="education")
        t.hit(p, record_a=min(gp, school), record_b=max(gp, school))

        dob = _age(b, rng, 20, 50)
        nhs = _nhs_number(60_000 + i)
        gp = b.person("adult", "Sarah", _pick(rng, SURNAMES), dob, "female", agency="health_gp", nhs_number=nhs)
        ed = b.person("adult", "Sara", "Mc" + _pick(rng, SURNAMES), dob + DAY * 3, "female", agency="emergency_dept", nhs_number=nhs)
        t.hit(p, record_a=min(gp, ed), record_b=max(gp, ed))

        family, dob = _pick(rng, SURNAMES), _age(b, rng, 6, 15)
        twin_a = b.person("child", "Amelia", family, dob, "female", agency="health_gp")
        twin_b = b.person("child", "Oscar", family, dob, "male", agency="education")
        t.near_miss(p, why="twins", record_a=min(twin_a, twin_b), record_b=max(twin_a, twin_b))

        family, dob = _pick(rng, SURNAMES), _age(b, rng, 20, 50)
        one = b.person("adult", "Michael", family, dob, "male", agency="health_gp")
        two = b.person("adult", "Michael", family, dob, "male", agency="health_gp")
        t.near_miss(p, why="both records held by one agency", record_a=min(one, two), record_b=max(one, two))
