"""Row-by-row building of planted scenarios, and the ground truth they add to.

The background county is generated column-wise (fast); planted scenarios are few, so each is written as
plain rows through :class:`ScenarioBuilder`, which keeps ids unique and provenance filled in. A planter
records what it planted in :class:`GroundTruth`: the *hits* a pattern query must report and the
*near_misses* it must not.

A planter is a function ``plant(b: ScenarioBuilder, rng: numpy.random.Generator, count: int) -> None``
registered with ``@planter("pattern_name")``; ``b.as_of`` is the date the ground truth holds at.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..model import tables

PLANTERS: dict[str, Callable] = {}


def planter(pattern: str):
    """Register a function that plants instances (and near-misses) of ``pattern``."""

    def register(fn):
        PLANTERS[pattern] = fn
        return fn

    return register


@dataclass
class GroundTruth:
    seed: int
    people: int
    as_of: dt.date
    patterns: dict[str, dict[str, list[dict]]] = field(default_factory=lambda: defaultdict(lambda: {"hits": [], "near_misses": []}))

    def hit(self, pattern: str, **ids) -> None:
        self.patterns[pattern]["hits"].append(ids)

    def near_miss(self, pattern: str, why: str, **ids) -> None:
        self.patterns[pattern]["near_misses"].append({**ids, "why": why})

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "people": self.people,
            "as_of": self.as_of.isoformat(),
            "patterns": {k: dict(v) for k, v in sorted(self.patterns.items())},
        }


class ScenarioBuilder:
    """Collects rows of every bundle table for planted scenarios.

    >>> b = ScenarioBuilder(prefix="plant", as_of=dt.date(2026, 11, 1), agencies={"probation": "probation-1"})
    >>> child = b.person("child", "Amy", "Hill", dt.date(2018, 1, 1), "female", agency="gp")
    """

    def __init__(self, prefix: str, as_of: dt.date, agencies: dict[str, str], truth: GroundTruth | None = None):
        self.prefix = prefix
        self.as_of = as_of
        self.agencies = agencies  # agency kind -> agency id in this county (one per kind at least)
        self.truth = truth or GroundTruth(0, 0, as_of)
        self.rows: dict[str, list[dict]] = {name: [] for name in tables()}
        self._counter = itertools.count(1)
        self._recorded_by: dict[str, str] = {}  # event id -> recording agency, for inform()

    def new_id(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-{next(self._counter)}"

    def agency(self, kind: str) -> str:
        return self.agencies[kind]

    def _prov(self, agency_kind_or_id: str, record: str | None = None) -> dict:
        agency = self.agencies.get(agency_kind_or_id, agency_kind_or_id)
        return {"source_agency": agency, "source_record": record or self.new_id("rec")}

    def person(self, role, given, family, dob, sex, agency="health_gp", nhs_number=None) -> str:
        pid = self.new_id("person")
        self.rows["people"].append(
            {"id": pid, "role": role, "given_name": given, "family_name": family, "dob": dob, "sex": sex,
             "nhs_number": nhs_number, **self._prov(agency)}
        )
        return pid

    def address(self, postcode: str, agency="health_gp") -> str:
        aid = self.new_id("addr")
        self.rows["addresses"].append({"id": aid, "postcode": postcode, "uprn": None, **self._prov(agency)})
        return aid

    def lives_at(self, person_id, address_id, from_date, to_date=None, agency="health_gp") -> None:
        self.rows["residences"].append(
            {"person_id": person_id, "address_id": address_id, "from_date": from_date, "to_date": to_date, **self._prov(agency)}
        )

    def relate(self, person_id, other_id, kind, from_date=None, to_date=None, agency="health_gp") -> None:
        self.rows["relationships"].append(
            {"person_id": person_id, "other_id": other_id, "kind": kind, "from_date": from_date, "to_date": to_date, **self._prov(agency)}
        )

    def known_to(self, person_id, agency_kind, since, until=None, flags=(), mappa_level=None, mappa_category=None) -> str:
        agency = self.agency(agency_kind)
        record = self.new_id("case")
        self.rows["agency_records"].append(
            {"person_id": person_id, "agency_id": agency, "record_id": record, "since": since, "until": until,
             "flags": ";".join(flags) or None, "mappa_level": mappa_level, "mappa_category": mappa_category,
             "source_agency": agency, "source_record": record}
        )
        return record

    def csc_household(self, child_id, member_ids, from_date, to_date=None) -> None:
        """CSC's record of the child's household: the members it lists (csc_households.csv)."""
        record = self.new_id("rec")
        for member in member_ids:
            self.rows["csc_households"].append(
                {"child_id": child_id, "member_id": member, "from_date": from_date, "to_date": to_date,
                 **self._prov("csc", record)}
            )

    def residence_record(self, address_id, agency_kind, from_date, to_date=None) -> str:
        """A resident the agency knows only by its own record id: no person record (residences person_record)."""
        record = self.new_id("tenant")
        self.rows["residences"].append(
            {"person_id": None, "person_record": record, "address_id": address_id, "from_date": from_date,
             "to_date": to_date, **self._prov(agency_kind)}
        )
        return record

    def event(self, kind, date, recorded_by_kind, about=(), summary="", outcome=None, address_id=None) -> str:
        """An event recorded by an agency (by kind), ABOUT people given as (person_id, involvement) pairs."""
        eid = self.new_id("event")
        agency = self.agency(recorded_by_kind)
        self._recorded_by[eid] = agency
        self.rows["events"].append(
            {"id": eid, "kind": kind, "date": date, "summary": summary or kind.replace("_", " "), "outcome": outcome,
             "recorded_by": agency, "address_id": address_id, "source_agency": agency, "source_record": eid}
        )
        for person_id, involvement in about:
            self.rows["event_people"].append(
                {"event_id": eid, "person_id": person_id, "involvement": involvement, "source_agency": agency, "source_record": eid}
            )
        return eid

    def inform(self, event_id, agency_kind, kind, date, feedback_date=None, outcome=None, outcome_date=None) -> None:
        """kind: referred_to or shared_with; a referral's outcome as the receiving agency decided it, and when.
        Provenance: the informing (recording) agency."""
        self.rows["event_agencies"].append(
            {"event_id": event_id, "agency_id": self.agency(agency_kind), "kind": kind, "date": date,
             "feedback_date": feedback_date, "outcome": outcome, "outcome_date": outcome_date,
             "source_agency": self._recorded_by[event_id], "source_record": event_id}
        )

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            name: pd.DataFrame(rows, columns=[f.name for f in tables()[name].fields])
            for name, rows in self.rows.items()
        }
