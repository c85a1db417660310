"""Render a map graph (from :mod:`graphcase.maps.extract`) as one self-contained HTML file with pyvis.

pyvis builds the vis-network node and edge records and the options; styles come from
``visualisations/styles.json``; :mod:`graphcase.maps.page` writes them into the offline page with the legend,
search, filters, details panel and physics control. Graphs above ``large_graph_nodes`` (styles.json) get
their positions precomputed with networkx and physics off, so the browser draws them at once.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from ..files import atomic_write_text
from .page import load_styles, render_page

# Large maps (precomputed layout): px between households, and the rings of a household's people and events.
HOUSEHOLD_SPACING = 420.0
PEOPLE_RING = 60.0
EVENT_RING = 105.0

# What an empty map says instead of a blank canvas.
EMPTY_MESSAGES = {
    "ego": "Nothing to draw: this person has no recorded relationships, addresses, events or agencies in this period.",
    "findings": "No missed-link findings to draw for this date (and pattern, if one was chosen).",
    "partnership": "No agencies or information flows recorded in this period.",
}

KIND_LABELS = {"child": "Child", "adult": "Adult", "address": "Address", "agency": "Agency", "event": "Event"}


def _agency_colour(styles: dict, kind: str | None) -> str:
    return styles["agency_kinds"].get(kind or "other", styles["agency_kinds"]["other"])["color"]


def _hover(lines: list[str]) -> str:
    return "\n".join(line for line in lines if line)


def _node_record(node_id: str, data: dict, styles: dict, map_kind: str) -> dict:
    kind = data["kind"]
    look = styles["node_kinds"][kind]
    fill = look["color"]
    border = look["border"]
    if kind in ("agency", "event") and data.get("agency_kind"):
        fill = _agency_colour(styles, data["agency_kind"])
        border = fill if kind == "event" else look["border"]
    size = look["size"]
    shape = look["shape"]
    if kind == "agency":
        shape = styles["agency_kinds"].get(data.get("agency_kind") or "other", styles["agency_kinds"]["other"]).get("shape", shape)
    border_width = 1.5
    extra: dict = {}
    if map_kind == "partnership" and kind == "agency":
        size = 12 + 4 * math.sqrt(max(data.get("people_known", 0), 0))  # area grows with the people known
        size = min(size, 70)
    if data.get("ego"):
        size *= 1.4
        border_width = 3
    if data.get("in_finding"):
        border = styles["finding_node"]["border"]
        border_width = styles["finding_node"]["borderWidth"]
    if data.get("never_told"):
        border = styles["untold_agency"]["border"]
        border_width = styles["untold_agency"]["borderWidth"]
        extra["shapeProperties"] = {"borderDashes": [6, 4]}
    props = dict(data.get("props") or {})
    lines = [f"{data['label']}  [{KIND_LABELS.get(kind, kind)}]".replace("\n", " "), f"id: {node_id}"]
    if kind == "agency":
        lines.append(f"kind: {styles['agency_kinds'].get(data.get('agency_kind') or 'other', {}).get('label', data.get('agency_kind'))}")
    if map_kind == "partnership" and kind == "agency":
        lines.append(f"people known: {data.get('people_known', 0)}")
        if data.get("risks_in_its_households"):
            lines.append(f"risks held by other agencies about adults in its children's households: {data['risks_in_its_households']}, "
                         f"never shared with it: {data['risks_not_shared']}")
        if data.get("never_told"):
            lines.append("NEVER TOLD: it works with children in households where another agency held a risk about an adult "
                         f"and never referred or shared anything about that adult with it ({', '.join(data['risk_holders_not_sharing'])})")
    for key in ("dob", "date", "summary", "outcome", "postcode"):
        if props.get(key):
            lines.append(f"{key}: {props[key]}")
    for explanation in data.get("findings", []):
        lines.append(f"FINDING: {explanation}")
    record = {
        "label": data["label"] + (" ⚠" if data.get("never_told") else ""),
        "shape": shape,
        "size": round(size, 1),
        "color": {"background": fill, "border": border, "highlight": {"background": fill, "border": "#000000"}},
        "borderWidth": border_width,
        "title": _hover(lines),
        # map fields read by the page (search, filters, details panel)
        "kind": kind,
        "kindLabel": KIND_LABELS.get(kind, kind),
        "name": data["label"].replace("\n", " "),
        "agency_kind": data.get("agency_kind") if kind in ("agency", "event") else None,
        "props": props,
        "sources": data.get("sources", []),
        "explanations": list(data.get("findings", [])),
        "inFinding": bool(data.get("in_finding")),
        **extra,
    }
    if data.get("in_finding") and kind in ("child", "adult"):
        record["font"] = {"size": 18, "bold": True}  # the people in findings are named first, at any zoom
    if kind in ("address", "event") and map_kind != "partnership":
        record["font"] = {"size": 10, "color": "#555555"}
    if data.get("ego"):
        record["font"] = {"size": 18, "bold": True}
    if map_kind == "partnership":
        record["font"] = {"size": 22}
        record["widthConstraint"] = {"maximum": 170}
    return record


def pattern_looks(g: nx.MultiDiGraph, styles: dict) -> dict[str, dict]:
    """Each finding pattern on the map -> its colour (Okabe-Ito, in order) and dashes (past seven patterns)."""
    patterns = sorted({d["pattern"] for *_, d in g.edges(data=True) if d["rel"] == "finding"})
    palette, dashes = styles["finding_palette"], styles["finding_dashes"]
    return {p: {"color": palette[i % len(palette)], "dashes": dashes[(i // len(palette)) % len(dashes)]} for i, p in enumerate(patterns)}


def _edge_record(edge_id: str, src: str, dst: str, data: dict, g: nx.MultiDiGraph, styles: dict, patterns: dict | None = None) -> dict:
    rel = data["rel"]
    look = styles["edges"].get(rel, styles["edges"]["RELATED_TO"])
    colour = look["color"]
    dashes = look["dashes"]
    if rel == "finding" and patterns and data.get("pattern") in patterns:
        colour, dashes = patterns[data["pattern"]]["color"], patterns[data["pattern"]]["dashes"]
    if colour == "agency":
        agency_end = dst if g.nodes[dst]["kind"] == "agency" else src
        colour = _agency_colour(styles, g.nodes[agency_end].get("agency_kind"))
    width = look["width"]
    if data.get("weight"):
        width = max(width, 1.5 + 2.5 * math.log2(1 + data["weight"]))
    src_name = g.nodes[src]["label"].replace("\n", " ")
    dst_name = g.nodes[dst]["label"].replace("\n", " ")
    lines = [f"{look['label']}: {src_name} → {dst_name}", data.get("label", "")]
    for key, value in (data.get("props") or {}).items():
        lines.append(f"{key}: {value}")
    if rel == "finding":
        lines = [f"MISSED LINK: {data['title']}", data["explanation"], f"evidence path: {data['path']}", f"sources: {', '.join(data['evidence'])}"]
    record = {
        "id": edge_id,
        "label": data.get("label", "") if rel in ("finding", "RELATED_TO", "one_way", "REFERRED_TO", "SHARED_WITH", "RESIDENCE_RECORD") else "",
        "title": _hover(lines),
        "color": {"color": colour, "highlight": colour, "opacity": 1.0 if rel in ("finding", "one_way") else 0.85},
        "width": round(width, 2),
        "dashes": dashes,
        "arrows": {"to": {"enabled": rel not in ("LIVES_AT", "KNOWN_TO", "ABOUT", "RECORDED_BY", "OCCURRED_AT", "SAME_AS"), "scaleFactor": 0.6}},
        "font": {"size": 10, "align": "middle", "color": "#333333", "strokeWidth": 3},
        # map fields read by the page
        "rel": rel,
        "relLabel": look["label"],
        "fromName": src_name,
        "toName": dst_name,
        "props": dict(data.get("props") or {}),
        "sources": data.get("sources", []),
        "explanations": [data["explanation"]] if rel == "finding" else [],
    }
    if data.get("flow"):  # partnership: the figures read level, not along the edge
        record["font"] = {"size": 18, "align": "horizontal", "color": "#222222", "strokeWidth": 4, "background": "#ffffff"}
    if rel == "finding":
        record["font"] = {"size": 13, "color": "#222222", "strokeWidth": 4, "bold": True}
        record["pattern"] = data["pattern"]
        record["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2}  # static curve: no physics cost
    if rel == "finding" and data.get("path_rels"):
        record["props"] = {"pattern": data["pattern"], "path": data["path"], "relationships": data["path_rels"]}
    if data.get("figures"):
        record["figures"] = data["figures"]
        record["flow"] = data["flow"]
    return record


def _households(g: nx.MultiDiGraph) -> dict[str, str]:
    """Each person, address and event -> the node it is drawn around: its household's address if it has one.

    People belong to the first address they live at on the map; events to their address, else to the
    household of the first person they are about. Anything else stands on its own.
    """
    home: dict[str, str] = {}
    for src, dst, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        if d["rel"] == "LIVES_AT" and src not in home:
            home[src] = dst
    for node, d in g.nodes(data=True):
        if d["kind"] == "address":
            home[node] = node
    for node, d in g.nodes(data=True):
        if d["kind"] != "event" or node in home:
            continue
        targets = sorted(g.successors(node))
        home[node] = next((t for t in targets if g.nodes[t]["kind"] == "address"), None) or next(
            (home[t] for t in targets if g.nodes[t]["kind"] in ("child", "adult") and t in home), node
        )
    return {n: home.get(n, n) for n, d in g.nodes(data=True) if d["kind"] != "agency"}


def skeleton_layout(skeleton: nx.Graph, *, seed: int = 7, method: str = "forceatlas2", iterations: int = 100) -> dict:
    """Positions of the household skeleton in about [-1, 1]: networkx's ForceAtlas2 (Barnes-Hut, linear in
    practice, stable for a seed), or the Fruchterman-Reingold spring_layout used before (kept to measure)."""
    n = max(len(skeleton), 1)
    if len(skeleton) <= 1:
        return {h: (0.0, 0.0) for h in skeleton}
    if method == "spring":
        return nx.spring_layout(skeleton, seed=seed, iterations=50, k=1.2 / math.sqrt(n))
    pos = nx.forceatlas2_layout(skeleton, max_iter=iterations, seed=seed, scaling_ratio=2.0, gravity=1.0,
                                distributed_action=True)
    spread = max(max(abs(float(x)), abs(float(y))) for x, y in pos.values()) or 1.0
    return {h: (float(x) / spread, float(y) / spread) for h, (x, y) in pos.items()}


def precomputed_positions(g: nx.MultiDiGraph, seed: int = 7, method: str = "forceatlas2") -> dict[str, tuple[float, float]]:
    """Positions for a large map, scaled to vis-network's pixels.

    Households are the unit: each person, address and event joins its household (:func:`_households`),
    networkx's ForceAtlas2 places the households (a graph a few times smaller than the map, so it stays
    fast at thousands of nodes), and each household's members sit in rings around its address (people
    inside, events outside). Agencies, which know hundreds of people and would pull every family into one
    hairball, are set on a ring around the picture, each at the angle of the people it knows.
    """
    home = _households(g)
    groups: dict[str, list[str]] = {}
    for node, h in home.items():
        groups.setdefault(h, []).append(node)
    skeleton = nx.Graph()
    skeleton.add_nodes_from(groups)
    for src, dst in g.to_undirected(as_view=True).edges():
        hs, hd = home.get(src), home.get(dst)
        if hs is not None and hd is not None and hs != hd:
            skeleton.add_edge(hs, hd)
    n = max(len(skeleton), 1)
    pos = skeleton_layout(skeleton, seed=seed, method=method, iterations=load_styles()["layout_iterations"])
    scale = HOUSEHOLD_SPACING * math.sqrt(n) / 2
    placed: dict[str, tuple[float, float]] = {}
    for h, members in groups.items():
        cx, cy = float(pos[h][0]) * scale, float(pos[h][1]) * scale
        placed[h] = (cx, cy)
        people = sorted(m for m in members if m != h and g.nodes[m]["kind"] in ("child", "adult"))
        others = sorted(m for m in members if m != h and g.nodes[m]["kind"] not in ("child", "adult"))
        for ring, radius in ((people, PEOPLE_RING), (others, EVENT_RING)):
            for i, m in enumerate(ring):
                theta = 2 * math.pi * i / len(ring) + (0.3 if ring is others else 0.0)
                placed[m] = (cx + radius * math.cos(theta), cy + radius * math.sin(theta))
    agencies = [n for n, d in g.nodes(data=True) if d["kind"] == "agency"]
    if not agencies:
        return placed
    if not placed:
        return {a: (400 * math.cos(2 * math.pi * i / len(agencies)), 400 * math.sin(2 * math.pi * i / len(agencies))) for i, a in enumerate(agencies)}
    radius = 1.2 * max(math.hypot(x, y) for x, y in placed.values()) + 150
    simple = g.to_undirected(as_view=True)

    def angle(agency: str) -> float:
        near = [placed[m] for m in simple[agency] if m in placed]
        if not near:
            return 0.0
        return math.atan2(sum(y for _, y in near) / len(near), sum(x for x, _ in near) / len(near))

    ordered = sorted(agencies, key=angle)
    start = angle(ordered[0])
    for i, agency in enumerate(ordered):  # evenly spaced, in the order of where their people are
        theta = start + 2 * math.pi * i / len(ordered)
        placed[agency] = (radius * math.cos(theta), radius * math.sin(theta))
    return placed


PARTNERSHIP_SPACING = 190.0  # px of circle between neighbouring agencies: labels (wrapped at 170 px) stay apart


def partnership_positions(g: nx.MultiDiGraph, styles: dict) -> dict[str, tuple[float, float]]:
    """Agencies on a circle, grouped by kind in the order of styles.json (justice, health, education... side by
    side), so flows between sectors cross the middle; wide enough that labels read at the first view."""
    order = {k: i for i, k in enumerate(styles["agency_kinds"])}
    agencies = sorted(g.nodes, key=lambda n: (order.get(g.nodes[n].get("agency_kind") or "other", len(order)), g.nodes[n]["label"]))
    radius = max(250.0, len(agencies) * PARTNERSHIP_SPACING / (2 * math.pi))
    return {a: (radius * math.cos(2 * math.pi * i / len(agencies) - math.pi / 2), radius * math.sin(2 * math.pi * i / len(agencies) - math.pi / 2))
            for i, a in enumerate(agencies)}


def household_groups(g: nx.MultiDiGraph, home: dict[str, str], positions: dict) -> list[dict]:
    """On a big map, each household of three or more (address, people, events) with no finding on it, as
    one group drawn as a single node at its address until opened. Grouping is by the household id each node
    already carries, so the page does no clustering work of its own."""
    members: dict[str, list[str]] = {}
    for node, h in home.items():
        if h in g:
            members.setdefault(h, []).append(node)
    groups = []
    for h, ids in members.items():
        if len(ids) < 3 or any(g.nodes[n].get("in_finding") for n in ids):
            continue
        name = g.nodes[h]["label"].replace("\n", " ")
        x, y = positions.get(h, (0.0, 0.0))
        groups.append({
            "id": f"household:{h}", "label": f"household at {name} ({len(ids)})", "name": f"household at {name}",
            "title": f"Household at {name}: {len(ids)} people, events and the address. Click to open.",
            "shape": "square", "size": 18, "borderWidth": 2, "color": {"background": "#d9d9d9", "border": "#3d3d3d"},
            "kind": "household", "kindLabel": "Household", "x": x, "y": y, "members": sorted(ids), "props": {}, "sources": [],
        })
    return groups


def agency_kind_groups(g: nx.MultiDiGraph, styles: dict) -> list[dict]:
    """A partnership of many agencies: the agencies of each kind (police, GPs, schools...) as one group,
    sized by the people they know between them, opened on a click to show each agency."""
    by_kind: dict[str, list[str]] = {}
    for node, d in g.nodes(data=True):
        by_kind.setdefault(d.get("agency_kind") or "other", []).append(node)
    groups = []
    for kind, ids in by_kind.items():
        if len(ids) < 2:
            continue
        look = styles["agency_kinds"].get(kind, styles["agency_kinds"]["other"])
        known = sum(g.nodes[n].get("people_known", 0) for n in ids)
        untold = sum(1 for n in ids if g.nodes[n].get("never_told"))
        lines = [f"{look['label']}: {len(ids)} agencies, knowing {known} people between them.", "Click to show each agency."]
        if untold:
            lines.insert(1, f"{untold} of them NEVER TOLD (see the legend).")
        groups.append({
            "id": f"agencies:{kind}", "label": f"{look['label']} ({len(ids)})", "name": f"{look['label']}: {len(ids)} agencies",
            "title": "\n".join(lines), "shape": look.get("shape", "hexagon"),
            "size": round(min(14 + 4 * math.sqrt(max(known, 0)), 80), 1), "borderWidth": 3 if untold else 1.5,
            "color": {"background": look["color"], "border": "#222222", "highlight": {"background": look["color"], "border": "#000000"}},
            "font": {"size": 22}, "widthConstraint": {"maximum": 170}, "kind": "group", "kindLabel": "Agencies of one kind", "agency_kind": kind,
            "members": sorted(ids), "props": {"agencies": str(len(ids)), "people known": str(known), "never told": str(untold)}, "sources": [],
        })
    return groups


def grouped_partnership_positions(g: nx.MultiDiGraph, styles: dict, groups: list[dict]) -> dict[str, tuple[float, float]]:
    """Groups and lone agencies on one circle in the order of styles.json; each group's agencies in a grid
    outside the circle beyond it, so an opened group spreads away from the rest."""
    member_of = {m: gr["id"] for gr in groups for m in gr["members"]}
    order = {k: i for i, k in enumerate(styles["agency_kinds"])}
    units = sorted({member_of.get(n, n) for n in g}, key=lambda u: (
        order.get(u.split(":", 1)[1] if u.startswith("agencies:") else (g.nodes[u].get("agency_kind") or "other"), len(order)), u))
    radius = max(250.0, len(units) * PARTNERSHIP_SPACING / (2 * math.pi))
    placed: dict[str, tuple[float, float]] = {}
    members = {gr["id"]: gr["members"] for gr in groups}
    for i, unit in enumerate(units):
        theta = 2 * math.pi * i / len(units) - math.pi / 2
        cx, cy = radius * math.cos(theta), radius * math.sin(theta)
        placed[unit] = (cx, cy)
        block = sorted(members.get(unit, []), key=lambda n: g.nodes[n]["label"])
        if block:  # a grid outside the circle, beyond its group: labels (170 px wide, two lines) stay apart
            cols = math.ceil(math.sqrt(len(block)))
            rows = math.ceil(len(block) / cols)
            half = math.hypot(cols * PARTNERSHIP_SPACING, rows * 120.0) / 2
            ox, oy = (radius + half + 120) * math.cos(theta), (radius + half + 120) * math.sin(theta)
            for j, m in enumerate(block):
                placed[m] = (ox + (j % cols - (cols - 1) / 2) * PARTNERSHIP_SPACING, oy + (j // cols - (rows - 1) / 2) * 120.0)
    return placed


def cap_message(cap: dict, pattern: str | None) -> str:
    """The banner over a findings map that draws only some of the findings: how many, which, how to see more."""
    more = "open one child's map (graphcase map CHILD_ID)"
    if not pattern or pattern == "all":
        more = "choose one pattern (graphcase map --findings --pattern NAME) or " + more
    who = "the child" if cap["children_shown"] == 1 else f"the {cap['children_shown']:,} children"
    return (f"Showing {cap['shown']:,} of {cap['total']:,} findings: those about {who} with the most findings "
            f"(of {cap['children_total']:,} children with any). To see more, {more}.")


def _legend(g: nx.MultiDiGraph, styles: dict, patterns: dict) -> dict:
    node_counts = Counter(d["kind"] for _, d in g.nodes(data=True))
    agency_counts = Counter(d.get("agency_kind") for _, d in g.nodes(data=True) if d["kind"] in ("agency", "event") and d.get("agency_kind"))
    edge_counts = Counter(d["rel"] for *_, d in g.edges(data=True))
    pattern_counts = Counter(d["pattern"] for *_, d in g.edges(data=True) if d["rel"] == "finding")
    notes = []
    if any(d.get("in_finding") for _, d in g.nodes(data=True)):
        notes.append("Thick outline: on the evidence path of a missed-link finding.")
    if any(d.get("never_told") for _, d in g.nodes(data=True)):
        notes.append("Dashed outline and ⚠ NEVER TOLD: the agency worked with a child in a household where another agency held a "
                     "risk (supervised by probation, or flagged MAPPA, violence, domestic-abuse perpetrator or sexual offence) about an adult, and that agency never "
                     "referred or shared anything about the adult with it.")
    if g.graph.get("map_kind") == "partnership":
        notes.append("Agency size: people it knows. Edge width: number of referrals or shares. Dashed red: referrals with no feedback.")
    if g.graph.get("map_kind") == "ego":
        notes.append("Large bold node: the person the map is centred on.")
    notes.append(f"Labels appear as you zoom in (none drawn smaller than {styles['label_min_px']} px).")
    return {
        "nodeKinds": [
            {"kind": k, "label": v["label"], "shape": v["shape"], "color": v["color"], "border": v["border"], "count": node_counts[k]}
            for k, v in styles["node_kinds"].items()
            if node_counts[k]
        ],
        "agencyKinds": [
            {"kind": k, "label": v["label"], "color": v["color"], "shape": v.get("shape"), "border": "#222222", "count": agency_counts[k]}
            for k, v in styles["agency_kinds"].items()
            if agency_counts[k]
        ],
        "edges": [
            {"rel": k, "label": v["label"], "color": v["color"] if v["color"] != "agency" else "#777777", "width": v["width"], "dashes": v["dashes"]}
            for k, v in styles["edges"].items()
            if edge_counts[k] and k != "finding"
        ],
        "patterns": [
            {"pattern": p, "label": p.replace("_", " "), "color": look["color"], "dashes": look["dashes"], "width": 5, "count": pattern_counts[p]}
            for p, look in patterns.items()
        ],
        "notes": notes,
    }


def _options(styles: dict, physics: bool, large: bool, map_kind: str, busy: bool) -> dict:
    physics_options = {**styles["physics"], "enabled": physics}
    if busy:
        physics_options["barnesHut"] = {**physics_options["barnesHut"], "avoidOverlap": 0}
    if map_kind == "partnership":  # few nodes, long labels on the edges: give them room
        physics_options["barnesHut"] = {**physics_options["barnesHut"], **styles.get("partnership_barnesHut", {})}
    # vis-network skips a label drawn smaller than drawThreshold - 1 px on screen: none below label_min_px.
    label_scaling = {"label": {"enabled": False, "drawThreshold": styles["label_min_px"] + 1, "maxVisible": 30}}
    return {
        "autoResize": True,
        "physics": physics_options,
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": large, "navigationButtons": False, "keyboard": False},
        "edges": {"smooth": False if (large or busy) else {"enabled": True, "type": "dynamic"}, "scaling": label_scaling},
        "nodes": {"font": {"size": 13, "face": "system-ui, Arial, sans-serif"}, "scaling": label_scaling},
        "layout": {"improvedLayout": not large, "randomSeed": 7},
    }


def unique_edge_ids(g: nx.MultiDiGraph) -> list[str]:
    """One id per edge, in ``g.edges()`` order, unique across the whole map.

    networkx keys are unique only between one pair of nodes, but vis-network refuses the whole map ("Cannot
    add item: item with id ... already exists", a blank page) when two edges anywhere share an id. A repeated
    key gets ``#2``, ``#3``... so parallel relationships of one kind each keep their own edge.
    """
    used: set[str] = set()
    ids = []
    for _, _, key in g.edges(keys=True):
        candidate, n = str(key), 1
        while candidate in used:
            n += 1
            candidate = f"{key}#{n}"
        used.add(candidate)
        ids.append(candidate)
    return ids


def partnership_table(g: nx.MultiDiGraph) -> dict:
    """The partnership map's figures as tables: one row per flow, one per agency, and flows by month."""
    flows = []
    months: set[str] = set()
    for src, dst, d in g.edges(data=True):
        f = d.get("figures")
        if not f:
            continue
        months.update(f["months"])
        flows.append({
            "from": g.nodes[src]["label"], "to": g.nodes[dst]["label"], "flow": d["flow"], "count": f["count"],
            "feedbackRate": f.get("feedback_rate"), "medianDays": f["median_days"], "months": f["months"],
        })
    flows.sort(key=lambda r: (-r["count"], r["from"], r["to"]))
    agencies = sorted(
        ({"name": d["label"], "peopleKnown": d.get("people_known", 0), "risks": d.get("risks_in_its_households", 0),
          "risksNotShared": d.get("risks_not_shared", 0), "neverTold": bool(d.get("never_told"))} for _, d in g.nodes(data=True)),
        key=lambda r: (-r["peopleKnown"], r["name"]),
    )
    by_month = [{"month": m["month"], "referrals": m["referrals"]["count"], "fedBack": m["referrals"]["fed_back"],
                 "feedbackRate": m["referrals"]["feedback_rate"], "medianDaysToRefer": m["referrals"]["median_days"],
                 "shared": m["shared"]["count"], "medianDaysToShare": m["shared"]["median_days"]}
                for m in g.graph.get("by_month", [])]
    return {"flows": flows, "agencies": agencies, "months": sorted(months), "byMonth": by_month}


def build_network(g: nx.MultiDiGraph, *, positions: dict | None = None) -> tuple[Network, dict]:
    """A pyvis Network of the map graph, and the page data (legend, findings, meta) that goes with it."""
    styles = load_styles()
    map_kind = g.graph.get("map_kind", "ego")
    large = len(g) > styles["large_graph_nodes"]
    if large and positions is None:
        positions = precomputed_positions(g)
    groups: list[dict] = []
    if map_kind == "partnership" and len(g) > styles["partnership_group_agencies"]:
        groups = agency_kind_groups(g, styles)
        if positions is None:
            positions = grouped_partnership_positions(g, styles, groups)
    if map_kind == "partnership" and positions is None and len(g) > 12:
        positions = partnership_positions(g, styles)
    home = _households(g)
    if map_kind != "partnership" and len(g) > styles["cluster_households_nodes"]:
        groups = household_groups(g, home, positions or {})
    for group in groups:
        if positions and group["id"] in positions:
            group["x"], group["y"] = positions[group["id"]]
    patterns = pattern_looks(g, styles)
    net = Network(directed=True, cdn_resources="in_line")  # cdn mode unused: the page inlines vis itself
    for node_id, data in g.nodes(data=True):
        record = _node_record(node_id, data, styles, map_kind)
        record["household"] = home.get(node_id) if home.get(node_id) != node_id or data["kind"] == "address" else None
        if positions and node_id in positions:
            record["x"], record["y"] = positions[node_id]
        shape = record.pop("shape")
        net.add_node(node_id, shape=shape, **record)
    finding_edges = []
    for (src, dst, _, data), edge_id in zip(g.edges(keys=True, data=True), unique_edge_ids(g)):
        record = _edge_record(edge_id, src, dst, data, g, styles, patterns)
        net.add_edge(src, dst, **record)
        if data["rel"] == "finding":
            finding_edges.append((edge_id, data, src, dst))
    physics = positions is None
    hide_known_to = map_kind == "findings" or large
    # Agency "known to" lines (and on large maps "recorded by" lines) make a hairball over every household:
    # hidden until asked for.
    agency_rels = ("KNOWN_TO", "RECORDED_BY") if large else ("KNOWN_TO",)
    if hide_known_to:
        for e in net.edges:
            if e["rel"] in agency_rels:
                e["hidden"] = e["agencyLink"] = True

    def group_of(node_id: str) -> dict:
        kind = g.nodes[node_id]["kind"]
        anchor = node_id if kind == "child" else home.get(node_id, node_id)
        label = g.nodes[node_id]["label"].replace("\n", " ") if kind == "child" else f"household at {g.nodes[anchor]['label']}" if anchor in g else anchor
        return {"group": anchor, "groupLabel": label}

    data = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": _options(styles, physics, large, map_kind, busy=g.number_of_edges() > styles["smooth_edges_max"]),
        "legend": _legend(g, styles, patterns),
        "findings": [
            {
                "edgeId": key, "title": d["title"], "explanation": d["explanation"], "pattern": d["pattern"],
                "subject_id": dst, "other_id": src, **group_of(dst),
                "headline": f"{g.nodes[src]['label']} → {g.nodes[dst]['label']}".replace("\n", " "),
            }
            for key, d, src, dst in finding_edges
        ] + [
            {   # a finding about someone on the map with no edge to draw: listed, focusing its person
                "edgeId": None, "title": f["title"], "explanation": f["explanation"], "pattern": f["pattern"],
                "subject_id": f["subject_id"], "other_id": f["other_id"], **group_of(f["subject_id"]),
                "headline": f"{g.nodes[f['subject_id']]['label']} (not drawn: no second person on this map)".replace("\n", " "),
            }
            for f in g.graph.get("findings", []) if not f.get("drawn", True)
        ],
        "meta": {
            "mapKind": map_kind, "physics": physics, "rerunIterations": 300, "nodes": len(g), "edges": g.number_of_edges(),
            "large": large, "knownToHidden": hide_known_to,
            "groupsOf": "agency kind" if map_kind == "partnership" else "household", "labelMinPx": styles["label_min_px"],
            "empty": EMPTY_MESSAGES.get(map_kind, EMPTY_MESSAGES["ego"]) if len(g) == 0 else None,
        },
        "groups": groups,
    }
    if groups and map_kind == "partnership":
        data["legend"]["notes"].insert(0, "A kind of agency with a number, as \u201cGP (16)\u201d: those agencies drawn as one node, "
                                          "their flows added up (the totals on the lines). Click it to show each agency.")
    elif groups:
        data["legend"]["notes"].insert(0, "Grey square \u201chousehold at \u2026\u201d: a household (its address, people and events) "
                                          "drawn as one node. Click it to open; a search opens the household of its match.")
    if g.graph.get("cap"):
        data["meta"]["cap"] = {**g.graph["cap"], "message": cap_message(g.graph["cap"], g.graph.get("pattern"))}
    if map_kind == "partnership":
        data["partnership"] = partnership_table(g)
    return net, data


def map_html(g: nx.MultiDiGraph, *, title: str, subtitle: str = "", positions: dict | None = None) -> str:
    """The map as the text of one self-contained HTML file."""
    _, data = build_network(g, positions=positions)
    return render_page(title=title, subtitle=subtitle, data=data)


def write_map(g: nx.MultiDiGraph, path: str | Path, *, title: str, subtitle: str = "") -> Path:
    """Write the page private (0600) and whole: a reader never sees half a map."""
    return atomic_write_text(path, map_html(g, title=title, subtitle=subtitle))
