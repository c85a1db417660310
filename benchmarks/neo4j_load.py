"""Neo4j's side of load_and_sweep.py: first load, a re-load that changes nothing, a 1% delta load and the sweep,
against a raw ``UNWIND $rows ... CREATE`` of the same bundle's rows on the same server in the same run; and (with
``compare_encoding``) the first load as it was sent before, each date a driver Date and every row carrying the
load's id and time, measured in the same run.

Runs when GRAPHCASE_NEO4J_URI (or GRAPHCASE_TEST_NEO4J_URI) names a server whose database may be wiped, with
NEO4J_USERNAME / NEO4J_PASSWORD. ``GRAPHCASE_NEO4J_BATCH`` sets the load's batch size (10,000 rows),
``GRAPHCASE_NEO4J_SESSIONS`` its sessions (1). With ``GRAPHCASE_NEO4J_ADMIN`` (e.g. tests/neo4j_server/neo4j-admin) it
also times ``graphcase load --bulk-import`` of the bundle into an empty offline database, in the same run. Each figure is
printed as soon as it is measured (a 1M run takes most of an hour), with the wall-clock time, to match against the
server's debug.log and GC log.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from timing import median_seconds
from graphcase import load_bundle, run_query
from graphcase.model import tables
from graphcase.stores import neo4j as neo4j_store
from graphcase.stores.ladybug import frame_to_rows
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


def read_as_text(bundle: Path) -> dict[str, pa.Table]:
    """Every bundle file as text columns (an empty field is null), as the raw baseline sends them."""
    out = {}
    for path in sorted(bundle.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            names = next(csv.reader(handle))
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True)
        out[path.stem] = pacsv.read_csv(path, convert_options=convert)
    return out


def raw_create(store: Neo4jStore, frames: dict[str, pa.Table]) -> float:
    """The baseline: every row of the bundle sent as strings, nodes CREATEd, relationships CREATEd between
    index-found ends, one transaction per 10,000 rows; no diff, no provenance, no undo."""
    specs = tables()
    started = time.perf_counter()
    order = sorted((name for name in frames if name in specs), key=lambda name: not specs[name].is_node)
    for name in order:
        spec, frame = specs[name], frames[name]
        if spec.is_node:
            statement = f"UNWIND $rows AS row CREATE (n:{spec.label}) SET n = row"
        else:
            statement = (
                f"UNWIND $rows AS row MATCH (a:{spec.from_label} {{id: row.`{spec.from_column}`}}) "
                f"MATCH (b:{spec.to_label} {{id: row.`{spec.to_column}`}}) CREATE (a)-[r:{spec.rel_types[0]}]->(b) SET r = row"
            )
        for start in range(0, frame.num_rows, RAW_BATCH):
            batch = frame.slice(start, RAW_BATCH).to_pylist()
            store._managed(False, lambda tx, b=batch: tx.run(statement, {"rows": b}).consume(), action="raw create")
    return time.perf_counter() - started


@contextlib.contextmanager
def per_value_encoding():
    """The load as sent before: each date converted by the driver to a Bolt Date, value by value, and every
    row carrying the load's id and time (a datetime per row)."""
    saved = neo4j_store.wire_batches, neo4j_store.wire_values, neo4j_store.LOAD_CONSTANTS

    def per_value_batches(frame, columns, size):
        for start in range(0, len(frame), size):
            yield frame_to_rows(frame[columns].iloc[start : start + size])

    neo4j_store.wire_batches = per_value_batches
    neo4j_store.wire_values = lambda types: {}
    neo4j_store.LOAD_CONSTANTS = {}
    try:
        yield
    finally:
        neo4j_store.wire_batches, neo4j_store.wire_values, neo4j_store.LOAD_CONSTANTS = saved


def one_percent_delta(bundle: Path, workdir: Path) -> Path:
    """The bundle with 1% of its people's family names changed."""
    delta = workdir / f"{bundle.name}-delta"
    shutil.copytree(bundle, delta, dirs_exist_ok=True)
    people = pd.read_csv(delta / "people.csv", dtype=str, keep_default_na=False)
    changed = people.index[:: 100]
    people.loc[changed, "family_name"] = people.loc[changed, "family_name"] + "-Smith"
    people.to_csv(delta / "people.csv", index=False)
    return delta


def bulk_import(bundle: Path, as_of, workdir: Path) -> float:
    """``graphcase load --bulk-import`` of the bundle (read, validate, plan, CSV files, neo4j-admin database import)
    into an empty offline database under a fresh NEO4J_HOME (what tests/neo4j_server/neo4j-admin writes to)."""
    from graphcase.stores.neo4j_import import Neo4jImportTarget

    home = workdir / "bulk-import-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    saved = os.environ.get("NEO4J_HOME")
    os.environ["NEO4J_HOME"] = str(home)
    try:
        started = time.perf_counter()
        report = load_bundle(Neo4jImportTarget(), bundle, today=as_of)
        seconds = time.perf_counter() - started
    finally:
        os.environ.pop("NEO4J_HOME") if saved is None else os.environ.__setitem__("NEO4J_HOME", saved)
        shutil.rmtree(home, ignore_errors=True)
    assert not report.rejects, report.rejects[:3]
    return seconds


