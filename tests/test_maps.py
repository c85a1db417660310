"""Network maps without a browser: what the extraction puts on each map, and that the HTML is self-contained."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from graphcase.cli import main
from graphcase.maps import MapError, Window, ego_graph, findings_graph, map_findings, map_html, partnership_graph
from graphcase.maps.page import vis_assets
from graphcase.stores.ladybug import LadybugStore

from .conftest import AS_OF, ROOT


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from graphcase import load_bundle

    from .conftest import SAMPLE

    s = LadybugStore(tmp_path_factory.mktemp("maps") / "sample.db")
    load_bundle(s, SAMPLE, today=AS_OF)
    yield s
    s.close()


def _edges(g, rel):
    return {(a, b) for a, b, d in g.edges(data=True) if d["rel"] == rel}


def test_ego_map_of_tyler_holds_household_agencies_events_and_the_finding(store):
    g = ego_graph(store, "gp:TWARD", hops=2, window=Window.as_of(AS_OF))
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    assert {n for n, k in kinds.items() if k == "child"} == {"gp:TWARD", "gp:RWARD"}
    assert {n for n, k in kinds.items() if k == "adult"} == {"gp:KWARD", "probation:DPLATT"}
    assert {n for n, k in kinds.items() if k == "address"} == {"A-WARD"}
    assert {n for n, k in kinds.items() if k == "event"} == {"E-W1", "E-W2", "E-W3", "E-W4", "E-W5", "E-W6", "E-W7"}
    assert {n for n, k in kinds.items() if k == "agency"} == {"gp-riverside", "school-oak", "hv", "amh", "probation", "police", "csc"}
    assert g.nodes["gp:TWARD"]["label"] == "Tyler Ward" and g.nodes["gp:TWARD"]["hop"] == 0
    assert g.nodes["probation:DPLATT"]["hop"] == 1
    assert ("probation:DPLATT", "probation") in _edges(g, "KNOWN_TO")
    assert ("probation:DPLATT", "gp:KWARD") in _edges(g, "RELATED_TO")
    assert ("E-W5", "csc") in _edges(g, "REFERRED_TO")
    assert ("E-W3", "csc") in _edges(g, "SHARED_WITH")
    assert ("E-W3", "A-WARD") in _edges(g, "OCCURRED_AT")
    findings = {(a, b, d["pattern"]) for a, b, d in g.edges(data=True) if d["rel"] == "finding"}
    assert findings == {
        ("probation:DPLATT", "gp:TWARD", "risky_adult_unseen_child"),
        ("probation:DPLATT", "gp:RWARD", "risky_adult_unseen_child"),
        ("probation:DPLATT", "gp:RWARD", "under_fives_parent_risk"),
        ("gp:KWARD", "gp:RWARD", "under_fives_parent_risk"),
        ("E-W7", "gp:TWARD", "domestic_abuse_child_not_told"),
        ("E-W7", "gp:RWARD", "domestic_abuse_child_not_told"),
        ("school-oak", "gp:TWARD", "referral_without_feedback"),
    }
    tyler_finding = next(d for a, b, d in g.edges(data=True) if d["rel"] == "finding" and b == "gp:TWARD" and a == "probation:DPLATT")
    assert "Dean Platt" in tyler_finding["explanation"] and "Tyler Ward" in tyler_finding["explanation"]
    assert "probation:PR-5531" in tyler_finding["evidence"] and tyler_finding["finding_id"].startswith("F-")
    assert g.graph["findings"] and all(f["explanation"] for f in g.graph["findings"])
    assert g.nodes["A-WARD"]["in_finding"] is True
    # Every node and every recorded edge names its source records.
    for node, data in g.nodes(data=True):
        assert data["sources"], node
    for a, b, data in g.edges(data=True):
        assert data["sources"], (a, b, data["rel"])


def test_ego_map_time_window_drops_what_had_not_happened_yet(store):
    g = ego_graph(store, "gp:TWARD", hops=2, window=Window.as_of(dt.date(2025, 2, 28)))
    # Dean moved in on 2025-03-01 and partnered Kerry from 2024-10; Ruby was born 2026-06-02.
    assert "gp:RWARD" not in g
    assert ("probation:DPLATT", "A-WARD") not in _edges(g, "LIVES_AT")
    assert g.nodes["probation:DPLATT"]["hop"] == 2  # already Kerry's partner: Tyler -> Kerry -> Dean
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "event"} == set()  # the first, E-W1, is 2025-04-02
    # Dean was already the mother's partner and known to police: that finding stands; Ruby's cannot.
    assert {(a, b, d["pattern"]) for a, b, d in g.edges(data=True) if d["rel"] == "finding"} == {
        ("probation:DPLATT", "gp:TWARD", "risky_adult_unseen_child")
    }

    window = Window.between(dt.date(2025, 9, 1), dt.date(2025, 9, 30))
    g = ego_graph(store, "gp:TWARD", hops=1, window=window)
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "event"} == {"E-W3", "E-W4"}


def test_a_map_as_of_a_date_shows_no_end_or_feedback_that_came_later(tmp_path):
    """As of a date the map shows what was known then: a residence or record that ended later is drawn as
    ongoing, a feedback given later as not given, and a referral made later not at all."""
    from graphcase import load_bundle

    scenarios = ROOT / "fixtures" / "scenarios"
    family = LadybugStore(tmp_path / "family.db")
    load_bundle(family, scenarios / "moving_family", today=dt.date(2026, 11, 1))
    # Dean left the West address on 2025-02-14 and the West GP closed his record on 2025-02-28.
    g = ego_graph(family, "gp:RLANE", hops=2, window=Window.as_of(dt.date(2022, 6, 1)))
    [home] = [d for a, b, d in g.edges(data=True) if (a, b, d["rel"]) == ("gp:DLANE", "A-WEST", "LIVES_AT")]
    [record] = [d for a, b, d in g.edges(data=True) if (a, b, d["rel"]) == ("gp:DLANE", "gp-west", "KNOWN_TO")]
    assert "to_date" not in home["props"] and "to now" in home["sources"][0]["fact"] and "until" not in record["props"]
    assert "2025-02-14" not in str(g.edges(data=True)) and "2025-02-28" not in str(g.edges(data=True))
    g = ego_graph(family, "gp:RLANE", hops=2, window=Window.as_of(dt.date(2025, 2, 28)))  # the record's last day
    [record] = [d for a, b, d in g.edges(data=True) if (a, b, d["rel"]) == ("gp:DLANE", "gp-west", "KNOWN_TO")]
    assert record["props"]["until"] == "2025-02-28"
    family.close()

    lodger = LadybugStore(tmp_path / "lodger.db")
    load_bundle(lodger, scenarios / "lodger_left_before_birth", today=dt.date(2026, 11, 1))
    # The GP referred Amy on 2025-05-20; perinatal mental health gave feedback on 2025-06-02.
    for as_of, feedback in ((dt.date(2025, 6, 1), None), (dt.date(2025, 6, 2), "2025-06-02")):
        g = ego_graph(lodger, "gp:ACOLLINS", hops=1, window=Window.as_of(as_of))
        [referral] = [d for a, b, d in g.edges(data=True) if (a, b, d["rel"]) == ("E-GP1", "amh", "REFERRED_TO")]
        assert referral["props"].get("feedback_date") == feedback and referral["no_feedback"] == (feedback is None)
    g = ego_graph(lodger, "gp:ACOLLINS", hops=1, window=Window.between(dt.date(2025, 5, 1), dt.date(2025, 5, 19)))
    assert not [d for a, b, d in g.edges(data=True) if d["rel"] == "REFERRED_TO"]
    lodger.close()


def test_hops_zero_is_the_person_with_their_agencies_only(store):
    g = ego_graph(store, "gp:TWARD", hops=0, window=Window.as_of(AS_OF), findings=[])
    assert {n for n, d in g.nodes(data=True) if d["kind"] in ("child", "adult", "address", "event")} == {"gp:TWARD"}
    assert {b for a, b in _edges(g, "KNOWN_TO")} == {"gp-riverside", "school-oak"}


def test_unknown_person_and_bad_window_are_clear_errors(store):
    with pytest.raises(MapError, match="no person with id 'gp:NOBODY'"):
        ego_graph(store, "gp:NOBODY", window=Window.as_of(AS_OF))
    with pytest.raises(MapError, match="starts"):
        Window.between(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_findings_map_draws_every_finding_with_its_path(store):
    found = map_findings(store, AS_OF)
    g = findings_graph(store, as_of=AS_OF)
    # 11: with the linkage model's rows, same_person_twice also pairs Jon Smith (police) and Jonathan Smyth (GP),
    # the one man link-records joins in the sample (tests/test_linkage.py), before anyone has run it.
    assert len(g.graph["findings"]) == len(found) == 11
    assert any(f.pattern == "same_person_twice" and {f.subject_id, f.other_id} == {"gp:JSMYTH", "police:JSMITH"} for f in found)
    assert {(a, b) for a, b, d in g.edges(data=True) if d["rel"] == "finding" and d["pattern"] == "risky_adult_unseen_child"} == {
        ("probation:DPLATT", "gp:TWARD"), ("probation:DPLATT", "gp:RWARD"), ("probation:IKHAN", "gp:AKHAN"), ("probation:LBROWN", "csc:MBROWN"),
    }
    # Evidence paths are drawn edge by edge, each oriented as stored and carrying its source record.
    assert ("probation:LBROWN", "A-BROWN") in _edges(g, "LIVES_AT") and ("csc:MBROWN", "A-BROWN") in _edges(g, "LIVES_AT")
    assert ("probation:DPLATT", "gp:KWARD") in _edges(g, "RELATED_TO")
    assert ("E-W7", "A-WARD") in _edges(g, "OCCURRED_AT") and ("E-W5", "csc") in _edges(g, "REFERRED_TO")
    assert len([1 for a, b, d in g.edges(data=True) if (a, b, d["rel"]) == ("E-W5", "csc", "REFERRED_TO")]) == 1
    lives = g.edges["gp:TWARD", "A-WARD", "LIVES_AT|gp:TWARD|A-WARD"]
    assert lives["sources"][0]["record"] == "GP-10232"
    assert "gp:SKHAN" not in g and "gp:LOKAFOR" not in g  # on no finding's path
    one = findings_graph(store, as_of=AS_OF, pattern="hidden_men")
    assert {(a, b) for a, b, d in one.edges(data=True) if d["rel"] == "finding"} == {("probation:LBROWN", "csc:MBROWN")}
    with pytest.raises(MapError, match="no link pattern named 'nope'"):
        map_findings(store, AS_OF, pattern="nope")


def test_partnership_map_counts_flows_and_marks_one_way_and_untold(store):
    g = partnership_graph(store, window=Window.between(dt.date(2020, 1, 1), AS_OF))
    assert len(g) == 9
    flows = {(a, b): d for a, b, d in g.edges(data=True)}
    assert flows[("police", "csc")]["weight"] == 2 and flows[("police", "csc")]["rel"] == "SHARED_WITH"
    assert flows[("school-oak", "csc")]["one_way"] is True and flows[("school-oak", "csc")]["rel"] == "one_way"
    assert flows[("gp-riverside", "csc")]["one_way"] is False  # feedback came back on 2023-03-20
    # Per flow: figures, not event ids (police shared E-W3 a day after, E-W7 two days after).
    assert flows[("police", "csc")]["figures"] == {"count": 2, "median_days": 1.5, "months": {"2025-09": 1, "2026-07": 1}}
    assert flows[("gp-riverside", "csc")]["figures"]["feedback_rate"] == 1.0
    assert flows[("school-oak", "csc")]["figures"]["feedback_rate"] == 0.0
    assert not any("E-W" in str(d["props"]) for d in flows.values())
    # Never told: working with a child whose household holds an adult another agency flagged, never told of him.
    # The school and GP know Tyler, whose mother's partner Dean Platt police and probation flag; CSC knows Mia
    # Brown, whose mother's partner probation supervises. Probation and police work with no such child.
    untold = {n: d["risks_not_shared"] for n, d in g.nodes(data=True) if d.get("never_told")}
    assert untold == {"school-oak": 3, "gp-riverside": 3, "hv": 2, "csc": 1}
    assert g.nodes["gp-riverside"]["risk_holders_not_sharing"] == ["police", "probation"]
    assert not g.nodes["police"].get("never_told") and not g.nodes["ae"].get("never_told")
    assert g.nodes["gp-riverside"]["people_known"] > g.nodes["ae"]["people_known"]
    # Up to a day: every flow dated up to then; the 2023 GP referral is in, the 2026 call-out share is not.
    g_up = partnership_graph(store, window=Window.up_to(dt.date(2025, 12, 31)))
    up = {(a, b): d for a, b, d in g_up.edges(data=True)}
    assert up[("gp-riverside", "csc")]["weight"] == 1 and up[("police", "csc")]["weight"] == 1
    # A window before any flow: agencies, no edges.
    g = partnership_graph(store, window=Window.between(dt.date(2010, 1, 1), dt.date(2010, 12, 31)))
    assert len(g) == 9 and g.number_of_edges() == 0


# Strings with "http" that the inlined vis-network carries in comments and code, none of them fetched:
# its licence headers, the SVG namespace it passes to createElementNS, and an error message's link.
NON_RESOURCE_URLS = {
    "https://visjs.github.io/vis-network/",
    "http://almende.com",
    "https://github.com/visjs",
    "http://www.apache.org/licenses/LICENSE-2.0",
    "http://opensource.org/licenses/MIT",
    "http://www.w3.org/2000/svg",
    "https://github.com/zloirock/core-js",
    "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
    "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
}
RESOURCE_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\b)|(?:\bimportScripts\s*\()""",
    re.IGNORECASE,
)


