"""The missed-link catalogue as findings: run the pattern queries, group rows into explained Finding objects.

Each pattern is a catalogue query in ``cypher/links/`` returning one row per piece of evidence; rows with the
same key (for example ``(child_id, adult_id)``) are one :class:`Finding`, whose id is a stable hash of the
pattern and key, so the same lead keeps its id across runs and as_of dates. ``risks_outside_home`` rows are
edges of a child-connector graph that networkx clusters here.

>>> from graphcase import open_store
>>> with open_store("graphcase.db", read_only=True) as store:  # doctest: +SKIP
...     findings = run_catalogue(store, as_of=datetime.date(2026, 11, 1))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from .queries import CatalogueError, get_query, to_jsonable
from .dialect import without_linkage
from . import same_person, wording
from .leads import Lead, finding_id, group_leads
from .. import audit
from ..files import atomic_write_bytes, atomic_write_text
from ..stores.base import GraphStore


@dataclass
class Finding:
    id: str
    pattern: str
    key: dict
    children: list[str]
    others: list[str]
    explanation: str
    evidence: list[dict] = field(default_factory=list)  # one per query row: path, sources, facts
    linkage: list[dict] = field(default_factory=list)  # SAME_AS links the finding relies on, with probability
    key_records: dict = field(default_factory=dict)  # key column -> every record of that person's SAME_AS cluster
    lead: str | None = None  # the lead this finding is a reason of (graphcase.catalogue.leads)

    def as_dict(self) -> dict:
        # to_jsonable copies every list and dict, so dataclasses.asdict's deep copy before it was paid twice
        # (2.3 s of a cached 1M sweep's 6,612 findings, written to the sweep cache and the findings file)
        return to_jsonable({f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def people(self) -> set[str]:
        return set(self.children) | set(self.others)

    def touches(self, ids: set[str]) -> bool:
        return not self.touched_ids().isdisjoint(ids)

    def touched_ids(self) -> set[str]:
        """Every person (and address or event) the finding is about: its people and its evidence paths."""
        return self.people.union(*(ev.get("path_nodes") or () for ev in self.evidence))


# ---- plain-English explanations, one per pattern, from the rows of one finding ------------------------
# Names come from wording.current (set while a pattern's findings are grouped): people and agencies by name.

def _day(d) -> str:
    return wording.long_date(d)


def _naming() -> wording.Naming:
    return wording.current.get()


def _pronoun(record_id, default="them") -> str:
    person = _naming().person(record_id)
    sex = (person.sex or "").lower() if person else ""
    return {"male": "him", "female": "her"}.get(sex, default)


RELATION_WORDS = {"step_parent": "step-parent", "frequent_visitor": "frequent visitor", "household_member": "household member"}


def _link_phrase(rows) -> str:
    """How the adult is connected to the child, each connection once and each date once: 'has been the
    partner of Kerry Ward, Tyler's mother, since October 2024, and has lived at Tyler's address (NS1 4AB)
    since March 2025'."""
    seen, roles, homes = set(), [], []
    for r in sorted(rows, key=lambda r: (r["link"], str(r["link_detail"]))):
        if (r["link"], r["link_detail"]) in seen:
            continue
        seen.add((r["link"], r["link_detail"]))
        child = wording.first_name(r["child_name"])
        if r["link"] == "same_address":
            homes.append((f"{child}'s address ({r['link_detail']})", r.get("link_since")))
        elif r["link"] == "partner_of_parent":
            parent, kind = wording.parent_in_detail(r["link_detail"])
            roles.append((f"the partner of {wording.parent_words(_naming().person(parent), kind, child)},", r.get("link_since")))
        elif r["link"] == "household_member":
            roles.append((f"a member of {child}'s household", r.get("link_since")))
        else:
            roles.append((f"{child}'s {RELATION_WORDS.get(r['link_detail'], r['link_detail'].replace('_', ' '))}", r.get("link_since")))
    roles.sort(key=lambda role: role[0].startswith("the partner of"))  # its apposition last: "..., Tyler's mother"
    dates = {d for _, d in roles + homes}
    if len(dates) == 1:  # one date for every connection: said once, at the end
        role_text = wording.and_list([w.rstrip(",") for w, _ in roles]) + ("," if roles and roles[-1][0].endswith(",") else "")
        verbs = ([f"has been {role_text}"] if roles else []) + ([f"has lived at {wording.and_list([w for w, _ in homes])}"] if homes else [])
        return f"{wording.and_list(verbs).rstrip(',')} since {wording.month(dates.pop())}"
    role_text = wording.and_list([f"{w} since {wording.month(d)}" for w, d in roles])
    home_text = wording.and_list([f"{w} since {wording.month(d)}" for w, d in homes])
    return wording.and_list(([f"has been {role_text}"] if roles else []) + ([f"has lived at {home_text}"] if homes else []))


