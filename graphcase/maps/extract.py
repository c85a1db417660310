"""Subgraph extraction for network maps: catalogue queries (``cypher/maps/*.cypher``) into a networkx graph.

Every map is a ``networkx.MultiDiGraph`` whose nodes carry:

- ``kind``: child | adult | address | agency | event (the node kind styles.json shapes);
- ``label``: what the map prints; ``agency_kind``: the agency's kind (agencies, and events: their recorder);
- ``props``: the record's properties; ``sources``: the source agency and record of each fact about the node;
- ``hop`` (ego maps): person links from the ego; ``in_finding``: the node is on a finding's evidence path.

and whose edges (keyed by a unique id) carry ``rel`` (the relationship type, or ``finding`` / ``one_way``),
``label``, ``props`` and ``sources``; finding edges also carry ``pattern``, ``title``, ``explanation`` and
``evidence``. Rendering (pyvis) is :mod:`graphcase.maps.build`; this module only reads the store.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from ..catalogue.findings import has_same_as_links, store_fingerprint
from ..catalogue.queries import CatalogueError, run_query
from ..stores.base import GraphStore

EARLIEST = dt.date(1900, 1, 1)
LATER_FACTS = ("to_date", "until", "feedback_date")  # dates that close or answer something already drawn


class MapError(Exception):
    """A map cannot be drawn as asked (unknown person, bad window)."""


@dataclass(frozen=True)
class Window:
    """The time a map shows.

    ``from_date``..``to_date``: relationships, addresses and agency records must overlap it;
    ``events_from``..``events_to``: events must be dated inside it.
    """

    from_date: dt.date
    to_date: dt.date
    events_from: dt.date
    events_to: dt.date

    @classmethod
    def as_of(cls, day: dt.date) -> Window:
        """The network as it stood on ``day``: current links then, and every event up to then."""
        return cls(day, day, EARLIEST, day)

    @classmethod
    def up_to(cls, day: dt.date) -> Window:
        """State as of ``day`` and every event (or flow) dated up to it: the partnership map's default."""
        return cls(day, day, EARLIEST, day)

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Window:
        """Everything that overlapped ``start``..``end``, and the events dated in it."""
        if start > end:
            raise MapError(f"the window starts ({start}) after it ends ({end})")
        return cls(start, end, start, end)

    def state_params(self) -> dict:
        return {"from_date": self.from_date, "to_date": self.to_date}

    def event_params(self) -> dict:
        return {"events_from": self.events_from, "events_to": self.events_to}

    def as_known(self, row: dict) -> dict:
        """``row`` as it stood at the window's end: an end date or a feedback dated after it was not known
        then, so the map shows the residence, record or relationship as ongoing and the feedback as not given."""
        return {k: None if k in LATER_FACTS and isinstance(v, dt.date) and v > self.to_date else v for k, v in row.items()}

    def describe(self) -> str:
        if self.from_date == self.to_date and self.events_from == EARLIEST:
            return f"as of {self.to_date}"
        return f"{self.from_date} to {self.to_date}"


@dataclass
class MapFinding:
    """A missed-link finding as a map draws it: one edge between two people, with its evidence."""

    pattern: str
    title: str
    explanation: str
    subject_id: str  # usually the child
    other_id: str  # the adult (or other party) the finding links to the subject
    path_nodes: list[str]
    path_rels: list[str]
    evidence: list[str] = field(default_factory=list)  # "agency:record" of each fact on the path
    finding_id: str = ""  # graphcase.findings' stable id
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (node, relationship type, node) on the path


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _props(row: dict, skip: tuple[str, ...] = ()) -> dict:
    return {k: _text(v) for k, v in row.items() if k not in skip and v not in (None, "", False)}


def _rel_key(*parts) -> str:
    """A relationship's key as the loader makes it: its ends and key properties joined by '|'."""
    return "|".join("None" if p is None else str(p) for p in parts)


def _source(row: dict, fact: str) -> dict:
    return {"agency": _text(row.get("source_agency")), "record": _text(row.get("source_record")), "fact": fact}


# --- findings -------------------------------------------------------------------------------------------


def map_findings(store: GraphStore, as_of: dt.date, pattern: str | None = None, viewer=None) -> list[MapFinding]:
    """The missed-link catalogue's findings (:mod:`graphcase.findings`) as map edges.

    A finding names children and other people (adults, or the people a referral was about); each
    (other, child) pair becomes one edge. A finding with no "other" side (a police incident no agency of
    the child heard of) is drawn from the first node of its evidence path (the event) to each child.
    """
    from ..catalogue.findings import run_catalogue

    try:
        run = run_catalogue(store, as_of, patterns=[pattern] if pattern else None, viewer=viewer)
    except CatalogueError as exc:
        raise MapError(str(exc)) from exc
    # In a fixed order, not the engine's row order: the map (edge keys, each node's list of findings) is
    # then the same from either store.
    return [m for f in sorted(run.findings, key=lambda f: (f.pattern, f.id)) for m in as_map_findings(f)]


