"""A first load of a county against the floor of the embedded engine: the graph's shape alone.

    python benchmarks/load_floor.py                     # 1M people, medians of 3
    python benchmarks/load_floor.py 100000 --runs 5
    python benchmarks/load_floor.py --bundle DIR        # an existing bundle instead of generating one

Three figures, each the median of --runs runs in this one process, on this machine:

* full load: ``graphcase.load_bundle`` into a fresh store (read, validate, plan, write), as ``graphcase load``;
* its in-process stages (read + validate + plan), which run before a row is written;
* shape only: the same validated rows COPY'd into a fresh LadybugDB whose tables hold nothing but node ids
  and relationship ends (no property, no provenance), then checkpointed. No load of this graph into this
  engine can write faster: it is the floor for the write stage.

Issue 2 sets 1M people loaded in <= 15 s. If the floor plus the in-process stages is already over that, no
change to graphcase's loader meets it on this machine and engine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from graphcase import load_bundle
from graphcase.ingest.bundle import read_bundle
from graphcase.ingest.load import plan_load
from graphcase.stores import dialects
from graphcase.stores.ladybug import LadybugStore, _import_ladybug
from graphcase.synthetic import generate_county
from graphcase.ingest.validate import validate_bundle

TARGET_SECONDS = 15.0
AS_OF = dt.date(2026, 11, 1)


def full_load(bundle: Path, work: Path) -> dict[str, float]:
    db = work / "full.db"
    shutil.rmtree(db, ignore_errors=True)
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    with LadybugStore(db) as store:
        report = load_bundle(store, bundle, today=AS_OF)
    return {"total": time.perf_counter() - start, **report.stage_seconds}


def shape_only(bundle: Path, work: Path) -> tuple[float, int]:
    """Seconds to COPY and checkpoint ids and ends only, and the number of rows written."""
    with LadybugStore(work / "empty.db") as empty:
        empty.ensure_schema()
        plan = plan_load(validate_bundle(read_bundle(bundle), today=AS_OF), empty, "floor", dt.datetime(2026, 11, 1))
    ladybug = _import_ladybug()
    path = work / "shape.db"
    path.unlink(missing_ok=True)
    db = ladybug.Database(str(path), auto_checkpoint=False)
    conn = ladybug.Connection(db)
    for label in dialects.node_properties():
        conn.execute(f"CREATE NODE TABLE {label}(id STRING, PRIMARY KEY (id))")
    for rel_type, (a, b, _) in dialects.rel_definitions().items():
        conn.execute(f"CREATE REL TABLE {rel_type}(FROM {a} TO {b})")
    tables = []
    for change in plan.changes:
        columns = ["id"] if change.is_node else ["_from", "_to"]
        tables.append((change.element, pa.Table.from_pandas(change.inserts[columns], preserve_index=False)))
    start = time.perf_counter()
    for element, table in tables:
        conn.execute(f"COPY {element} FROM $rows", {"rows": table})
    conn.execute("CHECKPOINT")
    seconds = time.perf_counter() - start
    conn.close()
    db.close()
    return seconds, sum(t.num_rows for _, t in tables)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bundle", type=Path, help="load this bundle instead of a generated county")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="graphcase-floor-") as tmp:
        work = Path(tmp)
        bundle = args.bundle
        if bundle is None:
            bundle = work / "county"
            generate_county(args.people, seed=7, out_dir=bundle)
        fulls = [full_load(bundle, work) for _ in range(args.runs)]
        shapes = [shape_only(bundle, work) for _ in range(args.runs)]
    med = {k: statistics.median(f[k] for f in fulls) for k in fulls[0]}
    in_process = med["read"] + med["validate"] + med["plan"]
    floor = statistics.median(s for s, _ in shapes)
    rows = shapes[0][1]
    print(f"graphcase first load against the engine's floor, {dt.datetime.now():%Y-%m-%d %H:%M}, medians of {args.runs}")
    print(f"bundle: {bundle if args.bundle else f'generated county, {args.people:,} people'}; {rows:,} nodes and relationships")
    print(f"  full load                         {med['total']:7.1f} s   (read {med['read']:.1f}, validate {med['validate']:.1f}, "
          f"plan {med['plan']:.1f}, write {med['write']:.1f})")
    print(f"  in-process stages                 {in_process:7.1f} s   (read + validate + plan)")
    print(f"  shape only: ids and ends, COPY    {floor:7.1f} s   (no property, no provenance; checkpoint included)")
    print(f"  shape only + in-process stages    {in_process + floor:7.1f} s   (the least a load validated as now can take)")
    print(f"  target                            {TARGET_SECONDS:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