def _known_phrase(rows, agency="risk_agency", since="risk_since", with_flags=True) -> tuple[str, str]:
    """(', known to Northshire Police since June 2019 and Probation Service (Northshire) since February
    2025, recorded as violent and a domestic-abuse perpetrator', the sentences for records known only through
    record linkage: ' Probation has known him since January 2025 as Dan Hill, born 2 March 1988 (...).')."""
    naming, seen, own, linked = _naming(), set(), [], []
    for r in sorted(rows, key=lambda r: (str(r[since]), r[agency])):
        marker = (r[agency], r.get("risk_record", r.get("known_record")))
        if marker in seen:
            continue
        seen.add(marker)
        (linked if r.get("linkage_probability") is not None else own).append(r)
    linked = [r for r in linked if r[agency] not in {o[agency] for o in own}]
    text = wording.and_list([f"{naming.agency(r[agency])} since {wording.month(r[since])}" for r in own])
    text = f", known to {text}" if text else ""
    if with_flags:
        flags = sorted({f for r in rows for f in wording.flags(r)}, key=wording.flag_order)
        recorded = [f.removeprefix("recorded as ") for f in flags if f.startswith("recorded as ")]
        others = [f for f in flags if not f.startswith("recorded as ")]
        words = others + ([f"recorded as {wording.and_list(recorded)}"] if recorded else [])
        if words:
            text += ", " + wording.and_list(words)
    return text, "".join(" " + _through_link(r, agency, since) + "." for r in linked)


def _through_link(row, agency="risk_agency", since="risk_since") -> str:
    """'Northshire Police has known him since March 2023 as John Smyth, born 4 March 1990 (a record linked to
    the Probation Service record, probability 0.99999)'."""
    naming = _naming()
    linked = naming.person(row["linked_record_id"])
    own = naming.person(row.get("adult_id"))
    as_name = f" as {linked.name}, born {wording.long_date(linked.dob)}" if linked else ""
    to = f"the {naming.agency(own.agency)} record" if own and own.agency else "this record"
    return (f"{naming.agency(row[agency])} has known {_pronoun(row.get('adult_id'))} since {wording.month(row.get(since))}{as_name} "
            f"(a record linked to {to}, probability {wording.probability(row['linkage_probability'])})")


def linkage_evidence(rows) -> list[dict]:
    """The SAME_AS links a finding's rows rely on: which record, linked to whom, with what probability (the
    adult's linked record, and the child's linked CSC record when CSC knows the child under another record)."""
    links = {}
    for r in rows:
        for record, to, probability, decided_by in (
            ("linked_record_id", "adult_id", "linkage_probability", "linkage_decided_by"),
            ("csc_linked_record_id", "child_id", "csc_linkage_probability", "csc_linkage_decided_by"),
        ):
            if r.get(probability) is not None:
                links[(r[record], r.get(to))] = {"linked_record_id": r[record], "linked_to": r.get(to),
                                                 "probability": r[probability], "decided_by": r.get(decided_by)}
    return [links[k] for k in sorted(links, key=str)]


def explain_risky_adult(rows) -> str:
    r = rows[0]
    child = r["child_name"].strip()
    gap = wording.csc_gap(r, child, r["adult_name"].strip())
    if r["csc_status"] != "child_unknown":
        gap = f"children's social care knows {child}{',' if r.get('csc_household_size') else ''} but {gap}"
    known, through = _known_phrase(rows)
    return f"{r['adult_name'].strip()}{known}{',' if known else ''} {_link_phrase(rows)}.{through} {gap[0].upper() + gap[1:]}."


def explain_hidden_men(rows) -> str:
    r = rows[0]
    naming = _naming()
    known, through = _known_phrase(rows, "known_agency", "known_since", with_flags=False)
    return (
        f"{r['adult_name'].strip()}, a man{known}, {_link_phrase(rows)}.{through} {naming.agency(r['csc_agency'])} has known {r['child_name'].strip()} since "
        f"{wording.month(r['csc_since'])} (record {r['csc_record']}{_csc_through_link(r)}){',' if r.get('csc_household_size') else ''} but "
        f"{wording.csc_gap(r, r['child_name'].strip(), 'him', 'has')}{_known_elsewhere(r)}."
    )


def _known_elsewhere(row) -> str:
    """CSC's own record of the man, when it leaves him out of the child's household all the same."""
    if not row.get("csc_household_size"):
        return ""
    own, linked = row.get("adult_csc_records"), row.get("adult_csc_via_linkage")
    return ", although it has a record of him elsewhere" if own or linked else ""


def _csc_through_link(row) -> str:
    if row.get("csc_linkage_probability") is None:
        return ""
    linked = _naming().person(row["csc_linked_record_id"])
    held = f" as {linked.name}, born {wording.long_date(linked.dob)}" if linked else ""
    return (f", held on a record of the child{held} ({row['csc_linked_record_id']}) linked to this one, "
            f"probability {wording.probability(row['csc_linkage_probability'])}")


