"""Neo4j's side of load_and_sweep.py: first load, a re-load that changes nothing, a 1% delta load and the sweep,
against a raw ``UNWIND $rows ... CREATE`` of the same bundle's rows on the same server in the same run.

Runs when GRAPHCASE_NEO4J_URI (or GRAPHCASE_TEST_NEO4J_URI) names a server whose database may be wiped, with
NEO4J_USERNAME / NEO4J_PASSWORD. ``GRAPHCASE_NEO4J_BATCH`` sets the load's batch size (10,000 rows).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd

from timing import median_seconds
from graphcase import load_bundle, run_query
from graphcase.model import tables
from graphcase.stores.neo4j import DEFAULT_BATCH, Neo4jStore

RAW_BATCH = 10_000


def neo4j_uri() -> str | None:
    return os.environ.get("GRAPHCASE_NEO4J_URI") or os.environ.get("GRAPHCASE_TEST_NEO4J_URI")


def rust_extension() -> bool:
    try:
        import neo4j._rust  # noqa: F401  (present when neo4j-rust-ext is installed)
    except ImportError:
        return False
    return True


def wipe(store: Neo4jStore) -> None:
    # Relationships first: DETACH DELETE of an agency takes its tens of thousands of edges in one transaction.
    store._autocommit("MATCH ()-[r]->() CALL { WITH r DELETE r } IN TRANSACTIONS OF 10000 ROWS", {}, "wipe")
    store._autocommit("MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS OF 10000 ROWS", {}, "wipe")


def raw_create(store: Neo4jStore, frames: dict[str, pd.DataFrame]) -> float:
    """The baseline: every row of the bundle sent as strings, nodes CREATEd, relationships CREATEd between
    index-found ends, one transaction per 10,000 rows; no diff, no provenance, no undo."""
    specs = tables()
    started = time.perf_counter()
    order = sorted(frames, key=lambda name: not specs[name].is_node)
    for name in order:
        spec, frame = specs[name], frames[name]
        records = frame.to_dict("records")
        if spec.is_node:
            statement = f"UNWIND $rows AS row CREATE (n:{spec.label}) SET n = row"
        else:
            statement = (
                f"UNWIND $rows AS row MATCH (a:{spec.from_label} {{id: row.`{spec.from_column}`}}) "
                f"MATCH (b:{spec.to_label} {{id: row.`{spec.to_column}`}}) CREATE (a)-[r:{spec.rel_types[0]}]->(b) SET r = row"
            )
        for start in range(0, len(records), RAW_BATCH):
            batch = records[start : start + RAW_BATCH]
            store._managed(False, lambda tx, b=batch: tx.run(statement, {"rows": b}).consume(), action="raw create")
    return time.perf_counter() - started


def one_percent_delta(bundle: Path, workdir: Path) -> Path:
    """The bundle with 1% of its people's family names changed."""
    delta = workdir / f"{bundle.name}-delta"
    shutil.copytree(bundle, delta, dirs_exist_ok=True)
    people = pd.read_csv(delta / "people.csv", dtype=str, keep_default_na=False)
    changed = people.index[:: 100]
    people.loc[changed, "family_name"] = people.loc[changed, "family_name"] + "-Smith"
    people.to_csv(delta / "people.csv", index=False)
    return delta


def bench_neo4j(bundle: Path, frames: dict[str, pd.DataFrame], as_of, query: str, runs: int, workdir: Path) -> dict:
    rows = sum(len(f) for f in frames.values())
    batch = int(os.environ.get("GRAPHCASE_NEO4J_BATCH", DEFAULT_BATCH))
    with Neo4jStore(neo4j_uri(), batch_size=batch) as store:
        wipe(store)
        store.ensure_schema()
        raw = raw_create(store, frames)
        wipe(store)
        started = time.perf_counter()
        first = load_bundle(store, bundle, today=as_of)
        first_s = time.perf_counter() - started
        assert not first.rejects, first.rejects[:3]
        started = time.perf_counter()
        again = load_bundle(store, bundle, today=as_of)
        reload_s = time.perf_counter() - started
        delta_bundle = one_percent_delta(bundle, workdir)
        started = time.perf_counter()
        delta = load_bundle(store, delta_bundle, today=as_of)
        delta_s = time.perf_counter() - started
        run_query(store, query, {"as_of": as_of})
        sweep, result = median_seconds(lambda: run_query(store, query, {"as_of": as_of}), runs)
        wipe(store)
    return {
        "rows": rows,
        "raw_s": raw,
        "first_s": first_s,
        "first_stages": first.stage_seconds,
        "reload_s": reload_s,
        "reload_written": sum(c["new"] + c["updated"] for c in again.written.values()),
        "delta_s": delta_s,
        "delta_stages": delta.stage_seconds,
        "delta_written": sum(c["new"] + c["updated"] for c in delta.written.values()),
        "sweep_s": sweep,
        "findings": len(result),
        "batch": batch,
        "rust": rust_extension(),
    }


def print_neo4j(people: int, r: dict) -> None:
    stages = lambda s: "  ".join(f"{k} {v:.2f}s" for k, v in s.items())  # noqa: E731
    print(
        f"{'':>9} Neo4j ({'Rust extension' if r['rust'] else 'pure-Python driver'}, batch {r['batch']:,}): "
        f"raw UNWIND CREATE {r['raw_s']:.2f}s ({r['rows'] / r['raw_s']:,.0f} rows/s) | "
        f"first load {r['first_s']:.2f}s ({r['rows'] / r['first_s']:,.0f} rows/s) | "
        f"re-load {r['reload_s']:.2f}s ({r['reload_written']} written) | "
        f"1% delta {r['delta_s']:.2f}s ({r['delta_written']} written, {r['delta_s'] / r['first_s']:.0%} of first) | "
        f"sweep {r['sweep_s'] * 1000:.0f}ms ({r['findings']} found)",
        flush=True,
    )
    print(f"{'':>9} Neo4j first load stages: {stages(r['first_stages'])}; delta: {stages(r['delta_stages'])}", flush=True)
