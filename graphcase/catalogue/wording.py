"""Words for explanations a social worker reads once: people by name, agencies by name, flags and dates in
plain English, probabilities as computed.

The pattern rows carry record and agency ids; :func:`naming_for` looks up the names the explanations need
(one query for agencies, one for the people the rows mention only by id), and :data:`current` holds them
while a pattern's findings are explained (:func:`graphcase.catalogue.findings.group_findings`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from dataclasses import dataclass, field

from ..stores.base import GraphStore

AGENCY_COLUMNS = ("risk_agency", "known_agency", "agency", "police_agency", "da_agency", "sm_agency", "mh_agency",
                  "referrer_agency", "referred_to", "child_agencies", "agencies")
PERSON_COLUMNS = ("linked_record_id", "csc_linked_record_id", "adult_id", "child_id")

FLAG_WORDS = {  # a risk flag as a sentence fragment
    "mappa": "managed under MAPPA",
    "violence": "recorded as violent",
    "da_perpetrator": "recorded as a domestic-abuse perpetrator",
    "sex_offender": "recorded as a sex offender",
}

PARENT_WORDS = {("parent", "female"): "mother", ("parent", "male"): "father",
                ("step_parent", "female"): "step-mother", ("step_parent", "male"): "step-father"}


@dataclass
class Person:
    name: str
    dob: dt.date | None = None
    sex: str | None = None
    agency: str | None = None  # the agency whose record this is


@dataclass
class Naming:
    agencies: dict[str, str] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def agency(self, agency_id) -> str:
        return self.agencies.get(agency_id) or str(agency_id)

    def agency_list(self, ids) -> str:
        return and_list(sorted({self.agency(a) for a in ids}))

    def person(self, record_id) -> Person | None:
        return self.people.get(record_id)

    def name(self, record_id) -> str:
        p = self.people.get(record_id)
        return p.name if p else str(record_id)


current: contextvars.ContextVar[Naming] = contextvars.ContextVar("naming", default=Naming())


def parent_in_detail(detail: str) -> tuple[str, str]:
    """'partner of gp:KWARD (parent)' -> ('gp:KWARD', 'parent')."""
    body = detail.removeprefix("partner of ")
    record, _, kind = body.rpartition(" (")
    return (record, kind.rstrip(")")) if record else (body, "")


def naming_for(store: GraphStore, rows: list[dict]) -> Naming:
    """The agency names and the people (name, birth date, sex, agency) the rows mention by id."""
    agencies = {a: n for a, n in store.query("MATCH (a:Agency) RETURN a.id, a.name").rows if n}
    ids = set()
    for r in rows:
        for c in PERSON_COLUMNS:
            if r.get(c):
                ids.add(r[c])
        if r.get("link") == "partner_of_parent" and r.get("link_detail"):
            ids.add(parent_in_detail(r["link_detail"])[0])
    people = {}
    if ids:
        # each by its primary key: `p.id IN $ids` scans every Person per id on LadybugDB 0.22 (1,000 ids: 17 s
        # at 1M people, against 0.08 s this way)
        result = store.query("UNWIND $ids AS id MATCH (p:Person {id: id}) "
                             "RETURN p.id, p.given_name, p.family_name, p.dob, p.sex, p.source_agency", {"ids": sorted(ids)})
        for pid, given, family, dob, sex, agency in result.rows:
            name = " ".join(str(x).strip() for x in (given, family) if x and str(x).strip()) or pid
            people[pid] = Person(name, dob, sex, agency)
    return Naming(agencies, people)


def and_list(items) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def probability(p: float) -> str:
    """As computed, never rounded up to certainty: 0.999998 stays 0.999998."""
    text = f"{p:.6g}"
    if float(text) >= 1 and p < 1:
        text = f"{p:.12g}"
    return text


def long_date(d) -> str:
    if not d:
        return "an unknown date"
    return f"{d.day} {d.strftime('%B %Y')}"


def month(d) -> str:
    return d.strftime("%B %Y") if d else "an unknown date"


def flags(row) -> list[str]:
    return [mappa(row) if name == "mappa" else words for name, words in FLAG_WORDS.items() if row.get(name)]


def flag_order(words: str) -> int:
    """Where a flag's words come in FLAG_WORDS' order (MAPPA with its level still first)."""
    return next(i for i, w in enumerate(FLAG_WORDS.values()) if words.startswith(w))


def mappa(row) -> str:
    """'managed under MAPPA level 2 (category 1)', as much of it as the record says."""
    level, category = row.get("mappa_level"), row.get("mappa_category")
    text = FLAG_WORDS["mappa"] + (f" level {level}" if level else "")
    return text + (f" (category {category})" if category else "")


def parent_words(parent: Person | None, kind: str, child_first_name: str) -> str:
    """'Kerry Ward, Tyler's mother' (or the relationship's own words when sex or kind say nothing more)."""
    role = PARENT_WORDS.get((kind, (parent.sex or "").lower() if parent else ""), kind.replace("_", " ") or "parent")
    return f"{parent.name if parent else 'a parent'}, {child_first_name}'s {role}"


def first_name(full: str) -> str:
    return full.strip().split(" ")[0] if full and full.strip() else full


def csc_gap(row, child: str, adult: str, verb: str = "holds") -> str:
    """What children's social care does not know, by the row's csc_status: the child unknown to CSC; CSC knows
    the child but its record of the child's household leaves this adult out; or, where CSC records no
    household, CSC holds no record of the adult."""
    if row.get("csc_status") == "child_unknown":
        return f"{child} has no record with children's social care"
    if row.get("csc_household_size"):
        return f"its record of {first_name(child)}'s household does not include {adult}"
    return f"{verb} no record of {adult}"