def explain_da(rows) -> str:
    r = rows[0]
    naming = _naming()
    told = (
        f"none of the child's agencies ({naming.agency_list(r['child_agencies'])}) was told by {_day(r['told_deadline'])}"
        if r["child_agencies"]
        else "no school, early-years setting or health visitor is on record for the child, and none was told"
    )
    child = r["child_name"].strip()
    if r["lived_since"] is None:  # recorded present, not living there
        where = f" at {r['postcode']}" if r["postcode"] else ""
        return (f"{naming.agency(r['police_agency'])} (record {r['police_record']}) attended a domestic-abuse incident{where} "
                f"on {_day(r['event_date'])}; {child} was present; {told}.")
    present = " and was present" if r.get("child_present") else ""
    return (
        f"{naming.agency(r['police_agency'])} (record {r['police_record']}) attended a domestic-abuse incident at "
        f"{r['postcode']} on {_day(r['event_date'])}, where {child} has lived since "
        f"{wording.month(r['lived_since'])}{present}; {told}."
    )


def explain_toxic_trio(rows) -> str:
    r = rows[0]
    naming = _naming()
    children = sorted({x["child_name"].strip() for x in rows})
    das = sorted({(x["da_date"], x["da_agency"]) for x in rows})
    return (
        f"At {r['postcode']}, where {wording.and_list(children)} {'lives' if len(children) == 1 else 'live'}: "
        f"domestic abuse recorded by {naming.agency(das[-1][1])} ({len(das)} incident{'s' if len(das) > 1 else ''}, "
        f"latest {_day(das[-1][0])}); {r['sm_adult_name'].strip()} known to substance-misuse services "
        f"({naming.agency(r['sm_agency'])}); {r['mh_adult_name'].strip()} known to adult mental health "
        f"({naming.agency(r['mh_agency'])}). Each agency holds one of the three."
    )


CARER_WORDS = {"lives_with": "adult living in the same home", "partner_of_parent": "parent's partner",
               "step_parent": "step-parent"}


def explain_under_fives(rows) -> str:
    r = rows[0]
    naming = _naming()
    band = "a baby under one" if r["age_band"] == "under_one" else "under five"
    own = [x for x in rows if x.get("linkage_probability") is None]
    known, through = _known_phrase(own + [x for x in rows if x not in own], "agency", "since", with_flags=False)
    # the most specific link names the adult: a recorded relationship, else partner of a parent, else living in
    kind = min({x["relationship"] for x in rows}, key=lambda k: (k == "lives_with", k == "partner_of_parent", k))
    carer = CARER_WORDS.get(kind, kind.replace("_", " "))
    return f"{r['child_name'].strip()} (born {_day(r['child_dob'])}, {band}) has a {carer}, {r['adult_name'].strip()}{known}.{through}"


def _explain_counted(what: str):
    def explain(rows) -> str:
        r = rows[0]
        dates = sorted(r["event_dates"])
        return (
            f"{r['child_name'].strip()} had {r['count']} {what} between {_day(dates[0])} and {_day(dates[-1])} "
            f"(recorded by {_naming().agency_list(r['agencies'])})."
        )

    return explain


def explain_referral(rows) -> str:
    r = rows[0]
    naming = _naming()
    to = naming.agency_list({x["referred_to"] for x in rows})
    about = wording.and_list([n.strip() for n in r["about_names"]]) or "no one on record"
    return (
        f"{naming.agency(r['referrer_agency'])} referred '{r['event_summary']}' about {about} "
        f"to {to} on {_day(min(x['referred_date'] for x in rows))}; the referrer has not been told the outcome."
    )


RULE_WORDS = {"same_nhs_number": "the same NHS number", "same_dob_similar_name": "the same date of birth and a similar name"}


def _held_as(record, source, name, dob) -> str:
    """'Liam Brenan (born 3 July 1992, Northshire Police record POL-L-2290)'."""
    agency, _, own = source.partition(":")
    return f"{name.strip()} (born {_day(dob)}, {_naming().agency(agency)} record {own or record})"


def explain_same_person(rows) -> str:
    r = rows[0]
    a = _held_as(r["record_a"], r["sources"][0], r["name_a"], r["dob_a"])
    b = _held_as(r["record_b"], r["sources"][1], r["name_b"], r["dob_b"])
    text = f"{a} and {b} are held by different agencies and are not linked as the same person."
    rules = sorted({x["rule"] for x in rows if x["rule"] != same_person.RULE})
    if rules:
        text += f" They have {wording.and_list([RULE_WORDS.get(x, x.replace('_', ' ')) for x in rules])}."
    model = next((x for x in rows if x["rule"] == same_person.RULE), None)
    if model:
        text += (f" The record-linkage model gives a probability of {wording.probability(model['probability'])} that they are "
                 f"one person: {'; '.join(model['comparisons'])}.")
    return text


