"""The workspace in headless Chromium: each role signs in and walks its pages on the sample bundle, served by
uvicorn on 127.0.0.1. No request leaves the app, no console error, no Content-Security-Policy violation.
Screenshots go to docs/img/ (the workspace page of the docs shows them)."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from pathlib import Path
import threading
import time

import pytest
import uvicorn

from graphcase.web import create_app

from .conftest import ROOT
from .web_fixtures import PASSWORD, make_workspace, sample_store

pytestmark = pytest.mark.browser
# The docs' screenshots are refreshed only when asked (GRAPHCASE_SCREENSHOTS=docs), so a test run leaves the
# checkout clean; otherwise they go to a temp folder, still taken (a page that cannot be drawn fails).
SHOTS = ROOT / "docs" / "img" if os.environ.get("GRAPHCASE_SCREENSHOTS") == "docs" else Path(tempfile.mkdtemp(prefix="graphcase-shots-"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(workspace):
    """The workspace's app served by uvicorn on a free loopback port, for as long as the block runs."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = sample_store(tmp_path_factory.mktemp("webui"))
    with serving(make_workspace(store)) as base:
        yield base
    store.close()


class Visit:
    """A signed-in browser tab that records requests to anywhere else, console errors and CSP violations."""

    def __init__(self, browser, base, role):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.elsewhere, self.errors = [], []

        def route(r):
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.elsewhere.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.go("/login")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("#sign-in")
        self.page.wait_for_load_state()
        assert self.page.url == base + "/", self.page.url

    def go(self, path):
        return self.page.goto(self.base + path)

    def js(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def wait(self, expression, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.05)

    def give_reason(self, reason="MASH 2026-0412"):
        assert "/reason" in self.page.url, self.page.url
        self.page.fill("#reason", reason)
        self.page.click("#give-reason")
        self.page.wait_for_load_state()

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"workspace-{name}.png"))

    def close(self):
        assert self.elsewhere == [], self.elsewhere
        assert self.errors == [], self.errors  # a CSP violation is a console error in Chromium
        self.context.close()


def choose_a_lead_and_see_its_path(v: Visit, want_added: bool = False) -> dict:
    """Choose the lead (with an evidence path) whose evidence is most off the map: its evidence nodes are then
    all on the map and lit, at least one of its links is lit, everything else is dimmed; choosing it again
    puts the map back. Returns the lead."""
    v.wait("graphcase.leads !== null")
    leads = v.js("graphcase.leads")
    assert leads, "no lead about this person"
    on_map = set(v.js("network.body.data.nodes.getIds()"))
    index = max((i for i, lead in enumerate(leads) if lead["steps"]), key=lambda i: len(set(leads[i]["nodes"]) - on_map))
    lead = leads[index]
    missing = set(lead["nodes"]) - on_map
    assert missing or not want_added, "every lead's evidence is already on the map"
    v.js("i => graphcaseChooseLead(i)", index)
    nodes = {n["id"]: n for n in v.js("network.body.data.nodes.get()")}
    edges = v.js("network.body.data.edges.get()")
    assert set(lead["nodes"]) <= set(nodes), "an evidence node was not added"
    assert set(v.js("graphcase.added")) >= missing
    assert {i for i, n in nodes.items() if n.get("lit")} == set(lead["nodes"])
    assert all(n.get("dimmed") for i, n in nodes.items() if i not in lead["nodes"])
    lit = [e for e in edges if e.get("lit")]
    assert lit and all(e["from"] in lead["nodes"] and e["to"] in lead["nodes"] for e in lit)
    assert any(e.get("dimmed") for e in edges) or len(lit) == len(edges)
    assert v.page.locator("#leads button.lead-choice[aria-pressed=true]").count() == 1
    v.page.wait_for_timeout(500)
    v.js("i => graphcaseChooseLead(i)", index)  # again: cleared
    assert not any(n.get("dimmed") or n.get("lit") for n in v.js("network.body.data.nodes.get()"))
    v.js("i => graphcaseChooseLead(i)", index)  # and chosen, for the screenshot
    return lead