def as_map_findings(f) -> list[MapFinding]:
    """One catalogue finding (:class:`graphcase.catalogue.findings.Finding`) as map edges: one per (other,
    child) pair, each carrying the whole evidence path (nodes, relationships, steps and source records)."""
    path_nodes: list[str] = []
    path_rels: list[str] = []
    steps: list[tuple[str, str, str]] = []
    evidence: list[str] = []
    for row in f.evidence:
        nodes, rels = list(row.get("path_nodes") or []), list(row.get("path_rels") or [])
        path_nodes.extend(n for n in nodes if n not in path_nodes)
        path_rels.extend(r for r in rels if r not in path_rels)
        steps.extend(s for s in zip(nodes, rels, nodes[1:]) if s not in steps)
        evidence.extend(s for s in (row.get("sources") or []) if s not in evidence)
    first = path_nodes[0] if path_nodes else None
    if f.children and f.others:
        pairs = [(o, c) for o in f.others for c in f.children]
    else:
        ends = f.children or f.others
        pairs = [(first, c) for c in ends if first and first != c]
    return [
        MapFinding(
            pattern=f.pattern, title=f.pattern.replace("_", " "), explanation=f.explanation,
            subject_id=subject, other_id=other, path_nodes=path_nodes, path_rels=path_rels,
            evidence=evidence, finding_id=f.id, steps=steps,
        )
        for other, subject in pairs
    ]
    return drawn


# --- building blocks ------------------------------------------------------------------------------------


class _MapGraph:
    """A MultiDiGraph with helpers that add nodes and edges once, merging sources."""

    def __init__(self, kind: str):
        self.g = nx.MultiDiGraph(map_kind=kind)

    def node(self, node_id: str, kind: str, **attrs) -> None:
        if node_id in self.g:
            data = self.g.nodes[node_id]
            for key, value in attrs.items():
                if key == "sources":
                    data.setdefault("sources", [])
                    data["sources"].extend(s for s in value if s not in data["sources"])
                elif value not in (None, "") and not data.get(key):
                    data[key] = value
            return
        attrs.setdefault("label", node_id)
        attrs.setdefault("props", {})
        attrs.setdefault("sources", [])
        self.g.add_node(node_id, kind=kind, **attrs)

    def describe(self, node_id: str, kind: str, label: str, props: dict, sources: list[dict], **attrs) -> None:
        """Set a node's kind, label and record properties from its own record (a placeholder may exist)."""
        self.node(node_id, kind)
        data = self.g.nodes[node_id]
        data.update(kind=kind, label=label, props=props, **attrs)
        data["sources"] = sources + [s for s in data["sources"] if s not in sources]

    def edge(self, edge_id: str, src: str, dst: str, rel: str, **attrs) -> None:
        """Add a relationship once: the same id between the same two nodes, either way round, is the same
        relationship read again (a SAME_AS link comes back from both of its people)."""
        if self.g.has_edge(src, dst, key=edge_id) or (rel == "SAME_AS" and self.g.has_edge(dst, src, key=edge_id)):
            return
        attrs.setdefault("label", "")
        attrs.setdefault("props", {})
        attrs.setdefault("sources", [])
        self.g.add_edge(src, dst, key=edge_id, rel=rel, **attrs)

    def ids(self, kind: str | tuple[str, ...]) -> list[str]:
        kinds = (kind,) if isinstance(kind, str) else kind
        return sorted(n for n, d in self.g.nodes(data=True) if d["kind"] in kinds)


def _person_label(row: dict) -> str:
    name = f"{row.get('given_name') or ''} {row.get('family_name') or ''}".strip()
    return name or row["id"]


def _fill_people(mg: _MapGraph, store: GraphStore, ids: list[str]) -> None:
    if not ids:
        return
    for row in run_query(store, "map_people", {"ids": ids}).records():
        mg.describe(
            row["id"],
            "child" if row["role"] == "child" else "adult",
            label=_person_label(row),
            props=_props(row, ("source_agency", "source_record")),
            sources=[_source(row, "person record")],
        )


def _fill_addresses(mg: _MapGraph, store: GraphStore, ids: list[str]) -> None:
    if not ids:
        return
    for row in run_query(store, "map_addresses", {"ids": ids}).records():
        mg.describe(
            row["id"],
            "address",
            label=row["postcode"] or row["id"],
            props=_props(row, ("source_agency", "source_record")),
            sources=[_source(row, "address record")],
        )


