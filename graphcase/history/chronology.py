"""The cross-agency chronology of one child: the data, built from the ``cypher/history/`` queries.

The network is walked one hop at a time in Python (``history_links`` per hop), so no variable-length path
is used and both engines return the same people. Each chronology entry is one event about the child or a
person around the child, in date order, with the agency that recorded it, the people concerned and how
they relate to the child, the agencies that were told, and the agencies working with the child at that
date that were not told. Every fact keeps its source agency and record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..catalogue.queries import get_query, run_query
from ..catalogue.restrictions import Redactor
from ..model.restrictions import Viewer
from ..stores.base import GraphStore

RISK_FLAGS = ("mappa", "da_perpetrator", "sex_offender", "violence")
CHILD_FLAGS = ("cp_plan", "cin", "looked_after")
ALL_FLAGS = RISK_FLAGS + CHILD_FLAGS
# A record with one of these agencies is a risk about an adult even without a flag.
RISK_AGENCY_KINDS = ("probation", "substance_misuse", "adult_mental_health")
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
MAX_HOPS = 2
# Days within which an agency working with the child should be told of an event, per event kind; a sharing
# later than this is flagged in the chronology's delay column. A partnership sets its own (``sharing_standards``).
# Operation Encompass: the school is told of a domestic-abuse incident before the next school day.
DEFAULT_SHARING_STANDARDS = {"domestic_abuse_incident": 1, "arrest": 3, "probation_start": 5, "*": 7}

# How the other person relates to the child for a RELATED_TO read from the child's side.
INVERSE_KIND = {"parent": "child", "step_parent": "step-child", "carer": "cared-for child"}


class HistoryError(Exception):
    """A chronology cannot be built: unknown person, bad dates or hops."""


@dataclass(frozen=True)
class Source:
    agency: str
    record: str

    def __str__(self) -> str:
        return f"{self.agency}:{self.record}"


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    kind: str


@dataclass
class Relation:
    """One way a person is connected to the child: ``kind`` read from the child's side."""

    kind: str  # parent, partner, household member, ...
    link: str  # self | related_to | same_address
    via: str | None  # person id of the 1st hop for 2-hop relations
    via_kind: str | None  # how ``via`` relates to the child
    address: str | None  # address id when the link is a shared address
    postcode: str | None
    from_date: dt.date | None
    to_date: dt.date | None
    sources: list[Source]
    # With no recorded start: the earliest fact that shows the link (a shared residence, an event naming both).
    first_recorded: dt.date | None = None

    @property
    def start(self) -> dt.date | None:
        """When the link is known to hold from: the recorded start, else when it was first recorded."""
        return self.from_date or self.first_recorded

    def start_text(self) -> str:
        if self.from_date:
            return f"since {self.from_date}"
        if self.first_recorded:
            return f"no start date recorded; first recorded on {self.first_recorded}"
        return "period unknown: no start date recorded, and no shared residence or event shows when it began"


@dataclass
class Person:
    id: str
    role: str
    given_name: str | None
    family_name: str | None
    dob: dt.date | None
    sex: str | None
    nhs_number: str | None
    source: Source
    hop: int
    relations: list[Relation] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(x for x in (self.given_name, self.family_name) if x) or self.id


@dataclass
class Record:
    """A KNOWN_TO record: ``person`` was known to ``agency`` from ``since`` to ``until``."""

    person_id: str
    agency: Agency
    record_id: str
    since: dt.date | None
    until: dt.date | None
    flags: list[str]
    source: Source

    def active_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)

    @property
    def risk(self) -> list[str]:
        """Why this record is a risk about the person: its risk flags, or the kind of agency holding it."""
        reasons = [f for f in self.flags if f in RISK_FLAGS]
        if not reasons and self.agency.kind in RISK_AGENCY_KINDS:
            reasons = [f"known to {self.agency.kind.replace('_', ' ')}"]
        return reasons


@dataclass
class Told:
    agency: Agency
    how: str  # shared_with | referred_to
    date: dt.date | None
    feedback_date: dt.date | None
    source: Source
    delay_days: int | None = None  # days from the event to this sharing
    over_standard: int | None = None  # the standard in days, when the sharing took longer
    outcome: str | None = None  # referrals: the receiving agency's decision, when recorded by as_of
    outcome_date: dt.date | None = None