def test_analyst_searches_opens_the_case_expands_the_network_and_replays_it(browser, server):
    v = Visit(browser, server, "analyst")
    v.go("/search")
    v.page.fill("#name", "Jon Smyth")
    v.page.fill("#search-reason", "MASH 2026-0412")
    v.page.click("#search-button")
    v.page.wait_for_load_state()
    hits = v.page.inner_text("#hits")
    assert "police:JSMITH" in hits and "gp:JSMYTH" in hits  # the misspelt name finds both agencies' records
    v.shot("search")

    v.go("/person/gp:TWARD")
    v.give_reason()
    assert "Tyler" in v.page.inner_text("#person-name")
    leads = v.page.locator("article.lead")
    assert leads.count() > 0
    v.page.locator("details.evidence").first.click()
    evidence = v.page.locator("details.evidence").first.inner_text()
    assert "Evidence" in evidence and "Source records:" in evidence, evidence
    assert v.page.locator("details.evidence").first.locator(".path .node").count() >= 2  # the evidence path, node by node
    v.js("window.scrollTo(0, 0)")
    v.shot("case")

    v.go("/person/gp:TWARD/network")
    v.wait("!!window.graphcase && !!window.network")
    before = v.js("network.body.data.nodes.length")
    people = v.js("network.body.data.nodes.get().filter(n => (n.kind === 'adult' || n.kind === 'child') && n.id !== 'gp:TWARD').map(n => n.id)")
    grown = False
    for pid in people:
        loads = v.js("graphcase.loads")
        v.js("id => graphcaseExpand(id)", pid)
        v.wait(f"graphcase.loads > {loads} && !graphcase.busy")
        if v.js("network.body.data.nodes.length") > before:
            grown = True
            break
    assert grown, "expanding no neighbour added a node"
    v.page.wait_for_timeout(1500)
    v.shot("network")

    full = set(v.js("network.body.data.nodes.getIds()"))
    loads = v.js("graphcase.loads")
    v.js("graphcaseSetDate(60)")  # five years back
    v.wait(f"graphcase.loads > {loads} && !graphcase.busy")
    earlier = set(v.js("network.body.data.nodes.getIds()"))
    assert v.js("graphcase.asOf") < "2022-01-01"
    assert earlier != full and len(earlier) < len(full)

    choose_a_lead_and_see_its_path(v, want_added=True)  # five years back, some of the evidence is not on the map
    v.shot("network-lead")

    hidden_before = v.js("network.body.data.edges.get().filter(e => e.hidden).length")
    rel = v.js("network.body.data.edges.get()[0].rel")
    v.page.locator(f'[id="rel-{rel}"]').uncheck()
    assert v.js("network.body.data.edges.get().filter(e => e.hidden).length") > hidden_before

    v.go("/person/gp:TWARD/chronology")
    assert v.page.locator("#chronology tbody tr").count() > 1
    v.shot("chronology")
    v.close()


def test_reviewer_reaches_the_chronology_and_the_pseudonymised_export_only(browser, server):
    v = Visit(browser, server, "reviewer")
    v.go("/person/gp:TWARD/chronology")
    v.give_reason("Review CSPR 2026-3")
    assert v.page.locator("#chronology").count() == 1
    assert v.page.locator("#export-pseudo-md").count() == 1
    assert v.page.locator("a[href$='format=csv']").count() == 0  # no identifiable export link
    response = v.go("/person/gp:TWARD")
    assert response.status == 403
    v.errors = [e for e in v.errors if "403" not in e]  # the browser logs the refused page itself
    v.close()


def test_lead_sees_figures_and_no_person(browser, server):
    v = Visit(browser, server, "lead")
    v.go("/partnership?from=2020-01-01&to=2026-11-01")
    assert v.page.locator("#agencies tbody tr").count() > 3
    assert v.page.locator("#months tbody tr").count() == 7 * 12 - 1  # 2020-01 .. 2026-11, one row a month
    assert v.page.locator("#months svg.bar rect.referrals").count() == 7 * 12 - 1
    assert int(v.page.inner_text("#fig-referrals")) > 0
    v.shot("partnership")
    text = v.page.inner_text("main")
    assert "Tyler" not in text and "gp:TWARD" not in text
    for path in ("/person/gp:TWARD", "/person/gp:TWARD/network", "/api/network/gp:TWARD", "/search?name=Tyler&reason=x"):
        assert v.go(path).status == 403, path
    v.errors = [e for e in v.errors if "403" not in e]
    v.close()


