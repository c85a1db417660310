"""Pseudonymised chronologies for published reviews ("Child A", "Adult B").

One review keeps one key file (JSON): real person id -> label, real record/event/address id -> label, and
the date shift. Every run of the review reads the key file, reuses the labels already given and adds new
ones, so the same person has the same label in every file of the review. Keep the key file private: it is
the only way back from the labels to the people.

What is replaced: person ids and names (also inside free-text summaries), dates of birth (dropped), NHS
numbers (dropped, and any 10-digit number in free text), record ids, event ids, address ids and postcodes.
Agency names and ids stay. Dates are kept, or all shifted by the same number of days (so intervals and
order are unchanged).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from .chronology import Chronology, Concerned, Entry, Person, Record, Relation, Source, Told

KEY_VERSION = 1


class KeyFileError(Exception):
    """The key file cannot be read or contradicts the options given."""


def _letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA ..."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = string.ascii_uppercase[r] + out
    return out


@dataclass
class PseudonymKey:
    people: dict[str, str] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)  # records, events, addresses, postcodes
    shift_days: int = 0

    @classmethod
    def load(cls, path: Path) -> PseudonymKey:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise KeyFileError(f"{path}: cannot read the pseudonym key file: {exc}") from exc
        if doc.get("version") != KEY_VERSION:
            raise KeyFileError(f"{path}: not a graphcase pseudonym key file (version {doc.get('version')!r})")
        return cls(dict(doc.get("people", {})), dict(doc.get("identifiers", {})), int(doc.get("shift_days", 0)))

    def save(self, path: Path) -> None:
        doc = {"version": KEY_VERSION, "shift_days": self.shift_days, "people": self.people, "identifiers": self.identifiers}
        Path(path).write_text(json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8")

    def person(self, person: Person) -> str:
        if person.id not in self.people:
            prefix = "Child" if person.role == "child" else "Adult"
            self.people[person.id] = f"{prefix} {_letters(len(self.people))}"
        return self.people[person.id]

    def ident(self, value: str | None, prefix: str) -> str | None:
        if not value:
            return value
        if value not in self.identifiers:
            count = sum(1 for v in self.identifiers.values() if v.startswith(prefix + " "))
            self.identifiers[value] = f"{prefix} {count + 1}"
        return self.identifiers[value]


class Pseudonymiser:
    """Applies a :class:`PseudonymKey` to a chronology; the key grows with every new person or record."""

    def __init__(self, key: PseudonymKey | None = None, *, shift_days: int | None = None):
        self.key = key or PseudonymKey()
        if shift_days is not None:
            if self.key.people and self.key.shift_days != shift_days:
                raise KeyFileError(
                    f"the key file shifts dates by {self.key.shift_days} days, not {shift_days}: one review uses one shift"
                )
            self.key.shift_days = shift_days

    @classmethod
    def from_key_file(cls, path: Path | None, shift_days: int | None = None) -> Pseudonymiser:
        key = PseudonymKey.load(path) if path and Path(path).exists() else PseudonymKey()
        return cls(key, shift_days=shift_days)

    def date(self, day: dt.date | None) -> dt.date | None:
        return day + dt.timedelta(days=self.key.shift_days) if day else day

    def _source(self, s: Source) -> Source:
        return Source(s.agency, self.key.ident(s.record, "Record"))

    def apply(self, chron: Chronology) -> Chronology:
        key = self.key
        people = sorted(chron.people.values(), key=lambda p: (p.hop, p.id))
        child_label = key.person(chron.child)
        for p in people:
            if p.hop == 0 and p.id != chron.child_id and p.id not in key.people:
                # Another agency's record of the child: the same child, told apart only by record.
                n = sum(1 for v in key.people.values() if v.startswith(child_label + " (record "))
                key.people[p.id] = f"{child_label} (record {n + 2})"
            key.person(p)
        # Assign event and record labels in chronology order, so labels read in order in a fresh review.
        for e in chron.entries:
            key.ident(e.event_id, "Event")
        text = self._text_replacer(chron)

        def rel(r: Relation) -> Relation:
            return Relation(r.kind, r.link, key.people.get(r.via) if r.via else None, r.via_kind,
                            key.ident(r.address, "Address"), key.ident(r.postcode, "Postcode"),
                            self.date(r.from_date), self.date(r.to_date), [self._source(s) for s in r.sources])

        new_people = {}
        for p in people:
            label = key.people[p.id]
            new_people[label] = Person(label, p.role, label, None, None, p.sex, None, self._source(p.source), p.hop,
                                       [rel(r) for r in p.relations])
        records = [
            Record(key.people.get(r.person_id, r.person_id), r.agency, key.ident(r.record_id, "Record"),
                   self.date(r.since), self.date(r.until), list(r.flags), self._source(r.source))
            for r in chron.records
        ]
        entries = [
            Entry(
                event_id=key.ident(e.event_id, "Event"), date=self.date(e.date), kind=e.kind, summary=text(e.summary),
                outcome=e.outcome, recorded_by=e.recorded_by, source=self._source(e.source),
                people=[Concerned(key.people.get(c.person_id, c.person_id), c.involvement, self._source(c.source)) for c in e.people],
                told=[Told(t.agency, t.how, self.date(t.date), self.date(t.feedback_date), self._source(t.source)) for t in e.told],
                involved=list(e.involved), not_told=list(e.not_told),
            )
            for e in chron.entries
        ]
        return Chronology(
            child_id=key.people[chron.child_id], date_from=self.date(chron.date_from), date_to=self.date(chron.date_to),
            hops=chron.hops, as_of=self.date(chron.as_of), people=new_people, agencies=copy.copy(chron.agencies),
            records=records, entries=entries, date_shift_days=key.shift_days,
        )

    def _text_replacer(self, chron: Chronology):
        """Free text (summaries) with names, ids, postcodes, NHS numbers and dates replaced."""
        key = self.key
        swaps: dict[str, str] = {}
        family_count: dict[str, int] = {}
        for p in chron.people.values():
            if p.family_name:
                family_count[p.family_name.lower()] = family_count.get(p.family_name.lower(), 0) + 1
        for p in chron.people.values():
            label = key.people[p.id]
            swaps[p.id] = label
            if p.given_name and p.family_name:
                swaps[f"{p.given_name} {p.family_name}"] = label
            if p.given_name:
                swaps[p.given_name] = label
            if p.family_name:
                swaps[p.family_name] = label if family_count[p.family_name.lower()] == 1 else "[family name]"
        for value, label in key.identifiers.items():
            swaps[value] = label
        for r in chron.records:
            swaps[r.record_id] = key.ident(r.record_id, "Record")
        for p in chron.people.values():
            for r in p.relations:
                if r.address:
                    swaps[r.address] = key.ident(r.address, "Address")
                if r.postcode:
                    swaps[r.postcode] = key.ident(r.postcode, "Postcode")
        # Longest first, whole words (an id like A-WARD is replaced before the name Ward), case-insensitive.
        ordered = sorted((k for k in swaps if k), key=len, reverse=True)
        pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(k) for k in ordered) + r")(?![\w])", re.IGNORECASE) if ordered else None
        lower = {k.lower(): v for k, v in swaps.items()}
        nhs = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
        iso = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

        def shift(m: re.Match) -> str:
            try:
                return self.date(dt.date(int(m[1]), int(m[2]), int(m[3]))).isoformat()
            except ValueError:
                return "[date]"

        def replace(text: str) -> str:
            if not text:
                return text
            if pattern is not None:
                text = pattern.sub(lambda m: lower[m.group(0).lower()], text)
            text = nhs.sub("[number]", text)
            return iso.sub(shift, text)

        return replace