@dataclass
class ResidenceRecord:
    """A residence an agency knows only by its own record of the resident (no person record): at one of the
    child's addresses while the child lived there."""

    agency: Agency
    record_id: str
    address_id: str
    postcode: str | None
    from_date: dt.date | None
    to_date: dt.date | None
    source: Source

    def __str__(self) -> str:
        until = f" to {self.to_date.isoformat()}" if self.to_date else ""
        since = f" from {self.from_date.isoformat()}{until}" if self.from_date else ""
        return f"a residence known to {self.agency.name} (record {self.record_id}) at {self.postcode or self.address_id}{since}"


@dataclass
class Concerned:
    person_id: str
    involvement: str
    source: Source


@dataclass
class Entry:
    event_id: str
    date: dt.date
    kind: str
    summary: str
    outcome: str | None
    recorded_by: Agency
    source: Source
    people: list[Concerned]
    told: list[Told]
    involved: list[str]  # agency ids working with the child on that date (KNOWN_TO of the child)
    not_told: list[str]  # involved, not the recorder, never told

    def told_agency_ids(self) -> set[str]:
        return {t.agency.id for t in self.told}


@dataclass
class Chronology:
    child_id: str
    date_from: dt.date | None
    date_to: dt.date | None
    hops: int
    as_of: dt.date  # what was recorded by this date: nothing later appears; closes open periods
    people: dict[str, Person]
    agencies: dict[str, Agency]
    records: list[Record]
    entries: list[Entry]
    residence_records: list[ResidenceRecord] = field(default_factory=list)  # residents known only by an agency's record id
    date_shift_days: int = 0  # set by pseudonymisation when dates were shifted
    pseudonymisation_note: str | None = None  # what a pseudonymised output did with free text, and cannot catch
    # Restricted records and events of these people the viewer may not see: one notice per holding agency
    # (what exists and whom to ask; nothing of their content). Left out of everything above.
    withheld: list[str] = field(default_factory=list)

    @property
    def child(self) -> Person:
        return self.people[self.child_id]

    @property
    def subject_word(self) -> str:
        """How the text names the person the chronology is about: 'the child', or 'the adult' for an adult's."""
        return "the child" if self.child.role == "child" else "the adult"

    def concerns_child_on(self, entry: Entry) -> bool:
        """The event is about the child, or about someone whose link to the child held on the event's date
        (an arrest before a man moved in is no event of the child's household)."""
        for c in entry.people:
            person = self.people.get(c.person_id)
            if person is None:
                continue
            if person.hop == 0:
                return True
            if any((r.start is None or r.start <= entry.date) and (r.to_date is None or entry.date <= r.to_date)
                   for r in person.relations if r.link != "self"):
                return True
        return False

    def child_records(self) -> list[Record]:
        """Records of the child: of the child's person record and of records SAME_AS-linked to it."""
        return [r for r in self.records if r.person_id in self.people and self.people[r.person_id].hop == 0]

    def involved_on(self, day: dt.date) -> list[str]:
        return sorted({r.agency.id for r in self.child_records() if r.active_on(day)})

    def relation_text(self, person_id: str) -> str:
        """How a person relates to the child, e.g. 'parent; household member (A-WARD)'."""
        person = self.people[person_id]
        parts: list[str] = []
        for rel in person.relations:
            text = rel.kind
            if rel.link == "same_address" and rel.address:
                text += f" ({rel.address})"
            if rel.via:
                via = self.people.get(rel.via)
                text += f" of {rel.via_kind} {via.name if via else rel.via}"
            if text not in parts:
                parts.append(text)
        return "; ".join(parts)


def _source(agency, record) -> Source:
    return Source(agency or "", record or "")


def _relation_from_link(row: dict, via: Person | None) -> Relation:
    if row["link"] == "same_address":
        kind = "household member"
        start = max(d for d in (row["from_date"], row["other_from_date"]) if d) if (row["from_date"] or row["other_from_date"]) else None
        ends = [d for d in (row["to_date"], row["other_to_date"]) if d]
        end = min(ends) if ends else None
        sources = [_source(row["source_agency"], row["source_record"]), _source(row["other_source_agency"], row["other_source_record"])]
        address, postcode = row["kind"], row["postcode"] or None
    else:
        # row: person -[kind]-> other (direction out) or other -[kind]-> person (in); read from ``person``'s side.
        kind = row["kind"] if row["direction"] == "in" else INVERSE_KIND.get(row["kind"], row["kind"])
        kind = kind.replace("_", " ")
        start, end = row["from_date"], row["to_date"]
        sources = [_source(row["source_agency"], row["source_record"])]
        address = postcode = None
    if via is not None:
        # A 2-hop relation holds only while the first hop holds too.
        first = [r for r in via.relations if r.link != "self"]
        # An undated second hop stays undated: it is bounded later by when it was first recorded, never
        # given the first hop's start (a partner of the mother is not her partner "since the child's birth").
        if start is not None:
            start = max(d for d in [start] + [r.from_date for r in first[:1]] if d)
        ends = [d for d in [end] + [r.to_date for r in first[:1]] if d]
        end = min(ends) if ends else None
    return Relation(
        kind=kind,
        link=row["link"],
        via=via.id if via else None,
        via_kind=via.relations[0].kind if via and via.relations else None,
        address=address,
        postcode=postcode,
        from_date=start,
        to_date=end,
        sources=sources,
    )