def test_admin_reads_the_audit_log(browser, server):
    v = Visit(browser, server, "admin")
    v.go("/admin/audit?user=analyst")
    assert "Chain intact" in v.page.inner_text("#verdict")
    assert v.page.locator("#audit tbody tr").count() >= 5  # the analyst's walk above
    v.shot("audit")
    v.close()


# -- a generated county: every role walks its pages on ~2,500 people with planted scenarios -------------------
@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """(base url, planted child, planted adult, the child's name, as_of) of a generated county (seed 13), served
    once for this module. The child is a planted 'risky adult, unseen child' case: it has leads with evidence."""
    import datetime as dt
    import json

    import pandas as pd

    from graphcase import load_bundle
    from graphcase.maps import Window, ego_graph
    from graphcase.stores.ladybug import LadybugStore
    from graphcase.synthetic.county import generate_county

    tmp = tmp_path_factory.mktemp("county-web")
    _, truth = generate_county(2500, seed=13, out_dir=tmp / "county")
    as_of = dt.date.fromisoformat(json.loads((tmp / "county" / "ground_truth.json").read_text())["as_of"])
    store = LadybugStore(tmp / "county.db")
    store.ensure_schema()
    report = load_bundle(store, tmp / "county")
    assert not report.rejects, [str(r) for r in report.rejects[:3]]
    store.close()
    store = LadybugStore(tmp / "county.db", read_only=True)

    def people_within(pid, hops):
        g = ego_graph(store, pid, hops=hops, window=Window.as_of(as_of), findings=[])
        return {n for n, d in g.nodes(data=True) if d.get("kind") in ("child", "adult")}

    # A planted child with someone two links away, so expanding a neighbour on its map adds a person.
    hit = next(h for h in truth.patterns["risky_adult_unseen_child"]["hits"] if people_within(h["child_id"], 2) > people_within(h["child_id"], 1))
    child = pd.read_csv(tmp / "county" / "people.csv", dtype=str).set_index("id").loc[hit["child_id"]]
    workspace = make_workspace(store, as_of=as_of, case=hit["child_id"])
    with serving(workspace) as base:
        yield {"base": base, "child": hit["child_id"], "adult": hit["adult_id"], "given": child["given_name"],
               "family": child["family_name"], "dob": child["dob"], "as_of": as_of}
    store.close()


def misspelt(name: str) -> str:
    """Two letters of the middle swapped (Murphy -> Muprhy), or the last one doubled in a short name."""
    return name[:2] + name[3] + name[2] + name[4:] if len(name) >= 5 and name[2] != name[3] else name + name[-1]