def _say(what: str) -> None:
    print(f"{'':>9} [{dt.datetime.now(dt.timezone.utc):%H:%M:%S}Z] Neo4j {what}", flush=True)


def bench_neo4j(bundle: Path, as_of, query: str, runs: int, workdir: Path, compare_encoding: bool = True) -> dict:
    frames = read_as_text(bundle)
    rows = sum(f.num_rows for name, f in frames.items() if name in tables())
    batch = int(os.environ.get("GRAPHCASE_NEO4J_BATCH", DEFAULT_BATCH))
    sessions = int(os.environ.get("GRAPHCASE_NEO4J_SESSIONS", neo4j_store.DEFAULT_SESSIONS))
    out = {"rows": rows, "batch": batch, "sessions": sessions, "rust": rust_extension()}
    with Neo4jStore(neo4j_uri(), batch_size=batch, sessions=sessions) as store:
        wipe(store)
        store.ensure_schema()
        if compare_encoding:
            with per_value_encoding():
                started = time.perf_counter()
                load_bundle(store, bundle, today=as_of)
                out["per_value_s"] = time.perf_counter() - started
            _say(f"first load, dates and load id/time per row (before) {out['per_value_s']:.2f}s ({rows / out['per_value_s']:,.0f} rows/s)")
            wipe(store)
        started = time.perf_counter()
        first = load_bundle(store, bundle, today=as_of)
        out["first_s"] = time.perf_counter() - started
        assert not first.rejects, first.rejects[:3]
        out["first_stages"] = first.stage_seconds
        _say(f"first load {out['first_s']:.2f}s ({rows / out['first_s']:,.0f} rows/s)")
        started = time.perf_counter()
        again = load_bundle(store, bundle, today=as_of)
        out["reload_s"] = time.perf_counter() - started
        out["reload_written"] = sum(c["new"] + c["updated"] for c in again.written.values())
        _say(f"re-load {out['reload_s']:.2f}s ({out['reload_written']} written)")
        delta_bundle = one_percent_delta(bundle, workdir)
        started = time.perf_counter()
        delta = load_bundle(store, delta_bundle, today=as_of)
        out["delta_s"] = time.perf_counter() - started
        out["delta_stages"] = delta.stage_seconds
        out["delta_written"] = sum(c["new"] + c["updated"] for c in delta.written.values())
        shutil.rmtree(delta_bundle)
        _say(f"1% delta {out['delta_s']:.2f}s ({out['delta_written']} written, {out['delta_s'] / out['first_s']:.0%} of first)")
        run_query(store, query, {"as_of": as_of})
        out["sweep_s"], result = median_seconds(lambda: run_query(store, query, {"as_of": as_of}), runs)
        out["findings"] = len(result)
        _say(f"sweep {out['sweep_s'] * 1000:.0f}ms ({out['findings']} found)")
        if os.environ.get("GRAPHCASE_NEO4J_ADMIN"):
            out["bulk_s"] = bulk_import(bundle, as_of, workdir)
            _say(f"bulk import (neo4j-admin, offline) {out['bulk_s']:.2f}s ({rows / out['bulk_s']:,.0f} rows/s)")
        # The baseline last: a 1M run that is cut short has the loads' figures first.
        wipe(store)
        out["raw_s"] = raw_create(store, frames)
        _say(f"raw UNWIND CREATE {out['raw_s']:.2f}s ({rows / out['raw_s']:,.0f} rows/s)")
        wipe(store)
    return out


def print_neo4j(people: int, r: dict) -> None:
    stages = lambda s: "  ".join(f"{k} {v:.2f}s" for k, v in s.items())  # noqa: E731
    print(
        f"{'':>9} Neo4j ({'Rust extension' if r['rust'] else 'pure-Python driver'}, batch {r['batch']:,}, {r['sessions']} session(s), "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}): "
        f"raw UNWIND CREATE {r['raw_s']:.2f}s ({r['rows'] / r['raw_s']:,.0f} rows/s) | "
        + (f"first load as before {r['per_value_s']:.2f}s ({r['rows'] / r['per_value_s']:,.0f} rows/s) | " if "per_value_s" in r else "")
        + f"first load {r['first_s']:.2f}s ({r['rows'] / r['first_s']:,.0f} rows/s) | "
        f"re-load {r['reload_s']:.2f}s ({r['reload_written']} written) | "
        f"1% delta {r['delta_s']:.2f}s ({r['delta_written']} written, {r['delta_s'] / r['first_s']:.0%} of first) | "
        f"sweep {r['sweep_s'] * 1000:.0f}ms ({r['findings']} found)"
        + (f" | bulk import {r['bulk_s']:.2f}s ({r['rows'] / r['bulk_s']:,.0f} rows/s)" if "bulk_s" in r else ""),
        flush=True,
    )
    print(f"{'':>9} Neo4j first load stages: {stages(r['first_stages'])}; delta: {stages(r['delta_stages'])}", flush=True)