def _run(store: GraphStore, name: str, person_id: str, **params) -> list[dict]:
    """One anchored catalogue query for one person (an IN-list of ids scans the table on LadybugDB).

    The query text is read from the catalogue once per engine; a chronology runs a few queries per person.
    """
    query = get_query(name)
    text = _TEXTS.get((name, store.dialect))
    if text is None:
        text = _TEXTS[(name, store.dialect)] = query.text(store.dialect)
    return store.query(text, query.bind({"person_id": person_id, **params})).records()


_TEXTS: dict[tuple[str, str], str] = {}


def _same_as_closure(store: GraphStore, person_id: str) -> list[tuple[str, dict]]:
    """Every record SAME_AS-linked to ``person_id`` (directly or through others), with the link that found it."""
    found: dict[str, dict] = {}
    frontier = [person_id]
    while frontier:
        nxt = []
        for pid in frontier:
            for row in _run(store, "history_same_as", pid):
                other = row["other_id"]
                if other != person_id and other not in found:
                    found[other] = {**row, "from_id": pid}
                    nxt.append(other)
        frontier = nxt
    return sorted(found.items())


def _same_person(row: dict, of: Person, relations: list[Relation]) -> list[Relation]:
    """Relations of a record linked (SAME_AS) to ``of``: the same as ``of``'s, marked as a linked record."""
    why = f"{row.get('decided_by') or row.get('method') or 'record linkage'}"
    if row.get("probability") is not None:
        why += f", p={row['probability']:.3f}"
    source = Source("SAME_AS", row.get("link_key") or "")
    return [
        Relation(f"{r.kind} (another record: {why})", r.link if r.link != "self" else "same_as", r.via, r.via_kind,
                 r.address, r.postcode, r.from_date, r.to_date, r.sources + [source])
        for r in relations
    ]


def _walk_network(store: GraphStore, child_id: str, hops: int) -> tuple[dict[str, int], dict[str, list[Relation]]]:
    """Person id -> hop, and person id -> relations to the child, up to ``hops`` hops out.

    Records SAME_AS-linked to a person of the network join at the same hop with the same relation (another
    agency's record of the same person): at hop 0 they are the child.
    """
    hop_of = {child_id: 0}
    relations: dict[str, list[Relation]] = {child_id: [Relation("the child", "self", None, None, None, None, None, None, [])]}

    linked_store = run_query(store, "history_same_as_present").rows[0][0] > 0

    def add_linked(ids: list[str], hop: int) -> list[str]:
        added = []
        if not linked_store:
            return added
        for pid in ids:
            anchor = Person(pid, "", None, None, None, None, None, Source("", ""), hop, relations[pid])
            for other, row in _same_as_closure(store, pid):
                if other in hop_of:
                    continue
                hop_of[other] = hop
                relations[other] = _same_person(row, anchor, relations[pid])
                added.append(other)
        return added

    frontier = [child_id] + add_linked([child_id], 0)
    for hop in range(1, hops + 1):
        if not frontier:
            break
        rows = [row for pid in frontier for row in _run(store, "history_links", pid)]
        found: list[str] = []
        for row in sorted(rows, key=lambda r: (r["person_id"], r["other_id"], r["link"], r["kind"] or "")):
            other = row["other_id"]
            if hop_of.get(other) == 0 or other == row["person_id"]:
                continue
            if hop_of.get(other, hop) < hop and not (row["link"] == "related_to" and hop > 1):
                continue  # already reached closer; only a family tie seen from a further hop adds to what we know
            # A 2-hop link through a person is read from that person's side; 1-hop links directly from the child.
            via = None
            if hop > 1:
                via = Person(row["person_id"], "", None, None, None, None, None, Source("", ""), hop - 1, relations[row["person_id"]])
            rel = _relation_from_link(row, via)
            relations.setdefault(other, [])
            if rel not in relations[other]:
                relations[other].append(rel)
            if other not in hop_of:
                hop_of[other] = hop
                found.append(other)
        frontier = found + add_linked(found, hop)
    return hop_of, relations