def _fill_residence_records(mg: _MapGraph, store: GraphStore, address_ids: list[str], window: Window, agencies: dict[str, dict]) -> None:
    """Residents an agency knows only by its own record id: an edge from that agency to the address, labelled
    'a residence known to <agency> (record X)'; no person node is invented for them."""
    if not address_ids:
        return
    for row in _rows_at(store, "map_residence_records", address_ids, window):
        _add_agency(mg, agencies, row["agency_id"])
        name = mg.g.nodes[row["agency_id"]]["label"]
        until = _text(row["to_date"]) or "now"
        label = f"a residence known to {name} (record {row['record_id']})"
        mg.edge(
            f"RESIDENCE_RECORD|{_rel_key(row['agency_id'], row['address_id'], row['record_id'], row['from_date'])}",
            row["agency_id"], row["address_id"], "RESIDENCE_RECORD", label=label,
            props=_props(row, ("agency_id", "address_id", "source_agency", "source_record")),
            sources=[_source(row, f"{label}, {_text(row['from_date'])} to {until}")],
        )


_agency_rows_seen: dict[tuple, dict[str, dict]] = {}
_linked_seen: dict[str, bool] = {}


def _has_same_as(store: GraphStore) -> bool:
    """Whether record linkage wrote any SAME_AS link (asked once per embedded store version): without any,
    the SAME_AS step is skipped, as LadybugDB 0.22 plans a hop over an empty table as a scan of every person."""
    fingerprint = store_fingerprint(store)
    if fingerprint is None:
        return has_same_as_links(store)
    if fingerprint not in _linked_seen:
        _linked_seen[fingerprint] = has_same_as_links(store)
    return _linked_seen[fingerprint]



def agency_rows(store: GraphStore, window: Window) -> dict[str, dict]:
    """Every agency, with how many people it knows in the window: a count over the whole county (a second at
    1M people), so kept per embedded store version and window (a server draws many maps of one store, and
    counts them for its own date at start)."""
    fingerprint = store_fingerprint(store)
    key = (fingerprint, tuple(sorted(window.state_params().items())))
    if fingerprint is not None and key in _agency_rows_seen:
        return _agency_rows_seen[key]
    rows = {r["id"]: r for r in run_query(store, "map_agencies", window.state_params()).records()}
    if fingerprint is not None:
        if len(_agency_rows_seen) >= 32:
            _agency_rows_seen.clear()
        _agency_rows_seen[key] = rows
    return rows


def _add_agency(mg: _MapGraph, agencies: dict[str, dict], agency_id: str) -> None:
    row = agencies.get(agency_id, {"id": agency_id, "name": agency_id, "kind": "other"})
    mg.node(
        agency_id,
        "agency",
        label=row.get("name") or agency_id,
        agency_kind=row.get("kind") or "other",
        props=_props(row, ("source_agency", "source_record")),
        sources=[_source(row, "agency record")] if row.get("source_agency") else [],
    )


def _fill_events(mg: _MapGraph, store: GraphStore, ids: list[str], agencies: dict[str, dict], window: Window) -> None:
    """Event details, the agency that recorded each, the address, and the referrals and shares it made by the
    window's end."""
    if not ids:
        return
    address_ids = []
    for row in run_query(store, "map_events", {"ids": ids}).records():
        recorder = row.get("recorded_by")
        mg.describe(
            row["id"],
            "event",
            label=f"{(row['kind'] or 'event').replace('_', ' ')}\n{_text(row['date'])}",
            agency_kind=agencies.get(recorder, {}).get("kind") if recorder else None,
            props=_props(row, ("source_agency", "source_record")),
            sources=[_source(row, f"{row['kind']} on {_text(row['date'])}")],
        )
        if recorder:
            _add_agency(mg, agencies, recorder)
            mg.edge(f"RECORDED_BY|{row['id']}", row["id"], recorder, "RECORDED_BY", sources=[_source(row, "recorded by")])
        # One event at a time: anchored on one id the hop takes 0.1 ms; from a list of ids LadybugDB 0.22
        # scans the whole OCCURRED_AT table (~40 ms at 1M people), most of an expansion's time.
        for place in run_query(store, "map_event_address", {"event_id": row["id"]}).records():
            address_ids.append(place["address_id"])
            mg.node(place["address_id"], "address")
            mg.edge(f"OCCURRED_AT|{row['id']}", row["id"], place["address_id"], "OCCURRED_AT", sources=[_source(place, "happened at")])
    _fill_addresses(mg, store, sorted(set(address_ids)))
    for row in _made_by_end(run_query(store, "map_referred_to", {"event_ids": ids}).records(), window):
        _add_agency(mg, agencies, row["agency_id"])
        told = f"feedback {_text(row['feedback_date'])}" if row["feedback_date"] else "referrer never told the outcome"
        mg.edge(
            f"REFERRED_TO|{_rel_key(row['event_id'], row['agency_id'], row['kind'])}", row["event_id"], row["agency_id"], "REFERRED_TO",
            label="referred", props=_props(row, ("source_agency", "source_record", "kind")),
            sources=[_source(row, f"referral on {_text(row['date'])}; {told}")],
            no_feedback=row["feedback_date"] is None,
        )
    for row in _made_by_end(run_query(store, "map_shared_with", {"event_ids": ids}).records(), window):
        _add_agency(mg, agencies, row["agency_id"])
        mg.edge(
            f"SHARED_WITH|{_rel_key(row['event_id'], row['agency_id'], row['kind'])}", row["event_id"], row["agency_id"], "SHARED_WITH",
            label="shared", props=_props(row, ("source_agency", "source_record", "kind")),
            sources=[_source(row, f"shared on {_text(row['date'])}")],
        )