def test_every_map_is_one_file_with_no_external_reference(store):
    found = map_findings(store, AS_OF)
    pages = {
        "ego": map_html(ego_graph(store, "gp:TWARD", window=Window.as_of(AS_OF), findings=found), title="t"),
        "findings": map_html(findings_graph(store, as_of=AS_OF, findings=found), title="t"),
        "partnership": map_html(partnership_graph(store, window=Window.as_of(AS_OF)), title="t"),
    }
    _, vis_js, vis_css = vis_assets()
    for kind, html in pages.items():
        assert RESOURCE_REFERENCE.search(html) is None, (kind, RESOURCE_REFERENCE.search(html))
        urls = set(re.findall(r"""https?://[^\s"'<>)\\]+""", html))
        assert urls <= NON_RESOURCE_URLS, (kind, urls - NON_RESOURCE_URLS)
        assert "<script src" not in html and "<link" not in html
        assert vis_js[-2000:] in html and vis_css[:500] in html  # vis-network inlined from pyvis
        assert "default-src 'none'" in html  # the page's CSP forbids any fetch as well


def test_record_text_cannot_break_out_of_the_page(store):
    g = ego_graph(store, "gp:TWARD", hops=0, window=Window.as_of(AS_OF), findings=[])
    g.nodes["gp:TWARD"]["props"]["note"] = "</script><script>alert(1)</script>"
    html = map_html(g, title="<b>x</b>")
    assert "</script><script>alert(1)" not in html
    assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in html


