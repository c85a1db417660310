"""What building every write beside the store costs: the copy of the store file, against the load itself.

    python benchmarks/copy_cost.py                  # 100k and 1M people
    python benchmarks/copy_cost.py 100000           # chosen sizes

For each size: generate a county (seed 7) and load it (first load, timed); then a newer extract in which
every 100th person's surname changed is loaded three ways, each from the same starting file:

- ``copy-and-swap``: graphcase's load (copy the store, apply, checkpoint, fsync, rename; docs/crash-safety.md);
- ``in place``: the pre-0.3 way as a baseline: one transaction on the store file itself, COMMIT, close;
- and the copy alone (copy_file_range + fsync of the copy), median of 3.

A re-load that changes nothing writes nothing, so it copies nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphcase import load_bundle  # noqa: E402
from graphcase.ingest.load import plan_load  # noqa: E402
from graphcase.ingest.bundle import read_bundle  # noqa: E402
from graphcase.ingest.validate import validate_bundle  # noqa: E402
from graphcase.stores import ladybug as lb  # noqa: E402
from graphcase.synthetic import generate_county  # noqa: E402

AS_OF = dt.date(2026, 11, 1)


def newer_extract(bundle: Path, out: Path) -> Path:
    """The county again with every 100th person's surname changed."""
    shutil.copytree(bundle, out)
    text = {"dob": pa.string(), "nhs_number": pa.string()}
    people = pacsv.read_csv(out / "people.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=True, column_types=text))
    mask = np.zeros(people.num_rows, dtype=bool)
    mask[::100] = True
    names = pc.if_else(pa.array(mask), pc.binary_join_element_wise(people["family_name"], "-Newer", ""), people["family_name"])
    people = people.set_column(people.column_names.index("family_name"), "family_name", names)
    pacsv.write_csv(people, out / "people.csv")
    return out


def copy_seconds(path: Path) -> float:
    target = path.with_name(path.name + ".copy-bench")
    started = time.perf_counter()
    lb._copy_file(path, target)
    lb._fsync_file(target)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def in_place_update(db: Path, bundle: Path) -> float:
    """The baseline: plan as graphcase does, then write in one transaction on the store file itself."""
    ladybug = lb._import_ladybug()
    store = lb.LadybugStore(db)
    started = time.perf_counter()
    validated = validate_bundle(read_bundle(bundle), known_ids=store.known_ids, today=AS_OF)
    plan = plan_load(validated, store, "bench", dt.datetime(2026, 11, 1))
    store.close()
    database = ladybug.Database(str(db))
    conn = ladybug.Connection(database)
    conn.execute("BEGIN TRANSACTION")
    for change in plan.changes:
        if not change.inserts.empty:
            lb.LadybugStore._copy(conn, change)
        if not change.updates.empty:
            lb.LadybugStore._apply_updates(conn, change, lb._write_columns(conn, change))
    conn.execute("COMMIT")
    conn.close()
    database.close()
    return time.perf_counter() - started


def main(sizes: list[int]) -> None:
    print(f"{'people':>9} {'store MB':>9} {'first load s':>12} {'copy s':>7} {'update: copy-and-swap s':>24} {'(write s)':>9} {'in place s':>10} {'no-change reload s':>18}")
    for people in sizes:
        with tempfile.TemporaryDirectory(prefix="graphcase-copy-") as tmp:
            tmp = Path(tmp)
            bundle = tmp / "county"
            generate_county(people, seed=7, out_dir=bundle, as_of=AS_OF)
            newer = newer_extract(bundle, tmp / "newer")
            db = tmp / "g.db"
            started = time.perf_counter()
            with lb.LadybugStore(db) as store:
                load_bundle(store, bundle, today=AS_OF)
            first = time.perf_counter() - started
            start_file = tmp / "start.db"
            shutil.copyfile(db, start_file)
            size_mb = db.stat().st_size / 1e6
            copy = statistics.median(copy_seconds(db) for _ in range(3))
            started = time.perf_counter()
            with lb.LadybugStore(db) as store:
                report = load_bundle(store, newer, today=AS_OF)
            swap = time.perf_counter() - started
            changed = sum(c["updated"] for c in report.written.values())
            started = time.perf_counter()
            with lb.LadybugStore(db) as store:
                again = load_bundle(store, newer, today=AS_OF)
            reload = time.perf_counter() - started
            assert sum(c["new"] + c["updated"] for c in again.written.values()) == 0
            shutil.copyfile(start_file, db)
            in_place = in_place_update(db, newer)
            print(f"{people:>9,} {size_mb:>9.0f} {first:>12.1f} {copy:>7.2f} {swap:>24.1f} {report.stage_seconds['write']:>9.1f} {in_place:>10.1f} {reload:>18.1f}   ({changed:,} rows changed)", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