def explain_cluster(rows) -> str:
    children = sorted({(r["child_id"], r["child_name"].strip()) for r in rows})
    by_connector = defaultdict(set)
    for r in rows:
        by_connector[(r["connector_kind"], r["connector_id"], r["connector_label"])].add(r["child_id"])
    shared = sorted(f"{k} {label or cid}" for (k, cid, label), kids in by_connector.items() if len(kids) > 1)
    kinds = Counter(r["event_kind"] for r in {r["event_id"]: r for r in rows}.values())
    events = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
    return (
        f"{len(children)} children ({wording.and_list([n for _, n in children])}) are linked through "
        f"{'; '.join(shared)}; their events: {events}."
    )


@dataclass(frozen=True)
class PatternSpec:
    name: str
    key: tuple[str, ...]
    children: Callable[[list[dict]], list[str]]
    others: Callable[[list[dict]], list[str]]
    explain: Callable[[list[dict]], str]
    clustered: bool = False
    linked_query: str | None = None  # rows that exist only through SAME_AS links; run when the store has any
    # rows scored by the record-linkage model: (store, as_of, cache_dir=folder for its cache or None)
    model_rows: Callable[..., list[dict]] | None = None


def _col(*names):
    return lambda rows: sorted({r[n] for r in rows for n in names if r.get(n)})


def _listcol(name):
    return lambda rows: sorted({x for r in rows for x in (r.get(name) or [])})


PATTERNS: dict[str, PatternSpec] = {
    s.name: s
    for s in (
        PatternSpec("risky_adult_unseen_child", ("child_id", "adult_id"), _col("child_id"), _col("adult_id"), explain_risky_adult, linked_query="risky_adult_unseen_child_via_linkage"),
        PatternSpec("hidden_men", ("child_id", "adult_id"), _col("child_id"), _col("adult_id"), explain_hidden_men, linked_query="hidden_men_via_linkage"),
        PatternSpec("domestic_abuse_child_not_told", ("event_id", "child_id"), _col("child_id"), lambda rows: [], explain_da),
        PatternSpec("toxic_trio", ("address_id",), _col("child_id"), _col("sm_adult_id", "mh_adult_id"), explain_toxic_trio),
        PatternSpec("under_fives_parent_risk", ("child_id", "adult_id"), _col("child_id"), _col("adult_id"), explain_under_fives, linked_query="under_fives_parent_risk_via_linkage"),
        PatternSpec("cumulative_harm", ("child_id",), _col("child_id"), lambda rows: [], _explain_counted("contacts or referrals closed with no further action")),
        PatternSpec("repeated_was_not_brought", ("child_id",), _col("child_id"), lambda rows: [], _explain_counted("health appointments they were not brought to")),
        PatternSpec("referral_without_feedback", ("event_id",), lambda rows: [], _listcol("about_ids"), explain_referral),
        PatternSpec("risks_outside_home", ("child_ids",), _col("child_id"), lambda rows: sorted({r["connector_id"] for r in rows if r["connector_kind"] == "adult"}), explain_cluster, clustered=True),
        PatternSpec("same_person_twice", ("record_a", "record_b"), lambda rows: sorted({r[c] for r in rows for c, role in (("record_a", "role_a"), ("record_b", "role_b")) if r[role] == "child"}), lambda rows: sorted({r[c] for r in rows for c, role in (("record_a", "role_a"), ("record_b", "role_b")) if r[role] != "child"}), explain_same_person,
                    model_rows=same_person.linkage_rows),
    )
}


def pattern_names() -> list[str]:
    return list(PATTERNS)


def _check_pattern(name: str) -> PatternSpec:
    if name not in PATTERNS:
        raise CatalogueError(f"no link pattern named {name!r}; patterns: {', '.join(PATTERNS)}")
    return PATTERNS[name]


def run_pattern_rows(store: GraphStore, name: str, as_of: dt.date | None = None, params: dict | None = None,
                     linked: bool | None = None, model_cache: Path | None = None) -> list[dict]:
    """The query rows of one pattern (as_of passed when the query takes it), with the rows of its
    SAME_AS query when the store holds record-linkage links. ``linked``: whether it does (asked when None).
    ``model_cache``: the folder where a pattern with model rows keeps them between sweeps (see :func:`model_cache_for`).
    Without links the pattern runs without its SAME_AS look-ups (:func:`links_dialect.without_linkage`):
    the same rows, much faster on LadybugDB."""
    spec = _check_pattern(name)
    linked = has_same_as_links(store) if linked is None else linked
    names = [name] + ([spec.linked_query] if spec.linked_query and linked else [])
    rows = []
    for qname in names:
        query = get_query(qname)
        given = dict(params or {})
        if as_of is not None and any(p.name == "as_of" for p in query.parameters):
            given.setdefault("as_of", as_of)
        text = query.text(store.dialect) if linked else _unlinked_text(query.text(store.dialect))
        if spec.model_rows and qname == name:  # its rows depend on the records alone: kept beside the model rows
            rows.extend(same_person.rule_rows(store, text, query.bind(given), store_fingerprint(store), model_cache))
        else:
            rows.extend(store.query(text, query.bind(given)).records())
    if spec.model_rows:
        day = as_of or dt.date.today()
        rows.extend(spec.model_rows(store, day, cache_dir=model_cache))
        rows = same_person.held_by(store, rows, day)
    return rows