def test_cli_writes_each_map_kind(tmp_path):
    from .conftest import SAMPLE

    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    assert runner.invoke(main, ["--db", db, "load", str(SAMPLE), "--quiet"]).exit_code == 0
    out = tmp_path / "tyler.html"
    r = runner.invoke(main, ["--db", db, "map", "gp:TWARD", "--hops", "1", "--as-of", "2026-11-01", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "Tyler Ward" in out.read_text(encoding="utf-8")
    r = runner.invoke(main, ["--db", db, "map", "--findings", "--pattern", "hidden_men", "--as-of", "2026-11-01", "-o", str(tmp_path / "f.html")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["--db", db, "map", "--partnership", "--from", "2025-01-01", "--to", "2026-11-01", "-o", str(tmp_path / "p.html")])
    assert r.exit_code == 0, r.output and (tmp_path / "p.html").exists()
    r = runner.invoke(main, ["--db", db, "map", "gp:NOBODY", "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 1 and "no person with id 'gp:NOBODY'" in r.output
    r = runner.invoke(main, ["--db", db, "map", "--findings", "--partnership", "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "exactly one of" in r.output
    r = runner.invoke(main, ["--db", db, "map", "gp:TWARD", "--from", "2025-01-01", "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "--from and --to go together" in r.output


def estate_graph(households: int):
    """A map graph of ``households`` households (2 adults, 2 children, an address, an event) and 3 agencies."""
    import networkx as nx

    g = nx.MultiDiGraph(map_kind="ego")
    for a, kind in (("gp", "health_gp"), ("police", "police"), ("school", "education")):
        g.add_node(a, kind="agency", label=a, agency_kind=kind, props={}, sources=[])
    for h in range(households):
        addr, event = f"A{h}", f"E{h}"
        g.add_node(addr, kind="address", label=addr, props={}, sources=[])
        g.add_node(event, kind="event", label=event, agency_kind="police", props={}, sources=[])
        g.add_edge(event, "police", key=f"rb{h}", rel="RECORDED_BY")
        for i, role in enumerate(("adult", "adult", "child", "child")):
            p = f"P{h}-{i}"
            g.add_node(p, kind=role, label=p, props={}, sources=[])
            g.add_edge(p, addr, key=f"la{p}", rel="LIVES_AT")
            g.add_edge(event, p, key=f"ab{p}", rel="ABOUT")
            g.add_edge(p, "gp" if role == "adult" else "school", key=f"kt{p}", rel="KNOWN_TO")
        if h:
            g.add_edge(f"P{(h - 1) // 2}-0", f"P{h}-1", key=f"sib{h}", rel="RELATED_TO")
    return g


def partnership_graph_of(agencies: int, seed: int = 3):
    """A partnership map graph of ``agencies`` agencies spread over the kinds in styles.json (most of them
    GPs, schools and voluntary services, as in a county), with referral and sharing flows between them."""
    import random

    import networkx as nx

    from graphcase.maps.page import load_styles

    rng = random.Random(seed)
    kinds = list(load_styles()["agency_kinds"])
    common = ["health_gp", "education", "voluntary", "early_years", "housing"]
    g = nx.MultiDiGraph(map_kind="partnership")
    ids = []
    for i in range(agencies):
        kind = kinds[i] if i < len(kinds) else rng.choice(common)
        a = f"ag{i:02d}"
        g.add_node(a, kind="agency", label=f"{kind.replace('_', ' ').title()} service {i}", agency_kind=kind,
                   people_known=rng.randint(5, 2600), props={}, sources=[], never_told=(i % 9 == 0),
                   risks_in_its_households=2 * (i % 9 == 0), risks_not_shared=1 * (i % 9 == 0), risk_holders_not_sharing=["police"] * (i % 9 == 0))
        ids.append(a)
    for i in range(agencies * 3):
        src, dst = rng.sample(ids, 2)
        n = rng.randint(1, 40)
        flow = rng.choice(["referral", "shared"])
        rel = "REFERRED_TO" if flow == "referral" else "SHARED_WITH"
        if g.has_edge(src, dst, key=f"{rel}|{src}|{dst}"):
            continue
        figures = {"count": n, "median_days": 3.0, "months": {"2026-01": n}, "feedback_rate": 0.5 if flow == "referral" else None}
        g.add_edge(src, dst, key=f"{rel}|{src}|{dst}", rel=rel, flow=flow, weight=n, figures=figures,
                   label=f"{n} {'referrals' if flow == 'referral' else 'shared'}", props={}, sources=[])
    return g


def test_large_maps_get_household_layouts_and_no_browser_physics():
    from graphcase.maps.build import EVENT_RING, PEOPLE_RING, build_network, precomputed_positions

    g = estate_graph(60)  # 363 nodes
    pos = precomputed_positions(g)
    assert set(pos) == set(g)
    for h in range(60):  # members sit around their address, events a little further out
        ax, ay = pos[f"A{h}"]
        assert all(abs(((pos[f"P{h}-{i}"][0] - ax) ** 2 + (pos[f"P{h}-{i}"][1] - ay) ** 2) ** 0.5 - PEOPLE_RING) < 0.01 for i in range(4))
        assert abs(((pos[f"E{h}"][0] - ax) ** 2 + (pos[f"E{h}"][1] - ay) ** 2) ** 0.5 - EVENT_RING) < 0.01
    outermost = max((x * x + y * y) ** 0.5 for n, (x, y) in pos.items() if g.nodes[n]["kind"] != "agency")
    assert all((pos[a][0] ** 2 + pos[a][1] ** 2) ** 0.5 > outermost for a in ("gp", "police", "school"))
    _, data = build_network(g)
    assert data["meta"]["physics"] is False and data["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert data["options"]["edges"]["smooth"] is False
    small = estate_graph(3)
    _, data = build_network(small)
    assert data["meta"]["physics"] is True and all("x" not in n for n in data["nodes"])


def test_every_finding_about_the_child_is_on_its_map_once(store):
    """Drawn as an edge, or listed beside the map when it has no second person there; counted once each."""
    from graphcase.catalogue.findings import run_catalogue

    run = run_catalogue(store, AS_OF)
    for child in ("gp:TWARD", "gp:RWARD"):
        expected = {f.id for f in run.findings if child in f.children}
        g = ego_graph(store, child, hops=2, window=Window.as_of(AS_OF))
        listed = [f["finding_id"] for f in g.graph["findings"]]
        assert expected <= set(listed), (child, expected - set(listed))
        assert len(listed) == len(set(listed))
        assert all(f["drawn"] for f in g.graph["findings"] if f["finding_id"] in {
            d["finding_id"] for _, _, d in g.edges(data=True) if d["rel"] == "finding"})


def many_findings(found, copies: int):
    """``copies`` distinct findings made from the sample's real ones (same people and paths, new ids): a
    county-sized findings list in a fraction of a second, with no 100k store behind it."""
    import dataclasses

    return [dataclasses.replace(f, finding_id=f"{f.finding_id or f.pattern}#{i}") for i in range(copies // len(found) + 1) for f in found][:copies]


def test_a_findings_map_of_very_many_findings_draws_the_children_with_most_findings_and_says_so(store):
    from graphcase.maps import most_findings_first
    from graphcase.maps.build import build_network

    found = map_findings(store, AS_OF)
    assert findings_graph(store, as_of=AS_OF, findings=found).graph["cap"] is None  # 10 findings: all drawn
    big = many_findings(found, 100_000)
    g = findings_graph(store, as_of=AS_OF, findings=big)
    cap = g.graph["cap"]
    assert cap["total"] == 100_000 and cap["shown"] == len({f["finding_id"] for f in g.graph["findings"]}) <= 150
    assert cap["children_shown"] < cap["children_total"]
    # The children drawn are those with the most findings.
    per_child = {}
    for f in big:
        per_child[f.subject_id] = per_child.get(f.subject_id, 0) + 1
    drawn = {f["subject_id"] for f in g.graph["findings"]}
    assert max(per_child[c] for c in per_child if c not in drawn) <= min(per_child[c] for c in drawn)
    # A lower limit through the parameter; each kept child keeps every finding about them that fits.
    kept, cap = most_findings_first(found, 3)
    assert cap == {"shown": len({f.finding_id for f in kept}), "total": len({f.finding_id for f in found}), "children_shown": cap["children_shown"],
                   "children_total": len({f.subject_id for f in found})}
    assert 1 <= cap["shown"] <= 3
    _, data = build_network(g)
    assert data["meta"]["cap"]["message"].startswith(f"Showing {g.graph['cap']['shown']:,} of 100,000 findings")
    with pytest.raises(MapError, match="--limit"):
        findings_graph(store, as_of=AS_OF, findings=found, limit=0)


def test_map_cli_limit_goes_with_findings(tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "map", "gp:TWARD", "--limit", "5", "-o", str(tmp_path / "m.html")])
    assert result.exit_code != 0 and "--limit go with --findings" in result.output


@pytest.mark.parametrize("hops", [1, 2])
def test_an_expansion_places_each_event_where_the_store_says_it_happened(sample_store, hops):
    """Each event on an ego map (and on an expansion, drawn without findings) has exactly the OCCURRED_AT
    addresses the store holds for it, on both engines: the map looks them up one event at a time."""
    everywhere = {tuple(r) for r in sample_store.query("MATCH (e:Event)-[:OCCURRED_AT]->(a:Address) RETURN e.id, a.id").rows}
    people = [r[0] for r in sample_store.query("MATCH (p:Person) RETURN p.id ORDER BY p.id").rows]
    drawn_any = set()
    for pid in people:
        g = ego_graph(sample_store, pid, hops=hops, window=Window.as_of(AS_OF), findings=[])
        events = {n for n, d in g.nodes(data=True) if d["kind"] == "event"}
        drawn = _edges(g, "OCCURRED_AT")
        assert drawn == {(e, a) for e, a in everywhere if e in events}, pid
        assert all(g.nodes[a]["kind"] == "address" and g.nodes[a]["label"] for _, a in drawn), pid  # described, not bare
        drawn_any |= drawn
    assert len(drawn_any) >= 3 and drawn_any <= everywhere  # the sample's events with a place are reached
