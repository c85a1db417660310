"""Restricted records where results leave graphcase: which facts of a store a viewer may not see, and the
same facts withheld from findings, query rows and maps. The rule itself is :mod:`graphcase.model.restrictions`.

Every output path asks :meth:`Redactor.for_viewer` once; ``None`` back means nothing to withhold (the owner of
the store, or no restricted record the viewer lacks permission for), so unrestricted stores pay one query.
A result mentions a restricted fact when one of its values is the fact's event id, record id or source
record (alone or as ``agency:record``); such a result is withheld whole and the placeholder, naming the
agency to ask, stands in its place. Withholding a whole evidence row errs towards hiding the neighbours of
a restricted fact too, never towards showing it.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace

from ..model.restrictions import Viewer, may_see, placeholder
from ..stores.base import GraphStore, StoreError

RESTRICTED_EVENTS = (
    "MATCH (e:Event) WHERE e.restricted IS NOT NULL "
    "OPTIONAL MATCH (h:Agency {id: e.source_agency}) "
    "RETURN e.id AS id, e.source_agency AS holder, h.name AS holder_name, e.restricted AS restricted, "
    "e.visible_to AS visible_to, e.source_record AS source_record"
)
RESTRICTED_RECORDS = (
    "MATCH (p:Person)-[k:KNOWN_TO]->(a:Agency) WHERE k.restricted IS NOT NULL "
    "OPTIONAL MATCH (h:Agency {id: k.source_agency}) "
    "RETURN p.id AS person_id, a.id AS agency_id, k.record_id AS record_id, k.source_agency AS holder, "
    "h.name AS holder_name, k.restricted AS restricted, k.visible_to AS visible_to, k.source_record AS source_record"
)
WITHHELD = "[restricted]"


@dataclass(frozen=True)
class Fact:
    """One restricted event or agency record."""

    kind: str  # event | record
    key: tuple  # event: (id,); record: (person_id, agency_id, record_id)
    holder: str
    holder_name: str
    tokens: frozenset[str]  # the values that name it in a result

    @property
    def notice(self) -> str:
        return placeholder(self.holder_name)


def restricted_facts(store: GraphStore) -> list[tuple[Fact, str | None, str | None]]:
    """Every restricted fact of the store with its ``restricted`` and ``visible_to`` values.

    A store made before restricted records existed has no such column; it holds none of them. A read-only
    embedded store reads one snapshot of its file for as long as it is open (a load swaps in a new file),
    so its facts are read once: the look-up scans every event and agency record (22 ms at 100,000 people,
    benchmarks/restricted_cost.py), which ``graphcase serve`` would otherwise pay on every page."""
    snapshot = store.dialect == "ladybug" and getattr(store, "read_only", False)
    if snapshot and getattr(store, "_restricted_facts", None) is not None:
        return store._restricted_facts
    out = _read_facts(store)
    if snapshot:
        store._restricted_facts = out
    return out


def _read_facts(store: GraphStore) -> list[tuple[Fact, str | None, str | None]]:
    out = []
    try:
        events = store.query(RESTRICTED_EVENTS).records()
        records = store.query(RESTRICTED_RECORDS).records()
    except StoreError as exc:
        if "restricted" in str(exc).lower() or "cannot find property" in str(exc).lower():
            return []
        raise
    for r in events:
        tokens = frozenset(t for t in (r["id"], r["source_record"]) if t)
        fact = Fact("event", (r["id"],), r["holder"], r["holder_name"] or r["holder"], tokens)
        out.append((fact, r["restricted"], r["visible_to"]))
    for r in records:
        tokens = frozenset(t for t in (r["record_id"], r["source_record"]) if t)
        fact = Fact("record", (r["person_id"], r["agency_id"], r["record_id"]), r["holder"], r["holder_name"] or r["holder"], tokens)
        out.append((fact, r["restricted"], r["visible_to"]))
    return out


def opaque_id(value: str) -> str:
    """A stand-in for a withheld event's id (a map needs some id; the real one may itself say too much)."""
    return "restricted-" + hashlib.sha1(value.encode()).hexdigest()[:10]