@lru_cache(maxsize=64)
def _unlinked_text(text: str) -> str:
    return without_linkage(text)


def model_cache_for(store: GraphStore, sweep_cache: str | Path | None) -> Path | None:
    """Where same_person_twice keeps its model rows when the caller keeps a sweep cache: beside that file,
    named after the store (``graphcase links``: ``<db>.unlinked-pairs/`` beside ``<db>.sweep.json``), written
    even when the store is open read-only, as the sweep cache is. Without one: None (the model-row cache
    then lives beside a store opened for writing, and a read-only store gets none: it may be shared)."""
    location = getattr(store, "location", None)
    if sweep_cache is None or store.dialect != "ladybug" or not location:
        return None
    return Path(sweep_cache).parent / f"{Path(location).name}{same_person.CACHE_SUFFIX}"


def has_same_as_links(store: GraphStore) -> bool:
    """Whether record linkage has written any SAME_AS link: the linkage-only queries are skipped otherwise
    (on LadybugDB 0.22 they cost seconds at 100k people even on an empty SAME_AS table)."""
    return bool(store.query(get_query("history_same_as_present").text(store.dialect)).rows[0][0])


def cluster_rows(rows: list[dict], min_children: int = 2, max_cluster_size: int = 12) -> list[list[dict]]:
    """Group child-connector rows into clusters of children sharing connectors.

    Connected components of the child-connector graph; a component with more than ``max_cluster_size``
    children is split with Louvain community detection (seeded, so deterministic) on the children-only
    projection. Returns the rows of each cluster of at least ``min_children`` children.
    """
    import networkx as nx
    from networkx.algorithms import bipartite

    graph = nx.Graph()
    for r in sorted(rows, key=lambda r: (r["child_id"], r["connector_kind"], r["connector_id"])):
        graph.add_edge(("child", r["child_id"]), (r["connector_kind"], r["connector_id"]))
    clusters = []
    for component in nx.connected_components(graph):
        kids = sorted(n for n in component if n[0] == "child")
        if len(kids) < min_children:
            continue
        if len(kids) <= max_cluster_size:
            clusters.append({k[1] for k in kids})
            continue
        projected = bipartite.weighted_projected_graph(graph.subgraph(component), kids)
        for community in nx.community.louvain_communities(projected, seed=0):
            if len(community) >= min_children:
                clusters.append({k[1] for k in community})
    rows_of = defaultdict(list)  # child id -> indexes of its rows, so each cluster keeps the rows' order
    for i, r in enumerate(rows):
        rows_of[r["child_id"]].append(i)
    return [[rows[i] for i in sorted(i for child in members for i in rows_of[child])] for members in clusters]


def _evidence_value(v):
    if isinstance(v, dt.date):  # datetime is a date too; both print as isoformat, as to_jsonable does
        return v.isoformat()
    if isinstance(v, list):
        return [x.isoformat() if isinstance(x, dt.date) else to_jsonable(x) if isinstance(x, (list, tuple, dict)) else x for x in v]
    return to_jsonable(v) if isinstance(v, (tuple, dict)) else v


def _evidence_row(row: dict) -> dict:
    """A query row as JSON-ready evidence (what ``to_jsonable`` gives, without its per-value recursion: the
    sweep groups thousands of rows)."""
    return {k: _evidence_value(v) for k, v in row.items() if k != "pattern"}


RESOLVED_KEY_COLUMNS = ("child_id", "adult_id")  # person keys merged per resolved person (record linkage)


def group_findings(name: str, rows: list[dict], *, min_children: int = 2, max_cluster_size: int = 12,
                   resolved: dict[str, str] | None = None, naming: wording.Naming | None = None) -> list[Finding]:
    """Rows -> findings, one per key. ``resolved`` (record id -> resolved-person id, from record linkage)
    makes a person key the resolved person's id, so the records of one person give one finding; the
    finding keeps every record of that person (``key_records``), so its lead keeps its pre-linkage id."""
    spec = _check_pattern(name)
    resolved = resolved or {}
    members = defaultdict(list)
    for record, rid in resolved.items():
        members[rid].append(record)
    if spec.clustered:
        groups = {}
        for cluster in cluster_rows(rows, min_children, max_cluster_size):
            ids = sorted({r["child_id"] for r in cluster})
            groups[(",".join(ids),)] = cluster
    else:
        groups = defaultdict(list)
        for r in rows:
            groups[tuple(resolved.get(r[k], r[k]) if k in RESOLVED_KEY_COLUMNS else r[k] for k in spec.key)].append(r)
    findings = []
    token = wording.current.set(naming or wording.Naming())
    try:
        findings = _explained(name, spec, groups, members)
    finally:
        wording.current.reset(token)
    return sorted(findings, key=lambda f: [str(v) for v in f.key.values()])