def _rows_at(store: GraphStore, name: str, ids: list[str], window: Window) -> list[dict]:
    """The rows of the state query ``name`` (residences, relationships, agency records) for ``ids`` that overlap
    ``window``, as known at its end (:meth:`Window.as_known`): every state row a map draws comes through here."""
    return [window.as_known(r) for r in run_query(store, name, {"ids": ids, **window.state_params()}).records()]


def _made_by_end(rows: list[dict], window: Window) -> list[dict]:
    """The referrals or shares made by the window's end, as known then."""
    return [window.as_known(r) for r in rows if r["date"] is None or r["date"] <= window.events_to]


def _fill_known_to(mg: _MapGraph, store: GraphStore, people: list[str], window: Window, agencies: dict[str, dict]) -> None:
    if not people:
        return
    for row in _rows_at(store, "map_known_to", people, window):
        _add_agency(mg, agencies, row["agency_id"])
        flags = [k for k in ("mappa", "da_perpetrator", "sex_offender", "violence", "cp_plan", "cin", "looked_after") if row.get(k)]
        fact = f"{row['agency_id']} record {row['record_id']} since {_text(row['since'])}"
        if flags:
            fact += f" (flags: {', '.join(flags)})"
        mg.node(row["person_id"], "adult", sources=[_source(row, fact)])
        mg.edge(
            f"KNOWN_TO|{row['person_id']}|{row['agency_id']}|{row['record_id']}", row["person_id"], row["agency_id"], "KNOWN_TO",
            label=", ".join(flags), props=_props(row, ("source_agency", "source_record", "person_id", "agency_id")),
            sources=[_source(row, fact)],
        )


def _add_findings(mg: _MapGraph, findings: list[MapFinding]) -> list[MapFinding]:
    """Draw each finding whose two people are on the map as one prominent edge; mark its path's nodes.

    A finding about someone on the map that has no edge to draw (its other side is off the map, or it has
    none, as cumulative harm) is still listed beside the map: ``graph["findings"]`` holds every finding once,
    with ``drawn`` saying whether it has an edge.
    """
    drawn = []
    listed: dict[str, dict] = {}
    for i, f in enumerate(findings):
        on_map = [n for n in (f.subject_id, f.other_id) if n in mg.g]
        if not on_map:
            continue
        entry = listed.setdefault(f.finding_id or f"{f.pattern}|{i}", {
            "finding_id": f.finding_id, "pattern": f.pattern, "title": f.title, "explanation": f.explanation,
            "subject_id": f.subject_id if f.subject_id in mg.g else on_map[0], "other_id": f.other_id, "drawn": False,
        })
        if f.subject_id not in mg.g or f.other_id not in mg.g or f.subject_id == f.other_id:
            continue
        entry["drawn"] = True
        drawn.append(f)
        for node_id in f.path_nodes:
            if node_id in mg.g:
                mg.g.nodes[node_id]["in_finding"] = True
                explanations = mg.g.nodes[node_id].setdefault("findings", [])
                if f.explanation not in explanations:
                    explanations.append(f.explanation)
        mg.edge(
            f"finding|{f.pattern}|{f.other_id}|{f.subject_id}|{i}", f.other_id, f.subject_id, "finding",
            label=f.title, pattern=f.pattern, finding_id=f.finding_id, title=f.title, explanation=f.explanation,
            evidence=list(f.evidence), path=" -> ".join(f.path_nodes), path_rels=" , ".join(f.path_rels),
            sources=[{"agency": e.split(":", 1)[0], "record": e.split(":", 1)[-1], "fact": "evidence"} for e in f.evidence],
        )
    mg.g.graph["findings"] = list(listed.values())
    return drawn