def test_county_analyst_finds_a_misspelt_name_and_walks_the_case_the_network_and_a_lead(browser, county):
    v = Visit(browser, county["base"], "analyst")
    child = county["child"]
    v.go("/search")
    typed = f"{county['given']} {misspelt(county['family'])}"
    assert typed.split()[-1] != county["family"]
    v.page.fill("#name", typed)
    v.page.fill("#dob", county["dob"][:4])
    v.page.fill("#search-reason", "MASH 2026-0999")
    v.page.click("#search-button")
    v.page.wait_for_load_state()
    assert child in v.page.inner_text("#hits"), (typed, v.page.inner_text("#hits")[:500])
    v.shot("county-search")

    v.page.locator(f'#hits a[href="/person/{child.replace(":", "%3A")}"]').first.click()
    v.page.wait_for_load_state()
    v.give_reason()
    assert county["given"] in v.page.inner_text("#person-name")
    patterns = v.page.locator("article.lead h3").all_inner_texts()
    assert any("risky_adult_unseen_child" in p for p in patterns), patterns
    lead = v.page.locator("article.lead", has_text="risky_adult_unseen_child").first
    lead.locator("details.evidence summary").click()
    assert lead.locator(".path .node").count() >= 2 and county["adult"] in lead.inner_text()
    v.js("window.scrollTo(0, 0)")
    v.shot("county-case")

    v.go(f"/person/{child}/network")
    v.wait("!!window.graphcase && !!window.network")
    full = set(v.js("network.body.data.nodes.getIds()"))
    people = v.js(f"network.body.data.nodes.get().filter(n => (n.kind === 'adult' || n.kind === 'child') && n.id !== '{child}').map(n => n.id)")
    grown = False
    for pid in people:
        loads = v.js("graphcase.loads")
        v.js("id => graphcaseExpand(id)", pid)
        v.wait(f"graphcase.loads > {loads} && !graphcase.busy")
        after = set(v.js("network.body.data.nodes.getIds()"))
        if after > full:
            grown, full = True, after
            break
    assert grown, "expanding no neighbour added a node"
    v.page.wait_for_timeout(1000)
    v.shot("county-network")

    loads = v.js("graphcase.loads")
    v.js("graphcaseSetDate(96)")  # eight years back: before the child's family came together
    v.wait(f"graphcase.loads > {loads} && !graphcase.busy")
    earlier = set(v.js("network.body.data.nodes.getIds()"))
    assert v.js("graphcase.asOf") < (county["as_of"].replace(year=county["as_of"].year - 7)).isoformat()
    assert earlier != full, "the date slider did not change the network"

    lead = choose_a_lead_and_see_its_path(v)
    assert child in lead["nodes"]
    v.page.wait_for_timeout(1000)
    v.shot("county-network-lead")
    v.close()


def test_county_lead_sees_figures_per_month_and_cannot_open_a_person(browser, county):
    v = Visit(browser, county["base"], "lead")
    child = county["child"]
    for path in (f"/person/{child}", f"/person/{child}/network", f"/person/{child}/chronology", f"/api/network/{child}",
                 f"/api/network/{child}/leads", f"/reason?person={child}", f"/search?name={county['family']}&reason=x"):
        assert v.go(path).status == 403, path
    v.errors = [e for e in v.errors if "403" not in e]
    end = county["as_of"]
    v.go(f"/partnership?from={end.replace(year=end.year - 2).isoformat()}&to={end.isoformat()}")
    rows = v.page.locator("#months tbody tr")
    assert rows.count() == 25  # two years, month by month, both ends included
    referrals = [int(t.split()[-1]) for t in v.page.locator("#months tbody tr td:nth-child(2)").all_inner_texts()]
    assert sum(referrals) == int(v.page.inner_text("#fig-referrals")) > 0
    assert sum(1 for n in referrals if n) > 3, referrals  # figures spread over the months
    text = v.page.inner_text("main")
    assert child not in text and county["family"] not in text
    v.shot("county-partnership")
    v.close()


def test_county_reviewer_reads_the_assigned_chronology_only(browser, county):
    v = Visit(browser, county["base"], "reviewer")
    child = county["child"]
    v.go(f"/person/{child}/chronology")
    v.give_reason("Review CSPR 2026-9")
    assert child in v.page.inner_text("h1") and v.page.locator("#chronology").count() == 1
    # an 'unseen child' has no events of its own; the chronology still lists the agencies that know it
    assert v.page.locator("select[name=agency] option").count() > 1
    assert v.page.locator("#export-pseudo-md").count() == 1 and v.page.locator("a[href$='format=csv']").count() == 0
    assert v.go(f"/person/{child}").status == 403
    assert v.go(f"/person/{county['adult']}/chronology").status == 403  # not assigned
    v.errors = [e for e in v.errors if "403" not in e]
    v.close()


def test_county_admin_sees_the_walk_in_the_audit_log(browser, county):
    v = Visit(browser, county["base"], "admin")
    v.go(f"/admin/audit?person={county['child']}")
    assert "Chain intact" in v.page.inner_text("#verdict")
    assert v.page.locator("#audit tbody tr").count() >= 4  # the analyst's person page, map, leads, expansions
    v.close()
