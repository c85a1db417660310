"""How fast network maps build and settle: ego maps of about 50, 500 and 2,000 nodes.

For each size a synthetic "estate" bundle is written and loaded into a fresh LadybugDB: households of two
adults, two children, an address and three events (a police domestic-abuse call-out shared with children's
social care, a GP appointment, a school absence), every person known to two or three agencies, the
households joined into one tree by sibling relationships, so that one ego map with enough hops reaches
them all (about 8 nodes and 30 edges a household, plus the 9 agencies).

Figures (medians of --repeat runs):
- extract: the Cypher extraction into networkx (ego_graph);
- build: pyvis records + page (map_html), including the networkx layout for large maps;
- stable: from navigation start until the page reports its layout settled, in headless Chromium with every
  request blocked (the same measure the page shows: physics has stopped, or a precomputed layout drawn).
Baselines in the same run, on the same graph: the page as the code on ``--baseline-ref`` (default main)
writes it (its graphcase/ and visualisations/ taken with ``git archive`` into a temporary folder and run in a
subprocess), and the same map forced to lay itself out with browser physics (vis-network barnesHut, no
precomputed positions), which is what a plain pyvis page does. This branch's and the baseline's pages are
opened alternately, so a busy machine slows both alike. Targets: 2,000 nodes built in 5 s or less and
stable in 3 s or less.

Also, for maps above the large-map size:
- layout: the household skeleton laid out by networkx forceatlas2_layout (shipped) against spring_layout
  (the previous layout), same graph, same run;
- focus: search for a node and bring it to the middle, from the call until the next painted frame (target
  under 500 ms), median over 5 nodes;
and a chronology of 200 events (one child, six agencies, three years): render to HTML, time until the
page has loaded, and the number of marks another covers (must be 0).

    python benchmarks/map_speed.py [--sizes 50,500,2000] [--repeat 3] [--baseline-ref main]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import pickle
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from graphcase import load_bundle
from graphcase.maps import Window, ego_graph, map_html
from graphcase.history import build_history, render_history
from graphcase.maps.build import _households, build_network, precomputed_positions
from graphcase.maps.page import load_styles, render_page
from graphcase.stores.ladybug import LadybugStore

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
AS_OF = dt.date(2026, 11, 1)
NODES_PER_HOUSEHOLD = 8
AGENCIES = 9


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def write_estate(folder: Path, households: int) -> None:
    """A bundle of ``households`` households joined into one tree (household i's second adult is a sibling
    of household (i-1)//2's first adult)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agencies.csv").write_text((ROOT / "fixtures/sample/agencies.csv").read_text())
    people, addresses, rels, homes, records, events, about, shares = [], [], [], [], [], [], [], []
    for h in range(households):
        a1, a2, c1, c2, addr = f"p:{h}-a1", f"p:{h}-a2", f"p:{h}-c1", f"p:{h}-c2", f"A-{h}"
        src = ["gp-riverside", f"GP-{h}"]
        people += [
            [a1, "adult", "Alex", f"Estate{h}", "1985-01-01", "male", "", *src],
            [a2, "adult", "Sam", f"Estate{h}", "1987-01-01", "female", "", *src],
            [c1, "child", "Kit", f"Estate{h}", "2016-01-01", "male", "", *src],
            [c2, "child", "Jo", f"Estate{h}", "2020-01-01", "female", "", *src],
        ]
        addresses.append([addr, f"ES{h // 100} {h % 100}AB", "", *src])
        rels += [[a1, a2, "partner", "2014-01-01", "", *src]]
        rels += [[p, c, "parent", "2016-01-01", "", *src] for p in (a1, a2) for c in (c1, c2)]
        if h:
            rels.append([f"p:{(h - 1) // 2}-a1", a2, "sibling", "1987-01-01", "", *src])
        homes += [[p, addr, "2015-01-01", "", *src] for p in (a1, a2, c1, c2)]
        records += [
            [a1, "gp-riverside", f"GP-{h}-1", "2015-01-01", "", "", "gp-riverside", f"GP-{h}-1"],
            [a1, "police" if h % 2 else "probation", f"R-{h}-1", "2020-01-01", "", "violence", "police", f"R-{h}-1"],
            [a2, "gp-riverside", f"GP-{h}-2", "2015-01-01", "", "", "gp-riverside", f"GP-{h}-2"],
            [a2, "amh", f"AMH-{h}", "2022-01-01", "", "", "amh", f"AMH-{h}"],
            [c1, "gp-riverside", f"GP-{h}-3", "2016-01-01", "", "", "gp-riverside", f"GP-{h}-3"],
            [c1, "school-oak", f"SCH-{h}-3", "2021-09-01", "", "", "school-oak", f"SCH-{h}-3"],
            [c2, "gp-riverside", f"GP-{h}-4", "2020-01-01", "", "", "gp-riverside", f"GP-{h}-4"],
            [c2, "hv", f"HV-{h}", "2020-01-10", "", "", "hv", f"HV-{h}"],
        ]
        da, appt, absent = f"E-{h}-da", f"E-{h}-gp", f"E-{h}-sch"
        events += [
            [da, "domestic_abuse_incident", "2025-09-14", "Call-out", "charged", "police", addr, "police", f"INC-{h}"],
            [appt, "was_not_brought", "2025-06-11", "Not brought", "not_attended", "gp-riverside", "", "gp-riverside", f"APP-{h}"],
            [absent, "school_absence", "2025-09-15", "Absent", "other", "school-oak", "", "school-oak", f"ATT-{h}"],
        ]
        about += [[da, a1, "alleged_perpetrator", "police", f"INC-{h}"], [da, a2, "victim", "police", f"INC-{h}"],
                  [da, c1, "household_member", "police", f"INC-{h}"], [da, c2, "household_member", "police", f"INC-{h}"],
                  [appt, c2, "subject", "gp-riverside", f"APP-{h}"], [absent, c1, "subject", "school-oak", f"ATT-{h}"]]
        shares.append([da, "csc", "shared_with", "2025-09-16", "", "police", f"INC-{h}"])
    prov = ["source_agency", "source_record"]
    _write(folder / "people.csv", ["id", "role", "given_name", "family_name", "dob", "sex", "nhs_number", *prov], people)
    _write(folder / "addresses.csv", ["id", "postcode", "uprn", *prov], addresses)
    _write(folder / "relationships.csv", ["person_id", "other_id", "kind", "from_date", "to_date", *prov], rels)
    _write(folder / "residences.csv", ["person_id", "address_id", "from_date", "to_date", *prov], homes)
    _write(folder / "agency_records.csv", ["person_id", "agency_id", "record_id", "since", "until", "flags", *prov], records)
    _write(folder / "events.csv", ["id", "kind", "date", "summary", "outcome", "recorded_by", "address_id", *prov], events)
    _write(folder / "event_people.csv", ["event_id", "person_id", "involvement", *prov], about)
    _write(folder / "event_agencies.csv", ["event_id", "agency_id", "kind", "date", "feedback_date", *prov], shares)


def time_in_browser(browser, path: Path, timeout: float) -> float | None:
    """Milliseconds from navigation start until the page reports its layout settled (None: timed out)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    blocked = []

    def route(r):
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    try:
        page.route("**/*", route)
        page.goto(path.as_uri())
        deadline = time.monotonic() + timeout
        while not page.evaluate("!!(window.graphcase && window.graphcase.stable)"):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)
        assert blocked == [], blocked
        return page.evaluate("graphcase.stableAtMs")
    finally:
        page.close()


FOCUS_JS = """id => new Promise(done => { const t = performance.now(); graphcaseFocus(id);
    requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t))); })"""


def focus_ms(browser, path: Path, ids: list[str], timeout: float) -> float | None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(path.as_uri())
        deadline = time.monotonic() + timeout
        while not page.evaluate("!!(window.graphcase && window.graphcase.stable)"):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)
        return statistics.median(page.evaluate(FOCUS_JS, i) for i in ids)
    finally:
        page.close()


def layout_seconds(g, method: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        precomputed_positions(g, method=method)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def write_chronology_bundle(folder: Path, events: int) -> None:
    """One child, her mother and the mother's partner; ``events`` events over three years recorded by six
    agencies, some shared: the chronology benchmark."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agencies.csv").write_text((ROOT / "fixtures/sample/agencies.csv").read_text())
    src = ["gp-riverside", "GP-1"]
    people = [["c", "child", "Kit", "Long", "2016-01-01", "female", "", *src], ["m", "adult", "Sam", "Long", "1988-01-01", "female", "", *src],
              ["d", "adult", "Lee", "Stone", "1985-01-01", "male", "", *src]]
    _write(folder / "people.csv", ["id", "role", "given_name", "family_name", "dob", "sex", "nhs_number", "source_agency", "source_record"], people)
    _write(folder / "addresses.csv", ["id", "postcode", "uprn", "source_agency", "source_record"], [["A", "LN1 1AA", "", *src]])
    _write(folder / "relationships.csv", ["person_id", "other_id", "kind", "from_date", "to_date", "source_agency", "source_record"],
           [["m", "c", "parent", "2016-01-01", "", *src], ["d", "m", "partner", "2022-01-01", "", *src]])
    _write(folder / "residences.csv", ["person_id", "address_id", "from_date", "to_date", "source_agency", "source_record"],
           [[p, "A", "2016-01-01", "", *src] for p in ("c", "m", "d")])
    recorders = [("gp-riverside", "health_appointment", "attended"), ("school-oak", "school_absence", "other"), ("police", "domestic_abuse_incident", "charged"),
                 ("hv", "health_appointment", "attended"), ("csc", "contact", "nfa"), ("amh", "mental_health_episode", "other")]
    _write(folder / "agency_records.csv", ["person_id", "agency_id", "record_id", "since", "until", "flags", "source_agency", "source_record"],
           [["c", a, f"R-{a}", "2016-01-01", "", "", a, f"R-{a}"] for a, *_ in recorders if a not in ("police", "amh")]
           + [["d", "police", "R-d", "2021-01-01", "", "violence", "police", "R-d"]])
    rows, about, shares = [], [], []
    start = dt.date(2023, 11, 1)
    for i in range(events):
        agency, kind, outcome = recorders[i % len(recorders)]
        day = start + dt.timedelta(days=(i * 37) % 1090)  # several a week at times: marks that would overlap
        rows.append([f"E{i}", kind, day.isoformat(), f"Event {i}", outcome, agency, "A", agency, f"REC-{i}"])
        about.append([f"E{i}", "c", "subject", agency, f"REC-{i}"])
        if i % 5 == 0:
            shares.append([f"E{i}", "csc" if agency != "csc" else "school-oak", "shared_with", (day + dt.timedelta(days=2)).isoformat(), "", agency, f"REC-{i}"])
    _write(folder / "events.csv", ["id", "kind", "date", "summary", "outcome", "recorded_by", "address_id", "source_agency", "source_record"], rows)
    _write(folder / "event_people.csv", ["event_id", "person_id", "involvement", "source_agency", "source_record"], about)
    _write(folder / "event_agencies.csv", ["event_id", "agency_id", "kind", "date", "feedback_date", "source_agency", "source_record"], shares)