# --- the three maps -------------------------------------------------------------------------------------


def ego_graph(
    store: GraphStore,
    person_id: str,
    *,
    hops: int = 2,
    window: Window,
    findings: list[MapFinding] | None = None,
    viewer=None,
) -> nx.MultiDiGraph:
    """The network around one person: people within ``hops`` person-to-person links, and what links them.

    A person-to-person link is a recorded relationship, a SAME_AS link, a shared address or a shared event,
    all inside ``window``. Addresses, events and the agencies that know each person are added around them.
    ``findings`` (default: :func:`map_findings` as of the window's end, touching the person) are drawn
    when both of their people are on the map. ``viewer``: restricted records they may not see become bare
    placeholders naming the agency to ask (:meth:`graphcase.catalogue.restrictions.Redactor.redact_graph`).
    """
    if hops < 0:
        raise MapError(f"--hops must be 0 or more, not {hops}")
    if not run_query(store, "map_people", {"ids": [person_id]}).rows:
        raise MapError(f"no person with id {person_id!r} in the store")
    mg = _MapGraph("ego")
    mg.g.graph.update(ego=person_id, hops=hops, window=window.describe())
    hop_of = {person_id: 0}
    frontier = [person_id]
    events: set[str] = set()
    for hop in range(1, hops + 1):
        if not frontier:
            break
        found: set[str] = set()
        for row in _rows_at(store, "map_related", frontier, window):
            src, dst = (row["person_id"], row["other_id"]) if row["direction"] == "out" else (row["other_id"], row["person_id"])
            mg.node(src, "adult")
            mg.node(dst, "adult")
            mg.edge(
                f"RELATED_TO|{_rel_key(src, dst, row['kind'])}", src, dst, "RELATED_TO", label=row["kind"] or "",
                props=_props(row, ("person_id", "other_id", "direction", "source_agency", "source_record")),
                sources=[_source(row, f"{row['kind']} since {_text(row['from_date'])}")],
            )
            found.add(row["other_id"])
        for row in run_query(store, "map_same_as", {"ids": frontier}).records() if _has_same_as(store) else ():
            mg.node(row["person_id"], "adult")
            mg.node(row["other_id"], "adult")
            mg.edge(
                f"SAME_AS|{row['rel_key']}", row["person_id"], row["other_id"], "SAME_AS",
                label=f"same person p={row['probability']}" if row["probability"] is not None else "same person",
                props=_props(row, ("person_id", "other_id", "rel_key")),
                sources=[{"agency": "record linkage", "record": _text(row["rel_key"]), "fact": _text(row["explanation"])}],
            )
            found.add(row["other_id"])
        for row in _rows_at(store, "map_residences", frontier, window):
            mg.node(row["person_id"], "adult")
            mg.node(row["address_id"], "address")
            until = _text(row["to_date"]) or "now"
            mg.edge(
                f"LIVES_AT|{_rel_key(row['person_id'], row['address_id'], row['from_date'])}", row["person_id"], row["address_id"], "LIVES_AT",
                props=_props(row, ("person_id", "address_id", "source_agency", "source_record")),
                sources=[_source(row, f"lived at {row['address_id']} {_text(row['from_date'])} to {until}")],
            )
            found.add(row["person_id"])
        for row in run_query(store, "map_event_people", {"ids": frontier, **window.event_params()}).records():
            mg.node(row["person_id"], "adult")
            mg.node(row["event_id"], "event")
            events.add(row["event_id"])
            mg.edge(
                f"ABOUT|{_rel_key(row['event_id'], row['person_id'])}", row["event_id"], row["person_id"], "ABOUT", label=row["involvement"] or "",
                props=_props(row, ("event_id", "person_id", "source_agency", "source_record")),
                sources=[_source(row, f"{row['involvement']} in {row['event_id']}")],
            )
            found.add(row["person_id"])
        frontier = sorted(p for p in found if p not in hop_of)
        for p in frontier:
            hop_of[p] = hop
    mg.node(person_id, "adult")
    people = sorted(hop_of)
    _fill_people(mg, store, people)
    for p, hop in hop_of.items():
        mg.g.nodes[p]["hop"] = hop
    mg.g.nodes[person_id]["ego"] = True
    agencies = agency_rows(store, window)
    _fill_addresses(mg, store, mg.ids("address"))
    _fill_residence_records(mg, store, mg.ids("address"), window, agencies)
    _fill_known_to(mg, store, people, window, agencies)
    _fill_events(mg, store, sorted(events), agencies, window)
    if findings is None:
        findings = map_findings(store, window.to_date, viewer=viewer)
        findings = [f for f in findings if f.subject_id in hop_of or f.other_id in hop_of]
    _add_findings(mg, findings)
    return _redacted(store, mg.g, viewer)