@dataclass
class Redactor:
    """The restricted facts one viewer may not see, and how to withhold them from each kind of result."""

    viewer: Viewer
    hidden: list[Fact]
    _by_token: dict[str, Fact] = field(default_factory=dict)
    _by_key: dict[tuple, Fact] = field(default_factory=dict)

    def __post_init__(self):
        for fact in self.hidden:
            self._by_key[(fact.kind, *fact.key)] = fact
            for token in fact.tokens:
                self._by_token[token] = fact

    @classmethod
    def for_viewer(cls, store: GraphStore, viewer: Viewer | None) -> Redactor | None:
        if viewer is None:
            return None
        hidden = [fact for fact, restricted, visible_to in restricted_facts(store)
                  if not may_see(viewer, fact.holder, restricted, visible_to)]
        return cls(viewer, hidden) if hidden else None

    # -- single facts ------------------------------------------------------------------------------------
    def event_hidden(self, event_id: str) -> Fact | None:
        return self._by_key.get(("event", event_id))

    def record_hidden(self, person_id: str, agency_id: str, record_id: str) -> Fact | None:
        return self._by_key.get(("record", person_id, agency_id, record_id))

    def mentioned(self, value) -> list[Fact]:
        """The hidden facts a value (a string, or lists and dicts of them) names."""
        found: list[Fact] = []
        stack = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, str):
                fact = self._by_token.get(v) or (self._by_token.get(v.split(":", 1)[1]) if ":" in v else None)
                if fact is not None and fact not in found:
                    found.append(fact)
            elif isinstance(v, dict):
                stack.extend(v.values())
            elif isinstance(v, (list, tuple, set, frozenset)):
                stack.extend(v)
        return found

    @staticmethod
    def notices(facts: list[Fact]) -> list[str]:
        """One placeholder per holding agency, counting its withheld records."""
        counts = Counter(f.holder_name for f in facts)
        return [placeholder(name, n) for name, n in sorted(counts.items())]

    # -- findings (leads and their evidence) -------------------------------------------------------------
    def redact_finding(self, finding):
        """The finding as this viewer may read it: unchanged unless its evidence names a hidden fact; then
        its explanation and each evidence row naming one become the placeholder (the lead itself, its people
        and its other evidence stay: a lead matters even when part of it is sealed)."""
        facts = self.mentioned([finding.evidence, finding.key])
        if not facts:
            return finding
        evidence = []
        for row in finding.evidence:
            named = self.mentioned(row)
            evidence.append({"restricted": True, "notice": " ".join(self.notices(named))} if named else row)
        key = {k: (WITHHELD if self.mentioned(v) else v) for k, v in finding.key.items()}
        explanation = "This lead rests in part on restricted records, withheld here. " + " ".join(self.notices(facts))
        return replace(finding, key=key, explanation=explanation, evidence=evidence, lead=None)

    def redact_run(self, run):
        """A CatalogueRun with every finding redacted, and its leads regrouped from them."""
        findings = [self.redact_finding(f) for f in run.findings]
        if all(a is b for a, b in zip(findings, run.findings)):
            return run
        return replace(run, findings=findings, leads=[])

    # -- query rows ----------------------------------------------------------------------------------------
    def redact_rows(self, columns: list[str], rows: list[list]) -> list[list]:
        """Rows of a catalogue query: a row naming a hidden fact keeps only its people (person ids are not
        restricted), says whom to ask in its first other column and ``[restricted]`` in the rest."""
        out = []
        for row in rows:
            named = self.mentioned(list(row))
            if not named:
                out.append(row)
                continue
            notice = " ".join(self.notices(named))
            cells = [v if self._is_person_column(c) and not self.mentioned(v) else WITHHELD for c, v in zip(columns, row)]
            first = next((i for i, cell in enumerate(cells) if cell == WITHHELD), None)
            if first is not None:
                cells[first] = notice
            out.append(cells)
        return out

    @staticmethod
    def _is_person_column(column: str) -> bool:
        name = column.lower().rsplit(".", 1)[-1]
        return name in ("person_id", "child_id", "adult_id", "child", "adult")

    # -- maps --------------------------------------------------------------------------------------------
    def redact_graph(self, g):
        """A map (networkx MultiDiGraph, see graphcase.maps.extract) with hidden events as bare placeholder
        nodes under an opaque id, hidden agency records as bare edges, and every source, label, property or
        evidence naming a hidden fact replaced by the placeholder."""
        import networkx as nx

        rename = {}
        for node in g.nodes:
            fact = self.event_hidden(node) if isinstance(node, str) else None
            if fact is not None:
                rename[node] = opaque_id(node)
        out = nx.MultiDiGraph(**copy.deepcopy(g.graph))
        for node, data in g.nodes(data=True):
            fact = self.event_hidden(node) if node in rename else None
            if fact is not None:
                out.add_node(rename[node], kind="event", label="restricted record", props={"restricted": fact.notice},
                             sources=[{"agency": fact.holder, "record": "", "fact": fact.notice}], restricted=True)
                continue
            data = copy.deepcopy(data)
            data["sources"] = self._sources(data.get("sources", []))
            if "findings" in data:
                data["findings"] = [self._text(x) for x in data["findings"]]
            out.add_node(node, **data)
        for src, dst, key, data in g.edges(keys=True, data=True):
            hidden_end = rename.get(src) or rename.get(dst)
            if hidden_end and data.get("rel") not in ("ABOUT", "RECORDED_BY"):
                continue  # where it happened, whom it was shared with: content of the record
            data = copy.deepcopy(data)
            fact = None
            if data.get("rel") == "KNOWN_TO":
                fact = self._by_key.get(("record", *key.split("|")[1:]))
            if hidden_end or fact is not None:
                fact = fact or self.event_hidden(src if src in rename else dst)
                data.update(label="restricted", props={}, sources=[{"agency": fact.holder, "record": "", "fact": fact.notice}],
                            restricted=True)
                key = opaque_id(key)
            else:
                data["sources"] = self._sources(data.get("sources", []))
                if "evidence" in data:
                    data["evidence"] = [WITHHELD if self.mentioned(e) else e for e in data["evidence"]]
                for text_key in ("explanation", "path"):
                    if text_key in data:
                        data[text_key] = self._text(data[text_key])
            out.add_edge(rename.get(src, src), rename.get(dst, dst), key=key, **data)
        out.remove_nodes_from([n for n, d in list(out.nodes(data=True)) if d.get("kind") == "address" and out.degree(n) == 0])
        out.graph["findings"] = [
            {**f, "explanation": self._text(f.get("explanation", "")), "other_id": rename.get(f.get("other_id"), f.get("other_id")),
             "subject_id": rename.get(f.get("subject_id"), f.get("subject_id"))}
            for f in out.graph.get("findings", [])
        ]
        return out

    def _sources(self, sources: list[dict]) -> list[dict]:
        out = []
        for s in sources:
            named = self.mentioned([s.get("record", ""), f"{s.get('agency', '')}:{s.get('record', '')}"]) or self.mentioned(s.get("fact", "").split())
            if named:
                s = {"agency": named[0].holder, "record": "", "fact": named[0].notice}
            if s not in out:
                out.append(s)
        return out

    def _text(self, text: str) -> str:
        """Free text with every word naming a hidden fact replaced (explanations name records and events)."""
        if not isinstance(text, str):
            return text
        words = text.split(" ")
        return " ".join(WITHHELD if self.mentioned(w.strip(".,;:()[]")) else w for w in words)


__all__ = ["Fact", "Redactor", "WITHHELD", "opaque_id", "restricted_facts"]
