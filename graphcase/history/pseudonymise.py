"""Pseudonymised chronologies for published reviews ("Child A", "Adult B").

One review keeps one key file (JSON): real person id -> label, real record/event/address id -> label, and
the date shift. Every run of the review reads the key file, reuses the labels already given and adds new
ones, so the same person has the same label in every file of the review. Keep the key file private: it is
the only way back from the labels to the people.

What is replaced: person ids and names, dates of birth (dropped), NHS numbers (dropped), record ids, event
ids, address ids and postcodes. Agency names and ids stay. Dates are kept, or all shifted by the same number
of days (so intervals and order are unchanged); a shift that would leave the calendar is refused.

Free text (event summaries) is withheld by default: each summary becomes its event kind and "[summary
withheld]", because no scrubber catches everything people write. With ``scrub_free_text`` the summaries are
kept after :mod:`.scrub` has replaced every name of every person in the store, dates in any common format
(shifted like the rest), phone numbers, e-mails, postcodes, street addresses, UPRNs, NHS numbers and ids;
the output's header says what it cannot catch.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from ..files import atomic_write_text
from .chronology import Chronology, Concerned, Entry, Person, Record, Relation, ResidenceRecord, Source, Told
from .scrub import NOT_CAUGHT, DateShiftError, Scrubber, shift_date

KEY_VERSION = 1


class PseudonymError(Exception):
    """A pseudonymised output cannot be made as asked."""


class KeyFileError(PseudonymError):
    """The key file cannot be read or contradicts the options given."""


WITHHELD = "[summary withheld]"


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
        atomic_write_text(path, json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True))  # 0600: it unmasks everyone

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

    def __init__(self, key: PseudonymKey | None = None, *, shift_days: int | None = None, scrub_free_text: bool = False):
        self.key = key or PseudonymKey()
        self.scrub_free_text = scrub_free_text
        if shift_days is not None:
            if self.key.people and self.key.shift_days != shift_days:
                raise KeyFileError(
                    f"the key file shifts dates by {self.key.shift_days} days, not {shift_days}: one review uses one shift"
                )
            self.key.shift_days = shift_days

    @classmethod
    def from_key_file(cls, path: Path | None, shift_days: int | None = None, scrub_free_text: bool = False) -> Pseudonymiser:
        key = PseudonymKey.load(path) if path and Path(path).exists() else PseudonymKey()
        return cls(key, shift_days=shift_days, scrub_free_text=scrub_free_text)

    def date(self, day: dt.date | None) -> dt.date | None:
        try:
            return shift_date(day, self.key.shift_days) if day else day
        except DateShiftError as exc:
            raise PseudonymError(str(exc)) from None

    def _source(self, s: Source) -> Source:
        return Source(s.agency, self.key.ident(s.record, "Record"))

    def apply(self, chron: Chronology, store=None) -> Chronology:
        """The chronology with labels for people and ids; ``store`` (needed with ``scrub_free_text``) gives
        every name and id the store holds, so free text loses them too."""
        if self.scrub_free_text and store is None:
            raise PseudonymError("scrubbing free text needs the store (every name and id in it)")
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
        if self.scrub_free_text:
            scrubber = self._scrubber(chron, store)

            def text(summary: str) -> str:
                try:
                    return scrubber.scrub(summary)
                except DateShiftError as exc:
                    raise PseudonymError(str(exc)) from None

            note = f"Free text is scrubbed of the names, dates and identifiers the store holds; it cannot catch {NOT_CAUGHT}."
        else:
            text = None
            note = f"Free-text summaries are withheld ({WITHHELD}); --scrub-free-text keeps them, scrubbed."

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
                event_id=key.ident(e.event_id, "Event"), date=self.date(e.date), kind=e.kind,
                summary=text(e.summary) if text else f"{e.kind.replace('_', ' ')} {WITHHELD}",
                outcome=e.outcome, recorded_by=e.recorded_by, source=self._source(e.source),
                people=[Concerned(key.people.get(c.person_id, c.person_id), c.involvement, self._source(c.source)) for c in e.people],
                told=[Told(t.agency, t.how, self.date(t.date), self.date(t.feedback_date), self._source(t.source),
                           outcome=t.outcome, outcome_date=self.date(t.outcome_date)) for t in e.told],
                involved=list(e.involved), not_told=list(e.not_told),
            )
            for e in chron.entries
        ]
        return Chronology(
            child_id=key.people[chron.child_id], date_from=self.date(chron.date_from), date_to=self.date(chron.date_to),
            hops=chron.hops, as_of=self.date(chron.as_of), people=new_people, agencies=copy.copy(chron.agencies),
            records=records, entries=entries, date_shift_days=key.shift_days, pseudonymisation_note=note,
            withheld=list(chron.withheld),
            residence_records=[
                ResidenceRecord(r.agency, key.ident(r.record_id, "Record"), key.ident(r.address_id, "Address"),
                                key.ident(r.postcode, "Postcode") if r.postcode else None,
                                self.date(r.from_date), self.date(r.to_date), self._source(r.source))
                for r in chron.residence_records
            ],
        )

    def _scrubber(self, chron: Chronology, store) -> Scrubber:
        """A scrubber that knows the chronology's people (their labels) and every name and id in the store."""
        from nicknames import NickNamer

        key = self.key
        nicknames = NickNamer()
        swaps: dict[str, str] = {}
        family_count: dict[str, int] = {}
        nickname_of: dict[str, set[str]] = {}
        for p in chron.people.values():
            if p.family_name:
                family_count[p.family_name.lower()] = family_count.get(p.family_name.lower(), 0) + 1
            if p.given_name:
                for nick in nicknames.nicknames_of(p.given_name):
                    nickname_of.setdefault(nick, set()).add(key.people[p.id])
        initials: dict[tuple[str, str], str] = {}
        for p in chron.people.values():
            label = key.people[p.id]
            swaps[p.id] = label
            if p.given_name and p.family_name:
                swaps[f"{p.given_name} {p.family_name}"] = label
                pair = (p.given_name[0].lower(), p.family_name.lower())
                initials[pair] = label if pair not in initials or initials[pair] == label else "[name]"
            if p.given_name:
                swaps[p.given_name] = label
            if p.family_name:  # alone, a family name may mean anyone in the family: never one person's label
                swaps[p.family_name] = "[name]"
        for nick, labels in nickname_of.items():
            if len(labels) == 1 and nick not in {k.lower() for k in swaps}:
                swaps[nick] = next(iter(labels))
        for r in chron.records:
            swaps[r.record_id] = key.ident(r.record_id, "Record")
        names: set[str] = set()
        for prop in ("given_name", "family_name"):
            names.update(row[0] for row in store.query(f"MATCH (p:Person) RETURN DISTINCT p.{prop}").rows if row[0])
        for given in list(names):
            names.update(nicknames.nicknames_of(given))
        names.update(part for name in list(names) for part in re.split(r"[\s'-]+", name) if len(part) > 1)

        def known_ids(candidates: set[str]) -> dict[str, str]:
            ids = sorted(candidates)
            found: dict[str, str] = {}
            for prefix, query in ID_QUERIES:
                for row in store.query(query, {"ids": ids}).rows:
                    if row[0] and row[0] not in found:
                        found[row[0]] = key.people.get(row[0]) or key.ident(row[0], prefix)
            return found

        return Scrubber(people_swaps=swaps, store_names=names, known_ids=known_ids, shift_days=key.shift_days,
                        family_initials=initials)


# Every id, record id, UPRN and NHS number the store holds, looked up for the words of the free text.
ID_QUERIES = [
    ("Person", "MATCH (p:Person) WHERE p.id IN $ids RETURN p.id"),
    ("Record", "MATCH (p:Person) WHERE p.source_record IN $ids RETURN p.source_record"),
    ("Record", "MATCH ()-[k:KNOWN_TO]->() WHERE k.record_id IN $ids RETURN k.record_id"),
    ("Record", "MATCH ()-[k:KNOWN_TO]->() WHERE k.source_record IN $ids RETURN k.source_record"),
    ("Address", "MATCH (a:Address) WHERE a.id IN $ids RETURN a.id"),
    ("UPRN", "MATCH (a:Address) WHERE a.uprn IN $ids RETURN a.uprn"),
    ("Event", "MATCH (e:Event) WHERE e.id IN $ids RETURN e.id"),
    ("Record", "MATCH (e:Event) WHERE e.source_record IN $ids RETURN e.source_record"),
]