def _redacted(store: GraphStore, g: nx.MultiDiGraph, viewer) -> nx.MultiDiGraph:
    from ..catalogue.restrictions import Redactor

    redactor = Redactor.for_viewer(store, viewer)
    return g if redactor is None else redactor.redact_graph(g)


# Which end of each relationship type is its start: orients a finding's path steps.
REL_ENDS = {
    "LIVES_AT": ("person", "address"), "KNOWN_TO": ("person", "agency"), "ABOUT": ("event", "person"),
    "RECORDED_BY": ("event", "agency"), "OCCURRED_AT": ("event", "address"), "REFERRED_TO": ("event", "agency"),
    "SHARED_WITH": ("event", "agency"), "RELATED_TO": ("person", "person"), "SAME_AS": ("person", "person"),
    "RESIDENCE_RECORD": ("agency", "address"),
}


def _coarse_kind(kind: str) -> str:
    return "person" if kind in ("child", "adult") else kind


# A findings map draws at most this many findings: a county's tens of thousands would be one hairball.
FINDINGS_MAP_LIMIT = 150


def _finding_key(f: MapFinding, i: int) -> str:
    return f.finding_id or f"{f.pattern}|{f.subject_id}|{f.other_id}|{i}"


def most_findings_first(findings: list[MapFinding], limit: int) -> tuple[list[MapFinding], dict]:
    """The findings about the children with the most findings, up to ``limit`` findings, and what was left out.

    A finding drawn for several people (one edge each) counts once and keeps all its edges. Children are
    taken in order of how many findings are about them (then by id, so the choice is stable); each child's
    findings come whole while there is room, so a child on the map shows every reason found about them.
    """
    by_child: dict[str, list[tuple[str, MapFinding]]] = {}
    for i, f in enumerate(findings):
        by_child.setdefault(f.subject_id, []).append((_finding_key(f, i), f))
    per_child = {c: len({k for k, _ in rows}) for c, rows in by_child.items()}
    total = len({_finding_key(f, i) for i, f in enumerate(findings)})
    kept_keys: set[str] = set()
    children = 0
    for child in sorted(by_child, key=lambda c: (-per_child[c], c)):
        new = {k for k, _ in by_child[child]} - kept_keys
        if not new:
            continue
        if len(kept_keys) + len(new) > limit:
            if kept_keys:
                continue  # this child's findings do not fit whole; a child with fewer may
            new = set(list(dict.fromkeys(k for k, _ in by_child[child]))[:limit])  # one child with more than the limit
        kept_keys |= new
        children += 1
        if len(kept_keys) >= limit:
            break
    kept = [f for i, f in enumerate(findings) if _finding_key(f, i) in kept_keys]
    return kept, {"shown": len(kept_keys), "total": total, "children_shown": children, "children_total": len(by_child)}


def findings_graph(
    store: GraphStore, *, as_of: dt.date, pattern: str | None = None, findings: list[MapFinding] | None = None,
    viewer=None, limit: int | None = FINDINGS_MAP_LIMIT,
) -> nx.MultiDiGraph:
    """Every finding (or one pattern's) as a map: each evidence path, the agencies, and the finding edges.

    ``findings``: already computed by :func:`map_findings` (the catalogue is then not run again).
    ``limit``: draw at most this many findings (:func:`most_findings_first`; ``None``: all); the graph's
    ``cap`` says how many there were, for the page's "showing N of M" banner.
    """
    found = map_findings(store, as_of, pattern=pattern, viewer=viewer) if findings is None else [f for f in findings if not pattern or f.pattern == pattern]
    cap = None
    if limit is not None and limit < 1:
        raise MapError(f"--limit must be 1 or more, not {limit}")
    if limit is not None and len(found) > limit:
        found, cap = most_findings_first(found, limit)
        if cap["shown"] == cap["total"]:
            cap = None
    mg = _MapGraph("findings")
    mg.g.graph.update(pattern=pattern or "all", window=f"as of {as_of}", cap=cap)
    window = Window.as_of(as_of)
    ids = sorted({n for f in found for n in (*f.path_nodes, f.subject_id, f.other_id)})
    agencies = agency_rows(store, window)
    _fill_people(mg, store, ids)
    _fill_addresses(mg, store, ids)
    _fill_events(mg, store, ids, agencies, window)
    for agency_id in ids:
        if agency_id in agencies:
            _add_agency(mg, agencies, agency_id)
    people = mg.ids(("child", "adult"))
    for f in found:
        for a, rel, b in f.steps:
            if a not in mg.g or b not in mg.g:
                continue
            start_kind = REL_ENDS.get(rel, ("person", "person"))[0]
            src, dst = (a, b) if _coarse_kind(mg.g.nodes[a]["kind"]) == start_kind else (b, a)
            if any(d["rel"] == rel for d in (mg.g.get_edge_data(src, dst) or {}).values()):
                continue  # already drawn with its source record (an event's recorder, address, referral)
            mg.edge(f"{rel}|{src}|{dst}", src, dst, rel, label=rel.lower().replace("_", " ") if rel == "RELATED_TO" else "")
    _fill_known_to(mg, store, people, window, agencies)
    _add_findings(mg, found)
    _attach_link_sources(mg, store, people, window)
    return _redacted(store, mg.g, viewer)