def build_chronology(
    store: GraphStore,
    person_id: str,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    hops: int = 1,
    as_of: dt.date | None = None,
    sharing_standards: dict[str, int] | None = None,
    viewer: Viewer | None = None,
) -> Chronology:
    """The chronology of ``person_id`` (a child's person record id) and, with ``hops``, of the people around.

    ``as_of`` means what was recorded by that date: no event, record, link or sharing after it appears, and
    it closes open-ended periods for the gap analysis (default: ``date_to``, else today).
    ``sharing_standards``: days per event kind (``"*"`` for any other) after which a sharing is flagged late.
    ``viewer``: who is looking; restricted records and events they may not see are left out, as if never
    recorded (so no gap or delay is worked out from them), and ``withheld`` says which agency holds them.
    No viewer: the owner of the store, who sees everything.

    >>> from graphcase import open_store
    >>> with open_store("graphcase.db", read_only=True) as store:  # doctest: +SKIP
    ...     chron = build_chronology(store, "gp:TWARD", hops=1, date_to=dt.date(2026, 11, 1))
    """
    if not 0 <= hops <= MAX_HOPS:
        raise HistoryError(f"network hops must be 0, 1 or 2, not {hops}")
    if date_from and date_to and date_from > date_to:
        raise HistoryError(f"--from {date_from} is after --to {date_to}")
    as_of = as_of or date_to or dt.date.today()
    date_to = min(date_to, as_of) if date_to else as_of
    standards = {**DEFAULT_SHARING_STANDARDS, **(sharing_standards or {})}

    found = _run(store, "history_people", person_id)
    if not found:
        raise HistoryError(f"no person with id {person_id!r} in the store")
    hop_of, relations = _walk_network(store, person_id, hops)
    ids = sorted(hop_of)

    people: dict[str, Person] = {}
    for row in (r for pid in ids for r in _run(store, "history_people", pid)):
        pid = row["person_id"]
        people[pid] = Person(
            id=pid, role=row["role"], given_name=row["given_name"], family_name=row["family_name"], dob=row["dob"],
            sex=row["sex"], nhs_number=row["nhs_number"], source=_source(row["source_agency"], row["source_record"]),
            hop=hop_of[pid], relations=relations.get(pid, []),
        )
    for gone in _left_before_birth(people, people[person_id].dob) + _not_yet_linked(people, as_of):
        del people[gone], hop_of[gone]
    ids = sorted(hop_of)

    agencies: dict[str, Agency] = {}

    def agency(aid, name, kind) -> Agency:
        if aid not in agencies:
            agencies[aid] = Agency(aid, name or aid, kind or "other")
        return agencies[aid]

    records = [
        Record(
            person_id=r["person_id"], agency=agency(r["agency_id"], r["agency_name"], r["agency_kind"]),
            record_id=r["record_id"], since=r["since"],
            until=r["until"] if r["until"] and r["until"] <= as_of else None,  # an end after as_of was not known then
            flags=[f for f in ALL_FLAGS if r.get(f)], source=_source(r["source_agency"], r["source_record"]),
        )
        for pid in ids
        for r in _run(store, "history_records", pid)
        if r["since"] is None or r["since"] <= as_of
    ]

    redactor = Redactor.for_viewer(store, viewer)
    withheld = []
    if redactor is not None:
        withheld_facts = [redactor.record_hidden(r.person_id, r.agency.id, r.record_id) for r in records]
        records = [r for r, hidden in zip(records, withheld_facts) if hidden is None]
        withheld = [f for f in withheld_facts if f is not None]

    window = {"from": date_from or EARLIEST, "to": date_to or LATEST}
    events: dict[str, dict] = {}
    for row in (r for pid in ids for r in _run(store, "history_events", pid, **window)):
        hidden = redactor.event_hidden(row["event_id"]) if redactor is not None else None
        if hidden is not None:
            if hidden not in withheld:
                withheld.append(hidden)
            continue
        ev = events.setdefault(row["event_id"], {**row, "people": []})
        ev["people"].append(Concerned(row["person_id"], row["involvement"] or "", _source(row["about_source_agency"], row["about_source_record"])))

    told_by_event: dict[str, list[Told]] = {}
    seen: set[tuple] = set()
    for r in (r for pid in ids for r in _run(store, "history_recipients", pid, **window)):
        key = (r["event_id"], r["agency_id"], r["how"], r["date"], r["source_agency"], r["source_record"])
        if r["date"] is not None and r["date"] > as_of:
            continue  # shared after the as-of date: not known then
        if key not in seen:  # an event about several people of the network comes back once per person
            seen.add(key)
            told_by_event.setdefault(r["event_id"], []).append(
                Told(agency(r["agency_id"], r["agency_name"], r["agency_kind"]), r["how"], r["date"],
                     r["feedback_date"] if r["feedback_date"] and r["feedback_date"] <= as_of else None,
                     _source(r["source_agency"], r["source_record"]),
                     **_outcome_as_of(r, as_of))
            )

    chron = Chronology(person_id, date_from, date_to, hops, as_of, people, agencies, records, [],
                       withheld=Redactor.notices(withheld))
    chron.residence_records = [
        ResidenceRecord(agency(r["agency_id"], r["agency_name"], r["agency_kind"]), r["record_id"], r["address_id"],
                        r["postcode"], r["from_date"], r["to_date"] if r["to_date"] and r["to_date"] <= as_of else None,
                        _source(r["source_agency"], r["source_record"]))
        for r in sorted(_run(store, "history_residence_records", person_id),
                        key=lambda r: (r["from_date"] or EARLIEST, r["agency_id"], r["record_id"]))
        if r["from_date"] is None or r["from_date"] <= as_of
    ]
    for eid, ev in sorted(events.items(), key=lambda kv: (kv[1]["date"], kv[0])):
        recorder = agency(ev["recorded_by"] or ev["source_agency"], ev["recorded_by_name"], ev["recorded_by_kind"])
        told = sorted(told_by_event.get(eid, []), key=lambda t: (t.date or EARLIEST, t.agency.id, t.how))
        involved = chron.involved_on(ev["date"])
        told_ids = {t.agency.id for t in told}
        chron.entries.append(
            Entry(
                event_id=eid, date=ev["date"], kind=ev["kind"], summary=ev["summary"] or "", outcome=ev["outcome"],
                recorded_by=recorder, source=_source(ev["source_agency"], ev["source_record"]),
                people=sorted(ev["people"], key=lambda c: (hop_of.get(c.person_id, 9), c.person_id)),
                told=told, involved=involved,
                not_told=[a for a in involved if a != recorder.id and a not in told_ids],
            )
        )
    _bound_undated_relations(chron)
    for entry in chron.entries:
        standard = standards.get(entry.kind, standards["*"])
        for t in entry.told:
            if t.date is not None:
                t.delay_days = (t.date - entry.date).days
                t.over_standard = standard if t.delay_days > standard else None
        if not chron.concerns_child_on(entry):
            entry.not_told = []  # the network is taken at the event's date: not yet (or no longer) the child's
    return chron


