"""Generation, load and the probation-to-child sweep at 10k, 100k and 1M people, against a networkx baseline.

    python benchmarks/load_and_sweep.py                 # 10k, 100k, 1M
    python benchmarks/load_and_sweep.py 10000 100000    # chosen sizes

For each size: generate a county (synthetic, seed 7), load it into a fresh embedded store (timed end to end,
and split into its stages: read, validate, plan (the diff against the store), write (COPY into a database
built beside the empty store, checkpoint, rename); the write is split again per node label and relationship
type, from the load's progress callback), then run the sweep `probation_adult_child_unknown_to_csc` on the store and
the same sweep in pure Python over a networkx graph of the same bundle (the baseline), checking that both find
the same (child, adult) pairs, that every planted pair is found and no near-miss is reported (other
patterns' planted scenarios can add true probation rows beyond this pattern's ground truth). Medians of 5
warm runs. "found" counts (child, adult) pairs.
Targets (issue 2): 1M people loaded in <= 15 s; the sweep in <= 1 s.
With GRAPHCASE_NEO4J_URI (or GRAPHCASE_TEST_NEO4J_URI) set, each size is also loaded into that Neo4j server
(its database is WIPED): benchmarks/neo4j_load.py.

    python benchmarks/load_and_sweep.py --bundle /work/data/c1000000/county --neo4j-only

``--bundle DIR`` measures an already generated county (read only; its ground_truth.json gives the date) instead
of generating one; ``--neo4j-only`` skips the embedded store and the networkx baseline (a 1M county's embedded
figures come from benchmarks/catalogue_speed.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import pandas as pd

from timing import median_seconds
from neo4j_load import bench_neo4j, neo4j_uri, print_neo4j
from graphcase import load_bundle, run_query
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic import generate_county

QUERY = "probation_adult_child_unknown_to_csc"
RUNS = 5


def build_networkx(frames: dict[str, pd.DataFrame]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for row in frames["people"].itertuples(index=False):
        g.add_node(row.id, kind="Person", role=row.role)
    for row in frames["agencies"].itertuples(index=False):
        g.add_node(row.id, kind="Agency", agency_kind=row.kind)
    for row in frames["addresses"].itertuples(index=False):
        g.add_node(row.id, kind="Address")
    for row in frames["residences"].itertuples(index=False):
        g.add_edge(row.person_id, row.address_id, key="LIVES_AT", start=row.from_date, end=row.to_date)
    for row in frames["relationships"].itertuples(index=False):
        g.add_edge(row.person_id, row.other_id, key="RELATED_TO", start=row.from_date, end=row.to_date)
    for row in frames["agency_records"].itertuples(index=False):
        g.add_edge(row.person_id, row.agency_id, key="KNOWN_TO", start=row.since, end=row.until)
    return g


def _current(data, as_of: str) -> bool:
    start, end = data.get("start"), data.get("end")
    return (not isinstance(start, str) or start <= as_of) and (not isinstance(end, str) or end >= as_of)


def networkx_sweep(g: nx.MultiDiGraph, as_of: str) -> set[tuple[str, str]]:
    """The same question as the Cypher query, answered by walking the networkx graph."""
    nodes = g.nodes

    def known_to(person, kind):
        return any(
            k == "KNOWN_TO" and nodes[a].get("agency_kind") == kind and (not isinstance(d["start"], str) or d["start"] <= as_of)
            for _, a, k, d in g.out_edges(person, keys=True, data=True)
        )

    found = set()
    for adult, data in g.nodes(data=True):
        if data.get("role") != "adult" or not known_to(adult, "probation"):
            continue
        children = set()
        for _, addr, k, d in g.out_edges(adult, keys=True, data=True):
            if k == "LIVES_AT" and _current(d, as_of):
                children.update(
                    c for c, _, k2, d2 in g.in_edges(addr, keys=True, data=True)
                    if k2 == "LIVES_AT" and _current(d2, as_of) and nodes[c].get("role") == "child"
                )
        for a, b, k, d in list(g.out_edges(adult, keys=True, data=True)) + list(g.in_edges(adult, keys=True, data=True)):
            other = b if a == adult else a
            if k == "RELATED_TO" and _current(d, as_of) and nodes[other].get("role") == "child":
                children.add(other)
        found.update((c, adult) for c in children if not known_to(c, "csc"))
    return found


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_neo4j_only(bundle: Path, workdir: Path) -> dict:
    truth = json.loads((bundle / "ground_truth.json").read_text())
    as_of = dt.date.fromisoformat(truth["as_of"])
    people = truth["people"] if isinstance(truth["people"], int) else len(truth["people"])
    print(f"{people:>9,} people, bundle {bundle} (as of {as_of}), Neo4j only", flush=True)
    return {"people": people, "neo4j": bench_neo4j(bundle, as_of, QUERY, RUNS, workdir, compare_encoding=people < 1_000_000)}


def bench(people: int, workdir: Path) -> dict:
    bundle = workdir / f"county-{people}"
    start = time.perf_counter()
    _, truth = generate_county(people, seed=7, out_dir=bundle)
    generation = time.perf_counter() - start
    as_of = truth.as_of
    # Read back the bundle as the loader sees it (strings), for the baseline.
    frames = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None) for p in bundle.glob("*.csv")}
    rows = sum(len(f) for f in frames.values())

    store = LadybugStore(workdir / f"county-{people}.db")
    steps: dict[str, float] = {}
    start = last = time.perf_counter()

    def progress(step: str, rows: int) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[step.split(":")[0]] = now - last
        last = now

    report = load_bundle(store, bundle, today=as_of, progress=progress)
    load_seconds = time.perf_counter() - start
    first_step = next(iter(steps), None)
    if first_step:  # the first step's time also covers read, validate and plan
        steps[first_step] -= sum(v for k, v in report.stage_seconds.items() if k != "write")
    steps["checkpoint+swap"] = report.stage_seconds.get("write", 0.0) - sum(steps.values())
    assert not report.rejects, report.rejects[:5]

    cold_start = time.perf_counter()
    run_query(store, QUERY, {"as_of": as_of})
    cold = time.perf_counter() - cold_start
    sweep, result = median_seconds(lambda: run_query(store, QUERY, {"as_of": as_of}), RUNS)
    store_pairs = {(r["child_id"], r["adult_id"]) for r in result.records()}
    store.close()

    start = time.perf_counter()
    g = build_networkx(frames)
    nx_build = time.perf_counter() - start
    nx_sweep, nx_pairs = median_seconds(lambda: networkx_sweep(g, as_of.isoformat()), 3 if people >= 1_000_000 else RUNS)
    planted = {(h["child_id"], h["adult_id"]) for h in truth.patterns[QUERY]["hits"]}
    near_misses = {(m["child_id"], m["adult_id"]) for m in truth.patterns[QUERY]["near_misses"]}
    return {
        "people": people,
        "rows": rows,
        "generate_s": generation,
        "load_s": load_seconds,
        "stages": report.stage_seconds,
        "write_steps": steps,
        "rows_per_s": rows / load_seconds,
        "sweep_cold_s": cold,
        "sweep_s": sweep,
        "nx_build_s": nx_build,
        "nx_sweep_s": nx_sweep,
        "findings": len(store_pairs),
        "same_as_networkx": store_pairs == nx_pairs,
        "planted_found": planted <= store_pairs,
        "near_misses_reported": len(store_pairs & near_misses),
        "peak_rss_mb": peak_rss_mb(),
        "neo4j": bench_neo4j(bundle, as_of, QUERY, RUNS, workdir, compare_encoding=people < 1_000_000) if neo4j_uri() else None,
    }


def main_neo4j_only(sizes: list[int], bundle: Path | None) -> None:
    print(f"graphcase load and sweep benchmark, Neo4j only, {dt.datetime.now():%Y-%m-%d %H:%M}, medians of {RUNS} warm runs")
    if not neo4j_uri():
        raise SystemExit("--neo4j-only needs GRAPHCASE_NEO4J_URI or GRAPHCASE_TEST_NEO4J_URI (tests/neo4j_server/start)")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bundles = [bundle] if bundle else []
        for people in [] if bundle else sizes:
            generate_county(people, seed=7, out_dir=workdir / f"county-{people}")
            bundles.append(workdir / f"county-{people}")
        for folder in bundles:
            r = bench_neo4j_only(folder, workdir)
            print_neo4j(r["people"], r["neo4j"])


def main(sizes: list[int]) -> None:
    print(f"graphcase load and sweep benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}, medians of {RUNS} warm runs")
    header = (
        f"{'people':>9} {'rows':>10} {'generate':>9} {'load':>7} {'rows/s':>10} {'sweep':>8} {'(cold)':>8} "
        f"{'nx sweep':>9} {'nx build':>9} {'found':>6} {'=nx':>4} {'planted':>8} {'near-miss':>9} {'peak MB':>8}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for people in sizes:
            r = bench(people, Path(tmp))
            print(
                f"{r['people']:>9,} {r['rows']:>10,} {r['generate_s']:>8.2f}s {r['load_s']:>6.2f}s {r['rows_per_s']:>10,.0f} "
                f"{r['sweep_s'] * 1000:>6.0f}ms {r['sweep_cold_s'] * 1000:>6.0f}ms {r['nx_sweep_s'] * 1000:>7.0f}ms "
                f"{r['nx_build_s']:>8.2f}s {r['findings']:>6} {'yes' if r['same_as_networkx'] else 'NO':>4} "
                f"{'all' if r['planted_found'] else 'MISSED':>8} {r['near_misses_reported']:>9} {r['peak_rss_mb']:>8.0f}",
                flush=True,
            )
            stages = "  ".join(f"{k} {v:.2f}s" for k, v in r["stages"].items())
            writes = "  ".join(f"{k} {v:.2f}s" for k, v in r["write_steps"].items() if v >= 0.05)
            print(f"{'':>9} load stages: {stages}\n{'':>9} write: {writes}", flush=True)
            if r["neo4j"]:
                print_neo4j(people, r["neo4j"])
    print("targets: 1M people loaded in <= 15 s; sweep <= 1 s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--bundle", type=Path, help="measure this generated county (read only) instead of generating")
    parser.add_argument("--neo4j-only", action="store_true", help="skip the embedded store and the networkx baseline")
    args = parser.parse_args()
    if args.neo4j_only or args.bundle:
        main_neo4j_only(args.sizes, args.bundle)
    else:
        main(args.sizes)