def _explained(name, spec, groups, members) -> list[Finding]:
    findings = []
    for key_values, group in groups.items():
        key = dict(zip(spec.key, key_values))
        evidence = [_evidence_row(r) for r in group]
        if len(evidence) > 1:
            evidence.sort(key=lambda e: json.dumps(e, sort_keys=True))
        key_records = {k: sorted(members[v]) for k, v in key.items() if k in RESOLVED_KEY_COLUMNS and v in members}
        findings.append(
            Finding(finding_id(name, key), name, key, spec.children(group), spec.others(group), spec.explain(group), evidence,
                    linkage_evidence(group), key_records)
        )
    return findings


@dataclass
class CatalogueRun:
    as_of: dt.date
    findings: list[Finding]
    seconds: dict[str, float]
    person: str | None = None
    from_cache: bool = False  # findings filtered from a cached county sweep (see run_catalogue)
    params: dict[str, dict] = field(default_factory=dict)  # every pattern's parameters as used, defaults included
    leads: list[Lead] = field(default_factory=list)  # the findings grouped per child and person (set on creation)

    def __post_init__(self):
        if not self.leads:
            self.leads = group_leads(self.findings)
            for lead in self.leads:
                for reason in lead.reasons:
                    reason.lead = lead.id

    def summary(self) -> list[tuple[str, int, float]]:
        counts = Counter(f.pattern for f in self.findings)
        return [(name, counts.get(name, 0), secs) for name, secs in self.seconds.items()]

    def by_id(self, fid: str) -> Finding | None:
        return next((f for f in self.findings if f.id == fid), None)

    def lead_for(self, some_id: str) -> Lead | None:
        """The lead answering to a lead id, one of its aliases (an id from before record linkage) or a reason's id."""
        return next((lead for lead in self.leads if lead.answers_to(some_id) or any(r.id == some_id for r in lead.reasons)), None)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "person": self.person,
            "parameters": to_jsonable(self.params),
            "summary": [{"pattern": n, "findings": c, "seconds": round(s, 4)} for n, c, s in self.summary()],
            "leads": [lead.as_dict() for lead in self.leads],
            "findings": [f.as_dict() for f in self.findings],
        }


NETWORK_STEPS = {
    # One person record at a time, anchored on the primary key: on LadybugDB 0.22 `{id: $id}` is an index
    # look-up (well under a millisecond), while `p.id IN $ids` scans every Person (tens of ms at 100k).
    "related": (
        "MATCH (p:Person {id: $id})-[r:RELATED_TO]-(q:Person) "
        "WHERE (r.from_date IS NULL OR r.from_date <= $as_of) AND (r.to_date IS NULL OR r.to_date >= $as_of) "
        "RETURN DISTINCT q.id, ''"
    ),
    # written as a one-step variable-length path: 4x faster than -[:SAME_AS]- on LadybugDB 0.22 (measured)
    "same_as": "MATCH (p:Person {id: $id})-[:SAME_AS*1..1]-(q:Person) RETURN DISTINCT q.id, ''",
    "home": (
        # The WITH: LadybugDB 0.22 answers a hop straight after a relationship filter wrongly (ladybug_traps).
        "MATCH (p:Person {id: $id})-[l:LIVES_AT]->(a:Address) "
        "WHERE l.from_date <= $as_of AND (l.to_date IS NULL OR l.to_date >= $as_of) "
        "WITH DISTINCT a MATCH (a)<-[m:LIVES_AT]-(q:Person) "
        # WITH before the filter: 3 ms instead of 160-430 ms on a 100k store (LadybugDB 0.22 scans otherwise)
        "WITH a, m, q WHERE m.from_date <= $as_of AND (m.to_date IS NULL OR m.to_date >= $as_of) "
        "RETURN DISTINCT q.id, a.id"
    ),
}


def person_network(store: GraphStore, person_id: str, as_of: dt.date, hops: int = 2) -> set[str]:
    """Ids of the person, and of people and addresses within ``hops`` steps of current relationships,
    shared current addresses and SAME_AS links."""
    known = store.query("MATCH (p:Person {id: $id}) RETURN p.id", {"id": person_id})
    if not known.rows:
        raise CatalogueError(f"no person record with id {person_id!r}")
    people, addresses, frontier = {person_id}, set(), {person_id}
    for _ in range(hops):
        found = set()
        for pid in sorted(frontier):
            for step, cypher in NETWORK_STEPS.items():
                params = {"id": pid} if step == "same_as" else {"id": pid, "as_of": as_of}
                for q, a in store.query(cypher, params).rows:
                    found.add(q)
                    if a:
                        addresses.add(a)
        frontier = found - people
        people |= found
    return people | addresses


def store_fingerprint(store: GraphStore) -> str | None:
    """Size, modification time and inode of an embedded store's files (None for a server store): any load or
    update changes it (a write renames a new file over the store), so a cached sweep keyed by it can't
    outlive the data it was computed from."""
    location = getattr(store, "location", None)
    if not location:
        return None
    parts = []
    for path in (Path(location), Path(f"{location}.wal")):
        if path.exists():
            st = path.stat()
            parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    return "|".join(parts) or None