def _attach_link_sources(mg: _MapGraph, store: GraphStore, people: list[str], window: Window) -> None:
    """Give the findings map's path edges (LIVES_AT, RELATED_TO) their properties and source records."""
    if not people:
        return
    for row in _rows_at(store, "map_residences", people, window):
        key = f"LIVES_AT|{row['person_id']}|{row['address_id']}"
        if mg.g.has_edge(row["person_id"], row["address_id"], key=key):
            data = mg.g.edges[row["person_id"], row["address_id"], key]
            data["sources"].append(_source(row, f"lived at {row['address_id']} from {_text(row['from_date'])}"))
            data["props"] = _props(row, ("person_id", "address_id", "source_agency", "source_record"))
    for row in _rows_at(store, "map_related", people, window):
        src, dst = (row["person_id"], row["other_id"]) if row["direction"] == "out" else (row["other_id"], row["person_id"])
        for a, b in ((src, dst), (dst, src)):
            key = f"RELATED_TO|{a}|{b}"
            if mg.g.has_edge(a, b, key=key) and not mg.g.edges[a, b, key]["sources"]:
                data = mg.g.edges[a, b, key]
                data["sources"].append(_source(row, f"{row['kind']} since {_text(row['from_date'])}"))
                data["label"] = row["kind"] or ""
                data["props"] = _props(row, ("person_id", "other_id", "direction", "source_agency", "source_record"))


def _median_days(pairs: list[tuple]) -> float | None:
    days = [(b - a).days for a, b in pairs if a is not None and b is not None]
    return float(statistics.median(days)) if days else None


def _flow_figures(rows: list[dict], date_key: str) -> dict:
    """Figures of one flow (referrals or shares between two agencies): counts, feedback rate, median days
    from the event to the referral or share, and the count in each month."""
    n = len(rows)
    figures = {"count": n, "median_days": _median_days([(r["event_date"], r[date_key]) for r in rows]),
               "months": dict(sorted(Counter(_text(r[date_key])[:7] for r in rows if r[date_key]).items()))}
    if date_key == "referral_date":
        fed_back = sum(1 for r in rows if r["feedback_date"] is not None)
        figures.update(fed_back=fed_back, without_feedback=n - fed_back, feedback_rate=round(fed_back / n, 3) if n else None)
    return figures