COVERED_JS = """() => Array.from(document.querySelectorAll('.timeline .mark')).filter(m => {
    m.scrollIntoView({block: 'center'}); const r = m.getBoundingClientRect();
    return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) !== m; }).length"""


def chronology_figures(browser, tmp: Path, events: int, repeat: int) -> tuple:
    folder = tmp / "chronology"
    write_chronology_bundle(folder, events)
    store = LadybugStore(tmp / "chronology.db")
    load_bundle(store, folder, today=AS_OF)
    builds, renders = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        history = build_history(store, "c", hops=2, date_to=AS_OF)
        t1 = time.perf_counter()
        html = render_history(history, "html")
        renders.append(time.perf_counter() - t1)
        builds.append(t1 - t0)
    store.close()
    path = tmp / "chronology.html"
    path.write_text(html, encoding="utf-8")
    loads, covered = [], None
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
        covered = page.evaluate(COVERED_JS)
        marks = page.locator(".timeline .mark").count()
        page.close()
    return len(history.chronology.entries), marks, statistics.median(builds), statistics.median(renders), statistics.median(loads), covered


BASELINE_SCRIPT = """import pickle, sys
from graphcase.maps import map_html
g = pickle.load(open(sys.argv[1], "rb"))
open(sys.argv[2], "w", encoding="utf-8").write(map_html(g, title=sys.argv[3]))
"""