def _file_stamp(path: Path) -> str | None:
    """Size, modification time and inode of a file beside the store (the linkage model, the review queue)."""
    if not path.exists():
        return None
    st = path.stat()
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _sweep_key(store: GraphStore, as_of: dt.date, names: list[str], params: dict | None) -> str | None:
    fingerprint = store_fingerprint(store)
    if fingerprint is None:
        return None
    with_linked = names + [PATTERNS[n].linked_query for n in names if PATTERNS[n].linked_query]
    texts = "".join(get_query(n).text(store.dialect) for n in with_linked)
    side = [_file_stamp(path) for n in names if PATTERNS[n].model_rows for path in same_person.side_files(store)]
    used = to_jsonable(parameters_used(names, params))  # every value as used: defaults given or not, one key
    blob = json.dumps([fingerprint, as_of.isoformat(), names, used, texts, side], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def _finding_from_dict(d: dict) -> Finding:
    return Finding(d["id"], d["pattern"], d["key"], d["children"], d["others"], d["explanation"], d["evidence"], d.get("linkage", []),
                   d.get("key_records") or {})


def run_catalogue(
    store: GraphStore,
    as_of: dt.date,
    patterns: list[str] | None = None,
    params: dict[str, dict] | None = None,
    person: str | None = None,
    sweep_cache: str | Path | None = None,
    viewer=None,
) -> CatalogueRun:
    """Run every pattern (or those named) and return grouped, explained findings, timed per pattern.

    ``viewer`` (a :class:`graphcase.model.restrictions.Viewer`): a finding whose evidence names a restricted
    record they may not see shows the placeholder for it instead (:mod:`graphcase.catalogue.restrictions`);
    none: the owner of the store, who sees everything.
    Recorded in the store's audit log as ``links`` with the findings and people found (see
    :func:`graphcase.audit.recorded`); :func:`_run_catalogue` has the details.
    """
    from .restrictions import Redactor

    arguments = {"as_of": as_of, "patterns": patterns, "person": person, "params": params}
    with audit.recorded(store, "links", arguments) as record:
        run = _run_catalogue(store, as_of, patterns, params, person, sweep_cache)
        redactor = Redactor.for_viewer(store, viewer)
        if redactor is not None:
            run = redactor.redact_run(run)
        record.touch(people=set().union(*(f.people for f in run.findings)), findings=[f.id for f in run.findings],
                     rows=len(run.findings))
        return run


def sweep_into_cache(store: GraphStore, as_of: dt.date, sweep_cache: str | Path) -> int:
    """Sweep the county into ``sweep_cache`` (or find that cache already fresh) and return how many findings it
    holds, so that person runs read it in milliseconds. Shows no one anything, so it writes no audit entry of
    its own: the caller records why it swept (``graphcase serve``'s warm-up at start does)."""
    return len(_run_catalogue(store, as_of, sweep_cache=sweep_cache).findings)


def _run_catalogue(
    store: GraphStore,
    as_of: dt.date,
    patterns: list[str] | None = None,
    params: dict[str, dict] | None = None,
    person: str | None = None,
    sweep_cache: str | Path | None = None,
) -> CatalogueRun:
    """Run every pattern (or those named) and return grouped, explained findings, timed per pattern.

    ``params`` maps a pattern name to parameter overrides. With ``person``, only findings that touch that
    person's network (see :func:`person_network`) are kept. ``sweep_cache`` (a JSON file; embedded store
    only) keeps the last county sweep keyed by the store's files, as_of, patterns, parameters and query
    texts: a ``person`` run whose key matches filters the cached findings (milliseconds) instead of sweeping
    the county again, and any load into the store, or another as_of, makes it sweep afresh.
    """
    names = patterns or pattern_names()
    for name in names:
        _check_pattern(name)
    network = person_network(store, person, as_of) if person else None
    key = _sweep_key(store, as_of, names, params) if sweep_cache else None
    cached = _read_sweep_cache(sweep_cache, key, network) if key else None
    if cached is not None:
        started = time.perf_counter()
        found = [f for f in map(_finding_from_dict, cached) if network is None or f.touches(network)]
        share = (time.perf_counter() - started) / max(len(names), 1)
        return CatalogueRun(as_of, found, {n: share for n in names}, person, from_cache=True,
                            params=parameters_used(names, params))
    findings, seconds, pattern_rows = [], {}, {}
    linked = has_same_as_links(store)
    resolved = _resolved_ids(store) if linked else {}
    model_cache = model_cache_for(store, sweep_cache)
    for name in names:
        started = time.perf_counter()
        p = dict((params or {}).get(name, {}))
        cluster_opts = {k: int(p[k]) for k in ("min_children", "max_cluster_size") if k in p}
        rows = run_pattern_rows(store, name, as_of, p, linked=linked, model_cache=model_cache)
        if PATTERNS[name].clustered:
            defaults = {q.name: q.default for q in get_query(name).parameters}
            cluster_opts = {k: int(cluster_opts.get(k, defaults[k])) for k in ("min_children", "max_cluster_size")}
        pattern_rows[name] = (rows, cluster_opts)
        seconds[name] = time.perf_counter() - started
    started = time.perf_counter()  # names for the explanations: one look-up for every pattern's rows
    naming = wording.naming_for(store, [r for rows, _ in pattern_rows.values() for r in rows])
    naming_seconds = (time.perf_counter() - started) / max(len(names), 1)
    for name, (rows, cluster_opts) in pattern_rows.items():
        started = time.perf_counter()
        findings.extend(group_findings(name, rows, resolved=resolved, naming=naming, **cluster_opts))
        seconds[name] += time.perf_counter() - started + naming_seconds
    if key:
        _write_sweep_cache(sweep_cache, key, findings)
    if network is not None:
        findings = [f for f in findings if f.touches(network)]
    return CatalogueRun(as_of, findings, seconds, person, params=parameters_used(names, params))


def parameters_used(names: list[str], params: dict[str, dict] | None) -> dict[str, dict]:
    """Every parameter of each pattern with the value the sweep used (the query's default unless overridden)."""
    used = {}
    for name in names:
        query = get_query(name)
        bound = query.bind((params or {}).get(name, {}))
        bound.pop("as_of", None)  # the sweep's own date, reported beside
        for p in query.parameters:
            if p.default == "computed":  # worked out from the others each run, not a setting
                bound.pop(p.name, None)
        used[name] = bound
    return used


def _resolved_ids(store: GraphStore) -> dict[str, str]:
    """Record id -> resolved-person id for records in a SAME_AS cluster (empty when nothing is linked)."""
    if not has_same_as_links(store):
        return {}
    rows = store.query("MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN a.id, b.id, s.resolved_id").rows
    return {record: rid for a, b, rid in rows if rid for record in (a, b)}


SWEEP_CACHE_FORMAT = "findings-jsonl-indexed-2"  # an older cache file (other explanations, no key_records) is swept over


def _read_sweep_cache(path: str | Path, key: str, ids: set[str] | None = None) -> list[dict] | None:
    """The cached findings (as dicts) when the cache's key matches, else None; with ``ids``, only those
    touching one of them, read by the index in the first line (a person's findings without parsing the county's)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            header, body = _sweep_header(fh)
            if header.get("key") != key or header.get("format") != SWEEP_CACHE_FORMAT:
                return None
            if ids is None:
                return [json.loads(line) for line in fh.read().splitlines()]
            found = []
            for i in sorted({i for pid in ids for i in header["index"].get(pid, ())}):
                fh.seek(body + header["offsets"][i])
                found.append(json.loads(fh.readline()))
            return found
    except (OSError, ValueError, KeyError, IndexError, AttributeError):
        return None  # a half-written or foreign file: sweep again and overwrite it


_last_header: tuple = (None, None)  # (file identity, (header, body offset)) of the last cache file read


def _sweep_header(fh) -> tuple[dict, int]:
    """The cache file's first line, parsed once per version of the file: on a large county it indexes every
    id (megabytes), and a server reads it for every person page. Leaves ``fh`` at the first finding."""
    global _last_header
    st = os.fstat(fh.fileno())
    identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    seen, parsed = _last_header  # one tuple, read at once: another thread may replace it
    if seen == identity:
        fh.seek(parsed[1])
        return parsed
    header = json.loads(fh.readline())
    parsed = (header, fh.tell())
    _last_header = (identity, parsed)
    return parsed


def _write_sweep_cache(path: str | Path, key: str, findings: list[Finding]) -> None:
    """One JSON line per finding, after a header line: the key, each line's byte offset, and an index from
    every id a finding touches (:meth:`Finding.touched_ids`) to its lines."""
    path = Path(path)
    lines = [json.dumps(f.as_dict(), ensure_ascii=False).encode("utf-8") + b"\n" for f in findings]
    offsets, at = [], 0
    for line in lines:
        offsets.append(at)
        at += len(line)
    index = defaultdict(list)
    for i, f in enumerate(findings):
        for pid in sorted(f.touched_ids()):
            index[pid].append(i)
    header = json.dumps({"format": SWEEP_CACHE_FORMAT, "key": key, "offsets": offsets, "index": index}, ensure_ascii=False).encode("utf-8") + b"\n"
    atomic_write_bytes(path, header + b"".join(lines))


def write_findings(run: CatalogueRun, path: str | Path) -> Path:
    return atomic_write_text(path, json.dumps(run.as_dict(), indent=1, ensure_ascii=False))


def read_findings(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise CatalogueError(f"no findings file at {path}; run 'graphcase links' first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read the findings file ({exc}); run 'graphcase links' again to rewrite it") from exc
