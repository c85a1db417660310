"""Generate a synthetic county: a column-wise background population plus planted pattern instances.

The background (households, moves, relationships, agency records, events over several years) is built
with numpy arrays, one column at a time, with no loop over people; it is deliberately free of every
missed-link pattern in DOMAIN.md (see the README, "Synthetic county generator": no probation, police, youth-justice,
substance-misuse, adult-mental-health or domestic-abuse records; at most one NFA contact per household;
no "was not brought" or missing-person events; every referral gets feedback within ten days; no two
unrelated people share a date of birth and the Soundex of their surname). The instances a query must find
are planted by the registered planters (``PLANTERS``), each through its own :class:`ScenarioBuilder`, and
listed with their near-misses in the :class:`GroundTruth`.

>>> frames, truth = generate_county(2_000, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..files import atomic_write_text
from ..model import tables
from . import plants_core  # noqa: F401  (registers the core planters)
from .builder import PLANTERS, GroundTruth, ScenarioBuilder
from .names import FEMALE, MALE, PLACES, SURNAMES, soundex
from .writer import write_tables

try:  # the other pattern planters, when present, register themselves on import
    from . import plants_patterns  # noqa: F401
except ImportError:  # pragma: no cover - depends on what is installed in the tree
    pass

DEFAULT_AS_OF = dt.date(2026, 11, 1)
EPOCH = dt.date(1970, 1, 1)
NA = np.iinfo(np.int32).min  # missing date (days since 1970-01-01)
Y = 365.25  # days in a year

# Agencies of the county: kind -> (id prefix, name pattern). One agency per kind except the ones scaled
# with the population below (GP practices, schools, early-years settings).
SINGLE_AGENCIES = {
    "csc": ("csc", "Northshire Children's Social Care"),
    "police": ("police", "Northshire Police"),
    "probation": ("probation", "Probation Service (Northshire)"),
    "youth_justice": ("yjs", "Northshire Youth Justice Service"),
    "health_visiting": ("hv", "Northshire Health Visiting Service"),
    "school_nursing": ("school-nursing", "Northshire School Nursing Service"),
    "midwifery": ("midwifery", "Northshire Maternity Service"),
    "emergency_dept": ("ed", "Northshire General Hospital Emergency Department"),
    "camhs": ("camhs", "Northshire CAMHS"),
    "adult_mental_health": ("amh", "Northshire Adult Mental Health Service"),
    "substance_misuse": ("substance", "Northshire Recovery (drug and alcohol service)"),
    "housing": ("housing", "Northshire Council Housing"),
    "domestic_abuse_service": ("da-service", "Northshire Domestic Abuse Service"),
    "adult_social_care": ("asc", "Northshire Adult Social Care"),
    "voluntary": ("voluntary", "Northshire Family Support (voluntary sector)"),
    "other": ("other", "Northshire Other Agency"),
}


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def planted_count(people: int) -> int:
    """How many instances each planter plants for a county of ``people``."""
    return max(3, people // 5000)


# ---------------------------------------------------------------------------------------------------------
# Column helpers: every table is assembled from pyarrow arrays, in the schema's column order.


def _schema(name: str) -> pa.Schema:
    return pa.schema([(f.name, pa.date32() if f.type == "date" else pa.string()) for f in tables()[name].fields])


def _dates(days) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    return pa.array(days.astype(np.int32), mask=days == NA).cast(pa.date32())


def _ids(prefix: str, numbers) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), "")


def _pick(values, index) -> pa.Array:
    """values[index] for a list of strings (None allowed) and an integer array."""
    return pa.array(list(values), type=pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def _const(value: str | None, n: int) -> pa.Array:
    return pa.nulls(n, pa.string()) if value is None else _pick([value], np.zeros(n, dtype=np.int64))


class _Rows:
    """Parts of one table, each a dict of equal-length columns; missing columns are null."""

    def __init__(self, name: str):
        self.name, self.schema, self.parts = name, _schema(name), []

    def add(self, **cols) -> None:
        n = len(next(iter(cols.values())))
        arrays = []
        for fld in self.schema:
            col = cols.pop(fld.name, None)
            if col is None:
                col = pa.nulls(n, fld.type)
            elif fld.type == pa.date32() and not isinstance(col, pa.Array):
                col = _dates(col)
            arrays.append(col)
        if cols:
            raise ValueError(f"{self.name}: unknown column(s) {sorted(cols)}")
        self.parts.append(pa.table(arrays, schema=self.schema))

    def table(self) -> pa.Table:
        if not self.parts:
            return self.schema.empty_table()
        return pa.concat_tables(self.parts).combine_chunks()


def _builder_table(name: str, frame: pd.DataFrame) -> pa.Table:
    """Planted rows (python values) as an Arrow table of the bundle schema."""
    schema = _schema(name)
    arrays = []
    for fld in schema:
        values = frame[fld.name].tolist() if fld.name in frame else [None] * len(frame)
        if fld.type == pa.date32():
            values = [None if v is None or v != v else v for v in values]  # None, NaN, NaT
            values = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
            values = [v.date() if isinstance(v, dt.datetime) else v for v in values]
        else:
            values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
        arrays.append(pa.array(values, type=fld.type))
    return pa.table(arrays, schema=schema)


# ---------------------------------------------------------------------------------------------------------
# Agencies


def make_agencies(people: int) -> tuple[pa.Table, dict[str, list[str]]]:
    """The county's agencies (at least one of every kind) and their ids by kind."""
    rows: list[tuple[str, str, str]] = []
    for kind, (aid, name) in SINGLE_AGENCIES.items():
        rows.append((aid, name, kind))
    scaled = (
        ("health_gp", "gp", "{} Surgery", max(2, people // 7000)),
        ("education", "school", "{} School", max(3, people // 2700)),
        ("early_years", "nursery", "{} Nursery", max(2, people // 5000)),
    )
    for kind, prefix, pattern, n in scaled:
        for i in range(n):
            place = PLACES[i % len(PLACES)] + ("" if i < len(PLACES) else f" {i // len(PLACES) + 1}")
            rows.append((f"{prefix}-{i + 1:03d}", pattern.format(place), kind))
    by_kind: dict[str, list[str]] = {}
    for aid, _, kind in rows:
        by_kind.setdefault(kind, []).append(aid)
    ids = [r[0] for r in rows]
    table = pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "name": pa.array([r[1] for r in rows], pa.string()),
            "kind": pa.array([r[2] for r in rows], pa.string()),
            "source_agency": pa.array(ids, pa.string()),
            "source_record": pa.array([f"ORG-{i}" for i in ids], pa.string()),
        },
        schema=_schema("agencies"),
    )
    return table, by_kind


# ---------------------------------------------------------------------------------------------------------
# Background population


def _uniform_days(rng, low, high, n: int | None = None) -> np.ndarray:
    """Integer day in [low, high] per element (high < low gives low); ``n`` sets the length for scalars."""
    low, high = np.asarray(low, dtype=np.int64), np.asarray(high, dtype=np.int64)
    shape = np.broadcast_shapes(low.shape, high.shape, () if n is None else (n,))
    span = np.maximum(high - low, 0) + 1
    return low + (rng.random(shape) * span).astype(np.int64)


def lookalike_keys(dob, surname_soundex_id, given_initial, given_id, surname_initial) -> tuple[np.ndarray, np.ndarray]:
    """Two integer keys per person; two people sharing either key could pass for one person:
    (date of birth, Soundex of surname, given-name initial) and (date of birth, given name, surname initial).
    Twins (same birthday and surname, different initials) stay possible, as in life."""
    dob = np.asarray(dob, dtype=np.int64) + 100_000  # dates from 1696 on are positive
    by_surname = dob * 100_000 + np.asarray(surname_soundex_id) * 32 + np.asarray(given_initial)
    by_given = -(dob * 100_000 + np.asarray(given_id) * 32 + np.asarray(surname_initial)) - 1
    return by_surname, by_given


def _initial(names) -> np.ndarray:
    return np.array([ord(n[0].upper()) - 65 if n and "A" <= n[0].upper() <= "Z" else 26 for n in names], dtype=np.int64)


def _separate_lookalikes(rng, dob, parts, is_child, as_of, reserved: set[int]) -> np.ndarray:
    """Shift dates of birth until no two people share a :func:`lookalike_keys` key and none is ``reserved``.

    ``parts``: the arrays :func:`lookalike_keys` takes after ``dob``.
    """
    dob = dob.copy()
    reserved_index = pd.Index(np.fromiter(reserved, dtype=np.int64, count=len(reserved)))
    oldest_child = as_of - int(18 * Y) + 2
    youngest_adult = as_of - int(18 * Y) - 2
    for attempt in range(200):
        clash = np.zeros(len(dob), dtype=bool)
        for keys in lookalike_keys(dob, *parts):
            keys = pd.Index(keys)
            clash |= keys.duplicated(keep="first") | keys.isin(reserved_index)
        if not clash.any():
            return dob
        width = 30 * (1 + attempt // 10)
        n = int(clash.sum())
        shift = rng.integers(1, width + 1, n) * rng.choice([-1, 1], n)
        old = dob[clash]
        lo = np.where(is_child[clash], oldest_child, as_of - int(110 * Y))
        hi = np.where(is_child[clash], as_of, youngest_adult)
        moved = old + shift
        outside = (moved < lo) | (moved > hi)
        moved = np.where(outside, old - shift, moved)  # bounce off the edge rather than pile up on it
        outside = (moved < lo) | (moved > hi)
        dob[clash] = np.where(outside, _uniform_days(rng, lo, hi), moved)
    raise RuntimeError("could not give every background person a date of birth that no look-alike shares")


def make_background(people: int, rng: np.random.Generator, as_of: dt.date, agencies: dict[str, list[str]],
                    reserved_keys: set[int], sdx_ids: dict[str, int], given_ids: dict[str, int]) -> dict[str, _Rows]:
    """Households, people, addresses, residences, relationships, agency records and events."""
    A = _days(as_of)
    rows = {name: _Rows(name) for name in tables() if name != "agencies"}
    gps, schools, nurseries = agencies["health_gp"], agencies["education"], agencies["early_years"]

    # Households: 0 single adult, 1 couple, 2 couple with children, 3 lone parent with children.
    est = int(people / 2.2) + 10
    kind = rng.choice(4, est, p=[0.30, 0.30, 0.28, 0.12])
    n_adults = np.where((kind == 1) | (kind == 2), 2, 1)
    n_kids = np.where(kind >= 2, rng.choice([1, 2, 3, 4], est, p=[0.43, 0.40, 0.13, 0.04]), 0)
    size = n_adults + n_kids
    keep = np.cumsum(size) <= people
    kind, n_adults, n_kids = kind[keep], n_adults[keep], n_kids[keep]
    rest = people - int((n_adults + n_kids).sum())
    kind = np.concatenate([kind, np.zeros(rest, dtype=kind.dtype)])
    n_adults = np.concatenate([n_adults, np.ones(rest, dtype=n_adults.dtype)])
    n_kids = np.concatenate([n_kids, np.zeros(rest, dtype=n_kids.dtype)])
    H = len(kind)
    size = n_adults + n_kids
    with_kids = kind >= 2

    head_age = np.where(with_kids, rng.uniform(20, 52, H), rng.uniform(18.2, 90, H))
    head_age = (head_age * Y).astype(np.int64)
    head_female = rng.random(H) < np.where(kind == 3, 0.9, np.where(kind == 2, 0.6, 0.5))
    partner_age = np.maximum(head_age + (rng.normal(0, 3.5, H) * Y).astype(np.int64), int(18.3 * Y))
    partner_age = np.where(with_kids, np.maximum(partner_age, int(20 * Y)), partner_age)
    partner_female = np.where(rng.random(H) < 0.95, ~head_female, head_female)
    max_child_age = np.maximum(np.minimum(int(18 * Y) - 30, head_age - int(18 * Y) - 90), 0)
    head_family = rng.choice(len(SURNAMES), H, p=_zipf(len(SURNAMES)))
    partner_family = np.where(rng.random(H) < 0.6, head_family, rng.choice(len(SURNAMES), H, p=_zipf(len(SURNAMES))))
    gp = rng.integers(0, len(gps), H)
    school = rng.integers(0, len(schools), H)
    nursery = rng.integers(0, len(nurseries), H)

    # People: households laid out contiguously, adults first.
    hh = np.repeat(np.arange(H), size)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    pos = np.arange(people) - starts[hh]
    is_adult = pos < n_adults[hh]
    is_head = pos == 0
    is_partner = is_adult & (pos == 1)
    is_child = ~is_adult
    child_age = (rng.random(people) * (max_child_age[hh] + 1)).astype(np.int64)
    age = np.where(is_head, head_age[hh], np.where(is_partner, partner_age[hh], child_age))
    female = np.where(is_head, head_female[hh], np.where(is_partner, partner_female[hh], rng.random(people) < 0.49))
    family = np.where(is_partner, partner_family[hh], head_family[hh])
    fem_idx = rng.choice(len(FEMALE), people, p=_zipf(len(FEMALE), 40))
    male_idx = rng.choice(len(MALE), people, p=_zipf(len(MALE), 40))
    sdx = np.array([sdx_ids[soundex(s)] for s in SURNAMES], dtype=np.int64)[family]
    given_id = np.where(female, np.array([given_ids[n] for n in FEMALE])[fem_idx], np.array([given_ids[n] for n in MALE])[male_idx])
    given_initial = np.where(female, _initial(FEMALE)[fem_idx], _initial(MALE)[male_idx])
    parts = (sdx, given_initial, given_id, _initial(SURNAMES)[family])
    dob = _separate_lookalikes(rng, A - age, parts, is_child, A, reserved_keys)
    age = A - dob

    # Dates households formed (M: head moved in; M2: partner moved in).
    head_dob = dob[starts]
    M = A - _uniform_days(rng, 0, np.minimum(int(20 * Y), A - (head_dob + int(18 * Y))))
    has_partner = n_adults == 2
    partner_dob = np.where(has_partner, dob[np.minimum(starts + 1, people - 1)], NA)
    together = rng.random(H) < 0.7
    M2 = np.where(together, M, _uniform_days(rng, M, A))
    M2 = np.where(has_partner, np.maximum(M2, partner_dob + int(18 * Y)), NA)
    together &= has_partner & (M2 == M)

    # Some households moved here from an earlier address; some lone parents had a partner who moved out.
    moved = (rng.random(H) < 0.15) & (kind != 0)
    M_prev = M - _uniform_days(rng, int(1 * Y), int(8 * Y), H)
    M_prev = np.maximum(M_prev, head_dob + int(18 * Y))
    moved &= M_prev < M - 30
    ex_of, ex_from, ex_to, ex_hh = _former_partners(rng, kind, head_female, head_age, M, A, starts, dob)
    M = M.copy()
    M[ex_hh] = ex_to + 1  # the former partner's own household starts when they left

    # Addresses: one per household plus one per earlier address.
    prev_addr = np.full(H, -1)
    prev_addr[moved] = H + np.arange(int(moved.sum()))
    n_addr = H + int(moved.sum())
    addr_gp = np.concatenate([gp, gp[moved]])
    order = rng.permutation(n_addr)
    pc_id = order // 12
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in "CIKMOV"]
    district, sector = pc_id % 40 + 1, (pc_id // 40) % 10
    units = pc_id // 400
    postcode = pc.binary_join_element_wise(
        "NS", pc.cast(pa.array(district), pa.string()), " ", pc.cast(pa.array(sector), pa.string()),
        _pick(letters, (units // len(letters)) % len(letters)), _pick(letters, units % len(letters)), "",
    )
    uprn = pc.cast(pa.array(100_000_000_000 + rng.permutation(n_addr)), pa.string())
    uprn = pc.if_else(pa.array(rng.random(n_addr) < 0.9), uprn, pa.nulls(n_addr, pa.string()))
    rows["addresses"].add(id=_ids("A", np.arange(n_addr)), postcode=postcode, uprn=uprn,
                          source_agency=_pick(gps, addr_gp), source_record=_ids("ADDR-", np.arange(n_addr)))

    # People (the GP practice's record of each person).
    pid = _ids("P", np.arange(people))
    gp_of = gp[hh]
    given = pc.if_else(pa.array(female), _pick(FEMALE, fem_idx), _pick(MALE, male_idx))
    nhs = _nhs_numbers(rng, people, 450_000_000)
    gp_record = _ids("GP-", np.arange(people))
    rows["people"].add(
        id=pid, role=pc.if_else(pa.array(is_adult), _const("adult", people), _const("child", people)),
        given_name=given, family_name=_pick(SURNAMES, family), dob=dob,
        sex=pc.if_else(pa.array(female), _const("female", people), _const("male", people)),
        nhs_number=nhs, source_agency=_pick(gps, gp_of), source_record=gp_record,
    )

    # Residences: current address, earlier address of movers, former partners' spell at the family home.
    start = np.where(is_head, M[hh], np.where(is_partner, M2[hh], np.maximum(M[hh], dob)))
    res = rows["residences"]
    res.add(person_id=pid, address_id=_ids("A", hh), from_date=start, to_date=np.full(people, NA),
            source_agency=_pick(gps, gp_of), source_record=gp_record)
    prev_from = np.where(is_child, np.maximum(M_prev[hh], dob), np.maximum(M_prev[hh], dob + int(18 * Y)))
    had_prev = moved[hh] & (is_head | (is_partner & together[hh]) | is_child) & (prev_from < M[hh])
    idx = np.flatnonzero(had_prev)
    res.add(person_id=pid.take(idx), address_id=_ids("A", prev_addr[hh[idx]]), from_date=prev_from[idx],
            to_date=M[hh[idx]] - 1, source_agency=_pick(gps, gp_of[idx]), source_record=gp_record.take(idx))
    ex_person = starts[ex_hh]
    res.add(person_id=pid.take(ex_person), address_id=_ids("A", ex_of), from_date=ex_from, to_date=ex_to,
            source_agency=_pick(gps, gp_of[ex_person]), source_record=gp_record.take(ex_person))

    # Relationships (recorded by the GP practice of the first person).
    rel = rows["relationships"]
    heads, kids_hh = starts[hh], hh
    child_idx = np.flatnonzero(is_child)
    rel.add(person_id=pid.take(heads[child_idx]), other_id=pid.take(child_idx), kind=_const("parent", len(child_idx)),
            from_date=dob[child_idx], to_date=np.full(len(child_idx), NA),
            source_agency=_pick(gps, gp_of[child_idx]), source_record=_ids("REL-P-", child_idx))
    partner_idx = starts[has_partner] + 1
    couple_hh = np.flatnonzero(has_partner)
    rel_from = np.maximum(M2[couple_hh] - _uniform_days(rng, 0, int(3 * Y), len(couple_hh)) * (~together[couple_hh]),
                          np.maximum(head_dob[couple_hh], partner_dob[couple_hh]) + int(18 * Y))
    rel.add(person_id=pid.take(starts[couple_hh]), other_id=pid.take(partner_idx), kind=_const("partner", len(couple_hh)),
            from_date=np.minimum(rel_from, M2[couple_hh]), to_date=np.full(len(couple_hh), NA),
            source_agency=_pick(gps, gp[couple_hh]), source_record=_ids("REL-C-", couple_hh))
    pc_child = child_idx[has_partner[kids_hh[child_idx]]]
    step = ~together[hh[pc_child]] & (dob[pc_child] < M2[hh[pc_child]])
    rel.add(person_id=pid.take(starts[hh[pc_child]] + 1), other_id=pid.take(pc_child),
            kind=pc.if_else(pa.array(step), _const("step_parent", len(pc_child)), _const("parent", len(pc_child))),
            from_date=np.where(step, M2[hh[pc_child]], dob[pc_child]), to_date=np.full(len(pc_child), NA),
            source_agency=_pick(gps, gp_of[pc_child]), source_record=_ids("REL-S-", pc_child))
    for gap in (1, 2, 3):  # siblings: each child with each later child of the household
        a = child_idx[child_idx + gap < people]
        a = a[(hh[a + gap] == hh[a])]
        b = a + gap
        rel.add(person_id=pid.take(a), other_id=pid.take(b), kind=_const("sibling", len(a)),
                from_date=np.maximum(dob[a], dob[b]), to_date=np.full(len(a), NA),
                source_agency=_pick(gps, gp_of[a]), source_record=_ids(f"REL-B{gap}-", a))
    family_head = starts[ex_of]
    rel.add(person_id=pid.take(family_head), other_id=pid.take(ex_person), kind=_const("partner", len(ex_of)),
            from_date=ex_from, to_date=ex_to, source_agency=_pick(gps, gp[ex_of]), source_record=_ids("REL-X-", ex_of))
    # A former partner is the parent of the children born while they lived there.
    born = child_idx[np.isin(hh[child_idx], ex_of)]
    k = np.searchsorted(ex_of, hh[born])  # ex_of is sorted
    inside = (dob[born] >= ex_from[k]) & (dob[born] <= ex_to[k])
    born, k = born[inside], k[inside]
    rel.add(person_id=pid.take(ex_person[k]), other_id=pid.take(born), kind=_const("parent", len(born)),
            from_date=dob[born], to_date=np.full(len(born), NA), source_agency=_pick(gps, gp_of[born]),
            source_record=_ids("REL-XP-", born))

    # Agency records (KNOWN_TO).
    known = rows["agency_records"]

    def add_known(idx, agency_ids, record_prefix, since, until=None, flags=None):
        n = len(idx)
        rec = _ids(record_prefix, idx)
        known.add(person_id=pid.take(idx), agency_id=agency_ids, record_id=rec, since=since,
                  until=np.full(n, NA) if until is None else until, flags=flags, source_agency=agency_ids, source_record=rec)

    everyone = np.arange(people)
    gp_since = np.where(is_child, dob, np.maximum(dob + int(16 * Y), A - _uniform_days(rng, 0, int(25 * Y), people)))
    known.add(person_id=pid, agency_id=_pick(gps, gp_of), record_id=gp_record, since=np.minimum(gp_since, A),
              until=np.full(people, NA), source_agency=_pick(gps, gp_of), source_record=gp_record)
    under5 = np.flatnonzero(is_child & (age < int(5 * Y)))
    add_known(under5, _const(agencies["health_visiting"][0], len(under5)), "HV-", dob[under5])
    ey = np.flatnonzero(is_child & (age >= int(2 * Y)) & (age < int(4.5 * Y)) & (rng.random(people) < 0.6))
    add_known(ey, _pick(nurseries, nursery[hh[ey]]), "EY-",
              np.minimum(dob[ey] + int(2 * Y) + _uniform_days(rng, 0, 200, len(ey)), A))
    pupils = np.flatnonzero(is_child & (age >= int(4.5 * Y)) & (rng.random(people) < 0.97))
    school_since = np.maximum(dob[pupils] + int(4.5 * Y), A - int(12 * Y))
    add_known(pupils, _pick(schools, school[hh[pupils]]), "SCH-", school_since)
    elderly = np.flatnonzero(is_adult & (age >= int(75 * Y)) & (rng.random(people) < 0.2))
    add_known(elderly, _const(agencies["adult_social_care"][0], len(elderly)), "ASC-",
              A - _uniform_days(rng, 0, np.minimum(int(8 * Y), age[elderly] - int(75 * Y))))
    tenants = np.flatnonzero(is_head & (rng.random(people) < 0.17))
    add_known(tenants, _const(agencies["housing"][0], len(tenants)), "HOU-", np.maximum(M[hh[tenants]], A - int(15 * Y)))

    # Events. Each part: subject people, kind, recorded_by, dates, outcome, summary.
    ev_parts: list[dict] = []

    def add_events(subject, kind, recorded_by, date, outcome, summary, address=None, parent=None, share=None):
        ev_parts.append(dict(subject=subject, kind=kind, recorded_by=recorded_by, date=date, outcome=outcome,
                             summary=summary, address=address, parent=parent, share=share))

    # GP appointments (children always attend: "was not brought" is planted, never background).
    n_appt = rng.poisson(0.7, people)
    subj = np.repeat(everyone, n_appt)
    attended = is_child[subj] | (rng.random(len(subj)) < 0.94)
    add_events(subj, "health_appointment", _pick(gps, gp_of[subj]),
               _uniform_days(rng, np.maximum(dob[subj], A - int(4 * Y)), A),
               pc.if_else(pa.array(attended), _const("attended", len(subj)), _const("not_attended", len(subj))),
               _const("GP appointment", len(subj)))
    subj = np.repeat(under5, rng.poisson(1.5, len(under5)))
    add_events(subj, "health_appointment", _const(agencies["health_visiting"][0], len(subj)),
               _uniform_days(rng, dob[subj], A), _const("attended", len(subj)), _const("Health visitor contact", len(subj)))
    n_abs = rng.poisson(0.4, len(pupils))
    j = np.repeat(np.arange(len(pupils)), n_abs)
    subj = pupils[j]
    shared = rng.random(len(subj)) < 0.1
    add_events(subj, "school_absence", _pick(schools, school[hh[subj]]),
               _uniform_days(rng, np.maximum(school_since[j], A - int(3 * Y)), A - 6), _const("other", len(subj)),
               _pick([f"Absent from school ({d} days)" for d in range(1, 6)], rng.integers(0, 5, len(subj))),
               share=(shared, _const(agencies["school_nursing"][0], len(subj)), 1, 5))
    subj = np.flatnonzero(rng.random(people) < 0.07)
    child_ae = is_child[subj]
    add_events(subj, "ae_attendance", _const(agencies["emergency_dept"][0], len(subj)),
               _uniform_days(rng, np.maximum(dob[subj], A - int(4 * Y)), A - 4), _const("attended", len(subj)),
               _const("Seen in the emergency department", len(subj)),
               share=(child_ae, _pick(gps, gp_of[subj]), 1, 3))

    # One contact or referral to CSC, at most, per household with children; the referrer is told the outcome.
    fam = np.flatnonzero(with_kids & (rng.random(H) < 0.05))
    subj = starts[fam] + n_adults[fam] + (rng.random(len(fam)) * n_kids[fam]).astype(np.int64)
    old_enough = dob[subj] + 60 < A
    fam, subj = fam[old_enough], subj[old_enough]
    date = _uniform_days(rng, np.maximum(dob[subj] + 30, A - int(4 * Y)), A - 30)
    young = age[subj] - (A - date) < int(4.5 * Y)
    from_gp = rng.random(len(fam)) < 0.2
    recorder = pc.if_else(pa.array(from_gp), _pick(gps, gp[fam]),
                          pc.if_else(pa.array(young), _const(agencies["health_visiting"][0], len(fam)),
                                     _pick(schools, school[fam])))
    outcome_code = rng.choice(3, len(fam), p=[0.4, 0.35, 0.25])
    outcome = _pick(["nfa", "early_help", "assessment"], outcome_code)
    kinds = _pick(["contact", "referral"], (rng.random(len(fam)) < 0.4).astype(np.int64))
    add_events(subj, kinds, recorder, date, outcome,
               _pick(["Concern about the child's wellbeing shared with CSC", "Worries about home conditions",
                      "Child disclosed worries at school"], rng.integers(0, 3, len(fam))),
               address=np.where(date >= M[fam], fam, -1), parent=starts[fam],
               share=(np.ones(len(fam), dtype=bool), _const(agencies["csc"][0], len(fam)), 0, 0, "referred_to"))
    assessed = outcome_code == 2
    c_subj, c_date = subj[assessed], date[assessed]
    since = c_date + _uniform_days(rng, 1, 10, len(c_date))
    cp = rng.random(len(c_subj)) < 0.3
    closed = rng.random(len(c_subj)) < 0.4
    until = np.where(closed, since + _uniform_days(rng, 90, 500, len(since)), NA)
    until = np.where(until > A, NA, until)
    add_known(c_subj, _const(agencies["csc"][0], len(c_subj)), "CSC-", since, until,
              pc.if_else(pa.array(cp), _const("cp_plan", len(c_subj)), _const("cin", len(c_subj))))
    add_events(c_subj, "assessment", _const(agencies["csc"][0], len(c_subj)), since,
               pc.if_else(pa.array(cp), _const("cp_plan", len(c_subj)), _const("cin_plan", len(c_subj))),
               _const("Children and families assessment", len(c_subj)))
    cp_subj = c_subj[cp]
    add_events(cp_subj, "cp_conference", _const(agencies["csc"][0], len(cp_subj)),
               np.minimum(since[cp] + 12, A), _const("cp_plan", len(cp_subj)),
               _const("Initial child protection conference", len(cp_subj)))

    _partnership_flows(add_events, rng, agencies, people, is_child, dob, A)  # last: the rows above stay as they were
    _emit_events(rows, ev_parts, pid, rng, A)
    return rows


# Background flows between agencies, so the partnership map of a county shows every kind of agency referring
# and sharing at plausible rates: (recorder kind, kind told, how, events a year per 1,000 people, about a child,
# days from event to sharing low..high). Contacts with outcome "other": no catalogue pattern counts them, and
# every referral gets feedback (the referrals without feedback are planted, as ground truth).
PARTNERSHIP_FLOWS = [
    ("police", "csc", "referred_to", 4, True, 0, 0), ("police", "education", "shared_with", 2, True, 0, 2),
    ("probation", "police", "shared_with", 2, False, 0, 5), ("probation", "csc", "referred_to", 1, True, 0, 0),
    ("youth_justice", "csc", "shared_with", 1, True, 1, 7), ("youth_justice", "education", "shared_with", 1, True, 1, 7),
    ("health_gp", "adult_mental_health", "referred_to", 2, False, 0, 0), ("health_visiting", "health_gp", "shared_with", 3, True, 1, 10),
    ("school_nursing", "health_gp", "shared_with", 2, True, 1, 14), ("school_nursing", "camhs", "referred_to", 1, True, 0, 0),
    ("midwifery", "health_visiting", "shared_with", 2, True, 0, 5), ("emergency_dept", "csc", "referred_to", 1, True, 0, 0),
    ("camhs", "health_gp", "shared_with", 2, True, 2, 21), ("camhs", "education", "shared_with", 1, True, 2, 14),
    ("adult_mental_health", "health_gp", "shared_with", 2, False, 2, 21), ("substance_misuse", "health_gp", "shared_with", 2, False, 1, 14),
    ("substance_misuse", "probation", "shared_with", 1, False, 1, 10), ("early_years", "health_visiting", "shared_with", 2, True, 1, 10),
    ("early_years", "csc", "referred_to", 1, True, 0, 0), ("housing", "adult_social_care", "shared_with", 1, False, 2, 30),
    ("housing", "csc", "referred_to", 1, True, 0, 0), ("domestic_abuse_service", "csc", "referred_to", 1, True, 0, 0),
    ("domestic_abuse_service", "police", "shared_with", 1, False, 0, 3), ("adult_social_care", "health_gp", "shared_with", 2, False, 1, 14),
    ("voluntary", "csc", "referred_to", 1, True, 0, 0), ("csc", "education", "shared_with", 2, True, 0, 5),
    ("csc", "health_gp", "shared_with", 2, True, 0, 7), ("csc", "police", "shared_with", 1, True, 0, 3),
]


def _partnership_flows(add_events, rng, agencies, people, is_child, dob, A) -> None:
    children, adults = np.flatnonzero(is_child & (dob < A - 60)), np.flatnonzero(~is_child)
    for recorder, told, how, per_thousand, about_child, lo, hi in PARTNERSHIP_FLOWS:
        pool = children if about_child else adults
        if recorder not in agencies or told not in agencies or not len(pool):
            continue
        n = rng.poisson(per_thousand * people / 1000 * 3)  # three years of them
        subj = pool[rng.integers(0, len(pool), n)]
        add_events(subj, "contact", _pick(agencies[recorder], rng.integers(0, len(agencies[recorder]), n)),
                   _uniform_days(rng, np.maximum(dob[subj] + 30, A - int(3 * Y)), A - 31), _const("other", n),
                   _const(f"Information for {told.replace('_', ' ')}", n),
                   share=(np.ones(n, dtype=bool), _pick(agencies[told], rng.integers(0, len(agencies[told]), n)), lo, hi, how))


def _former_partners(rng, kind, head_female, head_age, M, A, starts, dob):
    """Pair lone parents (kind 3) with a single adult (kind 0) who lived with them for a while and left.

    Returns (family household, from, to, the single adult's household) arrays.
    """
    families = np.flatnonzero((kind == 3) & (rng.random(len(kind)) < 0.5) & (A - M > 400))
    singles = np.flatnonzero((kind == 0) & (head_age > int(22 * Y)))
    singles = singles[rng.permutation(len(singles))]
    pairs_f, pairs_s = [], []
    for want_female in (True, False):  # the former partner is of the other sex than the lone parent
        f = families[head_female[families] != want_female]
        s = singles[head_female[singles] == want_female]
        n = min(len(f), len(s))
        pairs_f.append(f[:n])
        pairs_s.append(s[:n])
    fam, single = np.concatenate(pairs_f), np.concatenate(pairs_s)
    order = np.argsort(fam, kind="stable")
    fam, single = fam[order], single[order]
    start = np.maximum(M[fam], dob[starts[single]] + int(18 * Y))
    start = start + (rng.random(len(fam)) * np.maximum(A - 400 - start, 0) * 0.6).astype(np.int64)
    end = start + 30 + (rng.random(len(fam)) * np.maximum(A - 60 - start - 30, 0)).astype(np.int64)
    ok = (start < end) & (end < A - 30)
    return fam[ok], start[ok], end[ok], single[ok]


def _emit_events(rows, parts, pid, rng, A) -> None:
    """Number the events in order and write events, event_people and event_agencies."""
    offset = 0
    for part in parts:
        subject = part["subject"]
        n = len(subject)
        if n == 0:
            continue
        eid = _ids("E", offset + np.arange(n))
        offset += n
        recorded_by = part["recorded_by"]
        kind = part["kind"] if isinstance(part["kind"], pa.Array) else _const(part["kind"], n)
        address = part["address"]
        address_ids = None if address is None else pc.if_else(
            pa.array(address >= 0), _ids("A", np.maximum(address, 0)), pa.nulls(n, pa.string()))
        rows["events"].add(id=eid, kind=kind, date=part["date"], summary=part["summary"], outcome=part["outcome"],
                           recorded_by=recorded_by, address_id=address_ids, source_agency=recorded_by, source_record=eid)
        rows["event_people"].add(event_id=eid, person_id=pid.take(subject), involvement=_const("subject", n),
                                 source_agency=recorded_by, source_record=eid)
        if part["parent"] is not None:
            rows["event_people"].add(event_id=eid, person_id=pid.take(part["parent"]), involvement=_const("parent", n),
                                     source_agency=recorded_by, source_record=eid)
        if part["share"] is not None:
            mask, to_agency, lo, hi, *how = part["share"]
            idx = np.flatnonzero(mask)
            how = how[0] if how else "shared_with"
            date = np.asarray(part["date"])[idx]
            m = len(idx)
            if how == "referred_to":  # feedback to the referrer within ten days
                feedback = np.minimum(date + _uniform_days(rng, 1, 10, m), A)
                when = date
            else:
                when, feedback = np.minimum(date + _uniform_days(rng, lo, hi, m), A), np.full(m, NA)
            rows["event_agencies"].add(event_id=eid.take(idx), agency_id=to_agency.take(idx), kind=_const(how, m),
                                       date=when, feedback_date=feedback, source_agency=recorded_by.take(idx),
                                       source_record=eid.take(idx))


def _zipf(n: int, shift: float = 15) -> np.ndarray:
    w = 1.0 / (np.arange(n) + shift)
    return w / w.sum()


def _nhs_numbers(rng, n: int, base: int) -> pa.Array:
    """Distinct 10-digit NHS numbers with a valid modulus-11 check digit (base + 9-digit slot per person)."""
    slot = 11
    offset = rng.integers(0, slot, n)
    for _ in range(slot):
        nine = base + np.arange(n, dtype=np.int64) * slot + offset
        digits = (nine[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        check = 11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
        check = np.where(check == 11, 0, check)
        bad = check == 10
        if not bad.any():
            break
        offset = np.where(bad, (offset + 1) % slot, offset)
    return pc.cast(pa.array(nine * 10 + check), pa.string())


# ---------------------------------------------------------------------------------------------------------
# The county


def generate_county(
    people: int,
    seed: int = 7,
    out_dir: Path | str | None = None,
    as_of: dt.date = DEFAULT_AS_OF,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
    patterns: Iterable[str] | None = None,
) -> tuple[dict[str, pd.DataFrame], GroundTruth]:
    """Generate a county of about ``people`` background people plus planted scenarios.

    Returns the bundle tables (DataFrames in the bundle's column order; dates as datetime64) and the
    ground truth. With ``out_dir`` it also writes the bundle (CSV or JSON) and ``ground_truth.json``.
    ``patterns`` limits planting to those registered planters (default: all of them, in name order, so a
    planter may read what an earlier one recorded in the truth). Same arguments, same bytes.
    """
    if people < 1:
        raise ValueError(f"people must be at least 1, got {people}")
    if fmt not in ("csv", "json"):
        raise ValueError(f"fmt must be 'csv' or 'json', got {fmt!r}")
    chosen = sorted(PLANTERS) if patterns is None else sorted(set(patterns))
    unknown = [p for p in chosen if p not in PLANTERS]
    if unknown:
        raise ValueError(f"no planter registered for {', '.join(unknown)}; known: {', '.join(sorted(PLANTERS))}")
    say = progress or (lambda message: None)
    t0 = time.perf_counter()
    truth = GroundTruth(seed, people, as_of)

    agency_table, by_kind = make_agencies(people)
    canonical = {kind: ids[0] for kind, ids in by_kind.items()}
    planted = _plant(seed, people, as_of, canonical, truth, chosen)
    say(f"agencies: {agency_table.num_rows:,}; planted {sum(t.num_rows for t in planted['people'])} people "
        f"by {len(chosen)} planters ({time.perf_counter() - t0:.1f} s)")

    planted_people = pa.concat_tables(planted["people"]) if planted["people"] else _schema("people").empty_table()
    # Background people must not look like a planted person (or each other): reserve the planted keys.
    sdx_ids: dict[str, int] = {}
    given_ids: dict[str, int] = {}
    p_given, p_family = planted_people["given_name"].to_pylist(), planted_people["family_name"].to_pylist()
    for name in list(SURNAMES) + p_family:
        sdx_ids.setdefault(soundex(name), len(sdx_ids))
    for name in list(FEMALE) + list(MALE) + p_given:
        given_ids.setdefault(name or "", len(given_ids))
    p_dob = [_days(d) if d is not None else NA for d in planted_people["dob"].to_pylist()]
    reserved: set[int] = set()
    for keys in lookalike_keys(p_dob, [sdx_ids[soundex(f)] for f in p_family], _initial(p_given),
                               [given_ids[g or ""] for g in p_given], _initial(p_family)):
        reserved.update(int(k) for k, d in zip(keys, p_dob) if d != NA)
    rng = np.random.default_rng(seed)
    rows = make_background(people, rng, as_of, by_kind, reserved, sdx_ids, given_ids)
    say(f"background: {people:,} people ({time.perf_counter() - t0:.1f} s)")

    out: dict[str, pa.Table] = {"agencies": agency_table}
    for name in tables():
        if name == "agencies":
            continue
        out[name] = pa.concat_tables([rows[name].table(), *planted[name]]).combine_chunks()
    if out_dir is not None:
        out_dir = Path(out_dir)
        write_tables(out, out_dir, fmt)
        atomic_write_text(out_dir / "ground_truth.json", json.dumps(truth.as_dict(), indent=1, sort_keys=True) + "\n")
        say(f"written {sum(t.num_rows for t in out.values()):,} rows to {out_dir} ({time.perf_counter() - t0:.1f} s)")
    frames = {name: table.to_pandas(date_as_object=False) for name, table in out.items()}
    return frames, truth


def _plant(seed: int, people: int, as_of: dt.date, agencies: dict[str, str], truth: GroundTruth,
           patterns: list[str]) -> dict[str, list[pa.Table]]:
    """Run each planter with its own builder and random stream. Id prefixes are neutral (S01, S02 ...): a
    planted record must not announce its pattern to whoever reads the data."""
    planted: dict[str, list[pa.Table]] = {name: [] for name in tables() if name != "agencies"}
    for index, pattern in enumerate(patterns, 1):
        builder = ScenarioBuilder(prefix=f"S{index:02d}", as_of=as_of, agencies=agencies, truth=truth)
        rng = np.random.default_rng([seed, zlib.crc32(pattern.encode())])
        PLANTERS[pattern](builder, rng, planted_count(people))
        for name, frame in builder.frames().items():
            if name in planted and len(frame):
                planted[name].append(_builder_table(name, frame))
    return planted
