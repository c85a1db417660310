"""Core planters: the probation-to-child pattern and duplicate person records for record linkage.

Each planter writes a handful of self-contained households (their own addresses, nobody from the
background) and records what a query must find (hits) and what it must not (near-misses).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .builder import ScenarioBuilder, planter
from .names import FEMALE, MALE, NICKNAMES, SURNAMES

DAY = dt.timedelta(days=1)


def _years(n: float) -> dt.timedelta:
    return dt.timedelta(days=int(n * 365.25))


def _choice(rng, values):
    return values[int(rng.integers(len(values)))]


def _dob(rng, as_of: dt.date, min_age: float, max_age: float) -> dt.date:
    return as_of - dt.timedelta(days=int(rng.uniform(min_age, max_age) * 365.25))


def _day_between(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, max((end - start).days, 0) + 1)))


def _postcode(rng, district: int) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"NS{district} {int(rng.integers(10))}{_choice(rng, letters)}{_choice(rng, letters)}"


def _nhs_number(serial: int) -> str:
    """A 10-digit NHS number with a valid modulus-11 check digit, from a range the background never uses."""
    base = 700_000_000 + serial * 11
    while True:
        digits = [int(c) for c in f"{base:09d}"]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{base:09d}{check}"
        base += 1


class _Family:
    """A planted household: an address, a parent (GP record) and school-age children (GP and school records)."""

    def __init__(self, b: ScenarioBuilder, rng, children: int = 1, moved_in: dt.date | None = None):
        as_of = b.as_of
        self.family = _choice(rng, SURNAMES)
        self.address = b.address(_postcode(rng, 50 + int(rng.integers(10))))
        parent_dob = _dob(rng, as_of, 30, 45)
        if moved_in is not None:
            parent_dob = min(parent_dob, moved_in - _years(20))
        self.parent = b.person("adult", _choice(rng, FEMALE), self.family, parent_dob, "female")
        self.parent_since = moved_in or _day_between(rng, parent_dob + _years(20), as_of - _years(5))
        b.known_to(self.parent, "health_gp", self.parent_since)
        b.lives_at(self.parent, self.address, self.parent_since)
        self.children, self.child_dobs = [], []
        for _ in range(children):
            sex = _choice(rng, ("female", "male"))
            dob = _dob(rng, as_of, 5.2, 17.5)
            child = b.person("child", _choice(rng, FEMALE if sex == "female" else MALE), self.family, dob, sex)
            b.known_to(child, "health_gp", dob)
            b.known_to(child, "education", dob + _years(4.6))
            b.lives_at(child, self.address, max(dob, self.parent_since))
            b.relate(self.parent, child, "parent", dob)
            self.children.append(child)
            self.child_dobs.append(dob)


def _probation_adult(b: ScenarioBuilder, rng, sex: str, since: dt.date, flags=(), ages=(22, 50)) -> str:
    as_of = b.as_of
    given = _choice(rng, FEMALE if sex == "female" else MALE)
    adult = b.person("adult", given, _choice(rng, SURNAMES), _dob(rng, as_of, *ages), sex, agency="probation")
    b.known_to(adult, "probation", since, flags=flags)
    return adult


def _own_address(b: ScenarioBuilder, rng, person: str, since: dt.date) -> str:
    address = b.address(_postcode(rng, 60 + int(rng.integers(10))), agency="probation")
    b.lives_at(person, address, since, agency="probation")
    return address


@planter("probation_adult_child_unknown_to_csc")
def plant_probation_adult_child_unknown_to_csc(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """Children (aged 5-17, so no under-fives pattern) connected to an adult known to probation.

    Hits cycle through five configurations: a mother on probation living with her children; a woman on
    probation lodging in the household (address only, moving in on ``as_of`` itself once); a father on
    probation living elsewhere (relationship only); a frequent visitor; a child whose CSC record opens
    only after ``as_of`` (and, once, a probation record opening on ``as_of``). Near-misses: the child is
    known to CSC; the adult left before the child arrived; the relationship ended before ``as_of`` (the
    day before, once); the probation record opens after ``as_of`` (the day after, once).
    """
    pattern = "probation_adult_child_unknown_to_csc"
    as_of, truth = b.as_of, b.truth

    def probation_since():
        return _day_between(rng, as_of - _years(4), as_of - 30 * DAY)

    for i in range(max(count, 5)):  # at least one of each configuration
        variant = i % 5
        if variant == 0:  # the mother herself is on probation
            fam = _Family(b, rng, children=1 + int(rng.random() < 0.4))
            b.known_to(fam.parent, "probation", as_of if i == 0 else probation_since(), flags=("violence",) * (i % 2))
            pairs = [(c, fam.parent) for c in fam.children]
        elif variant == 1:  # a woman on probation lodges with the family: same address, no relationship
            fam = _Family(b, rng)
            lodger = _probation_adult(b, rng, "female", probation_since())
            b.lives_at(lodger, fam.address, as_of if i == 1 else _day_between(rng, as_of - _years(2), as_of), agency="probation")
            pairs = [(c, lodger) for c in fam.children]
        elif variant == 2:  # the father, on probation, lives elsewhere
            fam = _Family(b, rng)
            father = _probation_adult(b, rng, "male", probation_since(), flags=("mappa",) * (i % 3 == 2))
            _own_address(b, rng, father, as_of - _years(3))
            for child in fam.children:
                b.relate(father, child, "parent", agency="probation")
            pairs = [(c, father) for c in fam.children]
        elif variant == 3:  # a frequent visitor since a date before as_of, open-ended
            fam = _Family(b, rng)
            visitor = _probation_adult(b, rng, "male", probation_since())
            _own_address(b, rng, visitor, as_of - _years(2))
            for child in fam.children:
                b.relate(visitor, child, "frequent_visitor", as_of - _years(1), agency="probation")
            pairs = [(c, visitor) for c in fam.children]
        else:  # CSC opens a record only after as_of: at as_of the child is still unknown to CSC
            fam = _Family(b, rng)
            b.known_to(fam.parent, "probation", probation_since())
            for child in fam.children:
                b.known_to(child, "csc", as_of + DAY * int(rng.integers(1, 40)), flags=("cin",))
            pairs = [(c, fam.parent) for c in fam.children]
        for child, adult in pairs:
            truth.hit(pattern, child_id=child, adult_id=adult)

    for i in range(count):
        # The child is known to CSC.
        fam = _Family(b, rng)
        b.known_to(fam.parent, "probation", probation_since())
        b.known_to(fam.children[0], "csc", _day_between(rng, as_of - _years(3), as_of), flags=("cin",))
        truth.near_miss(pattern, why="child known to CSC", child_id=fam.children[0], adult_id=fam.parent)

        # The adult lived at the address and left before the child arrived (was born).
        fam = _Family(b, rng, moved_in=as_of - _years(21))
        child = fam.children[0]
        child_dob = fam.child_dobs[0]
        ex = _probation_adult(b, rng, "male", probation_since(), ages=(42, 60))
        left = child_dob - DAY * int(rng.integers(1, 300))
        b.lives_at(ex, fam.address, left - _years(2), left, agency="probation")
        _own_address(b, rng, ex, left + DAY)
        b.relate(ex, fam.parent, "partner", left - _years(2), left, agency="probation")
        truth.near_miss(pattern, why="adult left the address before the child arrived", child_id=child, adult_id=ex)

        # A step-parent relationship that ended before as_of (the day before, for the first one).
        fam = _Family(b, rng)
        step = _probation_adult(b, rng, "male", probation_since())
        _own_address(b, rng, step, as_of - _years(1))
        ended = as_of - DAY * (1 if i == 0 else int(rng.integers(2, 700)))
        b.relate(step, fam.children[0], "step_parent", ended - _years(2), ended, agency="probation")
        truth.near_miss(pattern, why="relationship ended before as_of", child_id=fam.children[0], adult_id=step)

        # The mother's probation record opens after as_of (the day after, for the first one).
        fam = _Family(b, rng)
        b.known_to(fam.parent, "probation", as_of + DAY * (1 if i == 0 else int(rng.integers(2, 90))))
        truth.near_miss(pattern, why="probation record opened after as_of", child_id=fam.children[0], adult_id=fam.parent)


# ---------------------------------------------------------------------------------------------------------
# The same person recorded by several agencies


def _typo(rng, name: str) -> str:
    """One keyboard-style slip: swap two adjacent letters, drop one, or double one (never the first)."""
    if len(name) < 4:
        return name + name[-1]
    i = int(rng.integers(1, len(name) - 1))
    how = int(rng.integers(3))
    if how == 0 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if how == 1:
        return name[:i] + name[i + 1:]
    return name[:i] + name[i] + name[i:]


@planter("same_person_records")
def plant_same_person_records(b: ScenarioBuilder, rng: np.random.Generator, count: int) -> None:
    """One adult (no children, no risk flags) recorded 2-4 times: by the GP, by police, and by none, one or
    two of housing, A&E and the voluntary sector, with realistic variation (typos, nicknames, day and month transposed, a moved
    address, no NHS number). Near-misses: twins (same surname and date of birth, different given names and
    sex), recorded by the GP and by police.
    """
    pattern = "same_person_records"
    as_of, truth = b.as_of, b.truth
    others = ("police", "housing", "emergency_dept", "voluntary")
    nickname_names = [n for n in FEMALE + MALE if n in NICKNAMES]
    for i in range(count):
        sex = _choice(rng, ("female", "male"))
        pool = [n for n in nickname_names if (n in FEMALE) == (sex == "female")]
        given = _choice(rng, pool) if rng.random() < 0.6 else _choice(rng, FEMALE if sex == "female" else MALE)
        family = _choice(rng, SURNAMES)
        dob = _dob(rng, as_of, 20, 70)
        if i % 2 == 0:  # a day of the month that can be confused with a month
            day = int(rng.integers(1, 13))
            dob = dob.replace(day=day if day != dob.month else (day % 12) + 1)
        nhs = _nhs_number(i)
        home = b.address(_postcode(rng, 70 + int(rng.integers(10))))
        moved_in = _day_between(rng, as_of - _years(6), as_of - _years(1))
        old_home = b.address(_postcode(rng, 70 + int(rng.integers(10))), agency="police")
        gp = b.person("adult", given, family, dob, sex, agency="health_gp", nhs_number=nhs)
        b.known_to(gp, "health_gp", moved_in - _years(5))
        b.lives_at(gp, home, moved_in)
        records = [gp]
        extra = rng.choice(len(others) - 1, size=int(rng.integers(0, 3)), replace=False)
        kinds = ["police"] + [others[1 + int(k)] for k in sorted(extra)]  # 2-4 records in all
        for kind in kinds:
            variations = set(rng.choice(["typo", "nickname", "transposed", "moved"], size=int(rng.integers(1, 3)), replace=False))
            v_given, v_family, v_dob = given, family, dob
            if "nickname" in variations and given in NICKNAMES:
                v_given = NICKNAMES[given]
            if "typo" in variations or (variations == {"nickname"} and given not in NICKNAMES):
                v_family = _typo(rng, family)
            if "transposed" in variations and dob.day <= 12 and dob.day != dob.month:
                v_dob = dob.replace(day=dob.month, month=dob.day)
            with_nhs = kind == "emergency_dept"  # health records carry the NHS number; others rarely do
            record = b.person("adult", v_given, v_family, v_dob, sex, agency=kind, nhs_number=nhs if with_nhs else None)
            since = _day_between(rng, as_of - _years(8), as_of - _years(2))
            b.known_to(record, kind, since)
            if "moved" in variations:  # this agency still has the address before the move
                b.lives_at(record, old_home, moved_in - _years(3), moved_in - DAY, agency=kind)
            else:
                b.lives_at(record, home, max(since, moved_in), agency=kind)
            records.append(record)
        truth.hit(pattern, record_ids=sorted(records), person_key=f"{pattern}-{i + 1}")

    for i in range(count):  # twins: look alike on surname and date of birth, but two people
        family = _choice(rng, SURNAMES)
        dob = _dob(rng, as_of, 20, 60)
        home = b.address(_postcode(rng, 70 + int(rng.integers(10))))
        sister = b.person("adult", _choice(rng, FEMALE), family, dob, "female", nhs_number=_nhs_number(10_000 + i))
        b.known_to(sister, "health_gp", dob + _years(18))
        b.lives_at(sister, home, as_of - _years(3))
        sister_name = b.rows["people"][-1]["given_name"]
        brother_name = _choice(rng, [n for n in MALE if n[0] != sister_name[0]])  # no shared initial either
        brother = b.person("adult", brother_name, family, dob, "male", agency="police")
        b.known_to(brother, "police", as_of - _years(2))
        b.lives_at(brother, b.address(_postcode(rng, 70 + int(rng.integers(10))), agency="police"), as_of - _years(4), agency="police")
        truth.near_miss(pattern, why="twins: same surname and date of birth, different given names and sex",
                        record_ids=sorted([sister, brother]))