def _outcome_as_of(row: dict, as_of: dt.date) -> dict:
    """A referral's outcome as known at as_of: one decided later was not known then."""
    if not row.get("outcome") or (row.get("outcome_date") and row["outcome_date"] > as_of):
        return {}
    return {"outcome": row["outcome"], "outcome_date": row.get("outcome_date")}


def _not_yet_linked(people: dict[str, Person], as_of: dt.date) -> list[str]:
    """People whose every link to the child began after the as-of date: not known to be around the child then."""
    return sorted(p.id for p in people.values()
                  if p.hop > 0 and p.relations
                  and all(r.link != "self" and r.from_date is not None and r.from_date > as_of for r in p.relations))


def _left_before_birth(people: dict[str, Person], dob: dt.date | None) -> list[str]:
    """People whose every link to the child ended before the child was born: never part of the child's life.

    A lodger who left the address months before the birth is not a household member of the child. A person
    reached only through such a person goes too.
    """
    if dob is None:
        return []
    gone: set[str] = set()
    for hop in (1, 2):
        for person in people.values():
            links = [r for r in person.relations if r.link != "self"]
            if person.hop != hop or not links:
                continue
            if all((r.to_date is not None and r.to_date < dob) or (r.via in gone) for r in links):
                gone.add(person.id)
    return sorted(gone)


def _bound_undated_relations(chron: Chronology) -> None:
    """A link with no start date holds from the earliest fact that shows it, never from before that."""
    for person in chron.people.values():
        for rel in person.relations:
            if rel.from_date is not None or rel.link == "self":
                continue
            shown = [r.from_date for r in person.relations if r.link == "same_address" and r.from_date]
            together = {chron.child_id, rel.via} - {None}
            shown += [e.date for e in chron.entries
                      if any(c.person_id == person.id for c in e.people) and any(c.person_id in together for c in e.people)]
            rel.first_recorded = min(shown) if shown else None