def _months_of(window: Window, first_dated: str | None) -> list[str]:
    """Every month of the window ("YYYY-MM"), from its start (or the first flow's month, when it has none) to its end."""
    first = window.events_from if window.events_from != EARLIEST else (
        dt.date.fromisoformat(first_dated + "-01") if first_dated else window.events_to)
    months, year, month = [], first.year, first.month
    while (year, month) <= (window.events_to.year, window.events_to.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _period_figures(flows: dict[tuple[str, str, str], list[dict]], window: Window) -> dict:
    """The whole partnership's figures over the window and in each month of it, from the same rows and by the
    same rule (:func:`_flow_figures`) as each flow's: ``totals`` and ``by_month`` (every month, empty ones too)."""
    rows = {"referral": [], "shared": []}
    by_month: dict[str, dict[str, list[dict]]] = {}
    for (flow, _, _), flow_rows in flows.items():
        key = "referral_date" if flow == "referral" else "shared_date"
        rows[flow].extend(flow_rows)
        for r in flow_rows:
            by_month.setdefault(_text(r[key])[:7], {"referral": [], "shared": []})[flow].append(r)
    empty = {"referral": [], "shared": []}
    months = [{"month": m, "referrals": _flow_figures(by_month.get(m, empty)["referral"], "referral_date"),
               "shared": _flow_figures(by_month.get(m, empty)["shared"], "shared_date")}
              for m in _months_of(window, min(by_month, default=None))]
    totals = {"referrals": _flow_figures(rows["referral"], "referral_date"), "shared": _flow_figures(rows["shared"], "shared_date")}
    return {"totals": totals, "by_month": months}


def _days_text(days: float | None) -> str:
    return "n/a" if days is None else f"{days:g} day{'s' * (days != 1)}"


def partnership_graph(store: GraphStore, *, window: Window) -> nx.MultiDiGraph:
    """Agencies as nodes sized by the people each knows; referral and sharing flows between them with their
    figures (count, feedback rate, median days from event to referral or share, count by month).

    "Never told" means something precise here: the agency worked with a child in a household where another
    agency held a risk (probation supervision; MAPPA, violence, domestic-abuse perpetrator or sexual-offence flag) about an adult of that
    household and never referred or shared anything about that adult with it (``partnership_unshared_risk``).
    """
    mg = _MapGraph("partnership")
    mg.g.graph.update(window=window.describe())
    params = {"from_date": window.events_from, "to_date": window.events_to}  # flows dated in the window
    agencies = agency_rows(store, window)
    for agency_id in agencies:
        _add_agency(mg, agencies, agency_id)
        mg.g.nodes[agency_id]["people_known"] = int(agencies[agency_id]["people_known"] or 0)
    flows: dict[tuple[str, str, str], list[dict]] = {}
    for row in run_query(store, "partnership_referrals", params).records():
        flows.setdefault(("referral", row["from_agency"], row["to_agency"]), []).append(row)
    for row in run_query(store, "partnership_shared", params).records():
        flows.setdefault(("shared", row["from_agency"], row["to_agency"]), []).append(row)
    for (flow, src, dst), rows in sorted(flows.items()):
        for agency_id in (src, dst):
            if agency_id not in mg.g:
                _add_agency(mg, agencies, agency_id)
        if flow == "referral":
            f = _flow_figures(rows, "referral_date")
            n, missing = f["count"], f["without_feedback"]
            props = {"referrals": str(n), "fed back": f"{f['fed_back']} of {n} ({round(100 * f['feedback_rate'])}%)",
                     "median days from event to referral": _days_text(f["median_days"])}
            mg.edge(
                f"REFERRED_TO|{src}|{dst}", src, dst, "one_way" if missing else "REFERRED_TO",
                label=f"{n} referral{'s' * (n != 1)}, {round(100 * f['feedback_rate'])}% fed back",
                weight=n, props=props, figures=f, flow="referral", one_way=missing > 0,
                sources=[{"agency": src, "record": f"{n} referral(s)", "fact": f"{_text(rows[0]['referral_date'])} to {_text(rows[-1]['referral_date'])}"}],
            )
        else:
            f = _flow_figures(rows, "shared_date")
            n = f["count"]
            mg.edge(
                f"SHARED_WITH|{src}|{dst}", src, dst, "SHARED_WITH", label=f"{n} shared",
                weight=n, props={"shares": str(n), "median days from event to sharing": _days_text(f["median_days"])},
                figures=f, flow="shared",
                sources=[{"agency": src, "record": f"{n} share(s)", "fact": f"{_text(rows[0]['shared_date'])} to {_text(rows[-1]['shared_date'])}"}],
            )
    mg.g.graph.update(_period_figures(flows, window))
    risks: dict[str, dict[tuple[str, str], bool]] = {}
    # Records and addresses overlapping the window; "up to a day" means the whole time up to it, like the flows.
    risk_window = window.state_params() if window.from_date != window.to_date else params
    for row in run_query(store, "partnership_unshared_risk", risk_window).records():
        told = risks.setdefault(row["agency_id"], {})
        key = (row["holder_id"], row["adult_id"])
        told[key] = told.get(key, False) or bool(row["told"])
    for agency_id, told in risks.items():
        if agency_id not in mg.g:
            continue
        data = mg.g.nodes[agency_id]
        data["risks_in_its_households"] = len(told)
        data["risks_not_shared"] = sum(1 for v in told.values() if not v)
        data["never_told"] = data["risks_not_shared"] > 0
        data["risk_holders_not_sharing"] = sorted({h for (h, _), v in told.items() if not v})
        data["props"].update({"risks held elsewhere about adults in its children's households": str(len(told)),
                              "of which never shared with it": str(data["risks_not_shared"])})
    received = {dst for _, dst in mg.g.edges()}
    for node_id, data in mg.g.nodes(data=True):
        data["receives_nothing"] = node_id not in received
    return mg.g