def checkout(ref: str, folder: Path) -> Path:
    """graphcase/ and visualisations/ as they are on ``ref``, unpacked under ``folder`` (the repository's
    worktrees are not touched)."""
    archive = folder / "baseline.tar"
    with archive.open("wb") as f:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "graphcase", "visualisations"], stdout=f, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "baseline", filter="data")
    return folder / "baseline"


def baseline_html(g, tree: Path, folder: Path, title: str) -> Path:
    """The map page of ``g`` as the baseline code writes it."""
    graph, out = folder / f"{title}.pickle", folder / f"{title}.html"
    graph.write_bytes(pickle.dumps(g))
    subprocess.run([sys.executable, "-c", BASELINE_SCRIPT, str(graph), str(out), title], cwd=tree, check=True,
                   env={**os.environ, "PYTHONPATH": str(tree)})
    return out


def physics_only_html(g) -> str:
    """The baseline: the same map with no precomputed positions, laid out by browser physics."""
    _, data = build_network(g, positions={})
    for node in data["nodes"]:
        node.pop("x", None), node.pop("y", None)
    data["meta"]["physics"] = True
    data["options"]["physics"]["enabled"] = True
    return render_page(title="baseline", subtitle="", data=data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="50,500,2000", help="approximate node counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=40.0, help="seconds to wait for a layout to settle")
    parser.add_argument("--chronology-events", type=int, default=200)
    parser.add_argument("--baseline-ref", default="main", help="git ref whose map code is the baseline")
    args = parser.parse_args()
    os.environ.setdefault("GRAPHCASE_REASON", "map_speed benchmark")  # the audit log asks why people are shown
    from playwright.sync_api import sync_playwright

    rows, layouts = [], []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tree = checkout(args.baseline_ref, Path(tmp))
        for size in (int(s) for s in args.sizes.split(",")):
            households = max(1, round((size - AGENCIES) / NODES_PER_HOUSEHOLD))
            folder = Path(tmp) / f"estate-{size}"
            write_estate(folder, households)
            store = LadybugStore(Path(tmp) / f"estate-{size}.db")
            load_bundle(store, folder, today=AS_OF)
            extract_s, build_s = [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                g = ego_graph(store, "p:0-c1", hops=200, window=Window.as_of(AS_OF), findings=[])
                t1 = time.perf_counter()
                html = map_html(g, title=f"estate {size}")
                t2 = time.perf_counter()
                extract_s.append(t1 - t0)
                build_s.append(t2 - t1)
            store.close()
            page = Path(tmp) / f"map-{size}.html"
            page.write_text(html, encoding="utf-8")
            baseline = Path(tmp) / f"baseline-{size}.html"
            baseline.write_text(physics_only_html(g), encoding="utf-8")
            before = baseline_html(g, tree, Path(tmp), f"{args.baseline_ref}-{size}")
            shipped, was = [], []
            for _ in range(args.repeat):  # alternately: load on the machine falls on both alike
                shipped.append(time_in_browser(browser, page, args.timeout))
                was.append(time_in_browser(browser, before, args.timeout))
            physics = [time_in_browser(browser, baseline, args.timeout) for _ in range(args.repeat)]
            if len(g) > load_styles()["large_graph_nodes"]:
                people = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "child")
                layouts.append((len(g), len(set(_households(g).values())), layout_seconds(g, "forceatlas2", args.repeat), layout_seconds(g, "spring", args.repeat),
                                focus_ms(browser, page, people[:: max(1, len(people) // 5)][:5], args.timeout)))

            def med(values):
                done = [v for v in values if v is not None]
                return statistics.median(done) / 1000 if len(done) == len(values) else None

            rows.append((len(g), g.number_of_edges(), statistics.median(extract_s), statistics.median(build_s),
                         len(html) // 1024, med(shipped), med(was), med(physics),
                         "precomputed" if len(g) > load_styles()["large_graph_nodes"] else "browser physics"))
        chronology = chronology_figures(browser, Path(tmp), args.chronology_events, args.repeat)
        browser.close()

    def fmt(v):
        return f">{args.timeout:.0f} s" if v is None else f"{v:.2f} s"

    print(f"ego maps, medians of {args.repeat} runs; headless Chromium {CHROMIUM}, all requests blocked")
    ref = args.baseline_ref
    print(f"{'nodes':>6} {'edges':>6} {'extract':>8} {'build':>7} {'KiB':>5} {'stable':>8} {'layout':>16}   "
          f"baselines, same run: {'stable on ' + ref:>16} {'browser physics only':>21}")
    for n, e, ex, bu, kib, st, was, ph, how in rows:
        print(f"{n:>6} {e:>6} {ex:>7.2f}s {bu:>6.2f}s {kib:>5} {fmt(st):>8} {how:>16}   {'':>20} {fmt(was):>16} {fmt(ph):>21}")
    target = [r for r in rows if 1600 <= r[0] <= 2400]
    if target:
        n, _, ex, bu, _, st, was, *_ = target[0]
        print(f"target: {n} nodes built (extract + build) in 5 s or less: {'met' if ex + bu <= 5 else 'NOT met'} ({ex + bu:.2f} s); "
              f"stable in 3 s or less: {'met' if st is not None and st <= 3 else 'NOT met'} ({fmt(st)}; {fmt(was)} on {ref})")
    if layouts:
        print("\nlarge-map layout of the household skeleton (medians), and search focus until the next painted frame")
        print(f"{'nodes':>6} {'households':>10} {'forceatlas2':>12} {'spring (before)':>16} {'focus':>8}")
        for n, h, fa2, spring, focus in layouts:
            print(f"{n:>6} {h:>10} {fa2:>11.2f}s {spring:>15.2f}s {'n/a' if focus is None else f'{focus:.0f} ms':>8}")
        worst = max((f for *_, f in layouts if f is not None), default=None)
        print(f"target: search focus under 500 ms: {'met' if worst is not None and worst < 500 else 'NOT met'}")
    events, marks, build_s, render_s, load_s, covered = chronology
    print(f"\nchronology of {events} events ({marks} marks): build {build_s:.2f} s, render HTML {render_s:.2f} s, "
          f"page loaded in {load_s:.2f} s; marks covered by another: {covered}")


if __name__ == "__main__":
    main()
