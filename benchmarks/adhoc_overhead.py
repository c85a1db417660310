"""What running ad-hoc Cypher in a worker process costs, against running it in process.

    python benchmarks/adhoc_overhead.py            # the sample bundle, 15 runs each
    python benchmarks/adhoc_overhead.py 25         # runs

A small query (the agencies of one kind) on the sample store, median of N runs each:

- ``in process, open handle``: graphcase's own queries (catalogue, loader), which stay in process;
- ``in process, fresh handle``: the pre-worker ad-hoc path (a second read-only handle, EXPLAIN, then the
  query), the baseline the worker replaces;
- ``worker``: ``store.query_read_only`` (start Python, import ladybug, open read-only, EXPLAIN, check, run).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import ladybug

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_seconds  # noqa: E402
from graphcase import load_bundle  # noqa: E402
from graphcase.stores.ladybug import LadybugStore  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "sample"
QUERY = "MATCH (a:Agency) WHERE a.kind = $kind RETURN a.id AS id ORDER BY id"
PARAMS = {"kind": "probation"}


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample.db"
        with LadybugStore(path) as store:
            store.ensure_schema()
            load_bundle(store, SAMPLE, today=dt.date(2026, 11, 1))

        def fresh_handle():
            conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
            conn.execute("EXPLAIN " + QUERY, PARAMS).get_all()
            return conn.execute(QUERY, PARAMS).get_all()

        with LadybugStore(path, read_only=True) as store:
            open_handle, rows = median_seconds(lambda: store.query(QUERY, PARAMS).rows, runs, warm=True)
            fresh, fresh_rows = median_seconds(fresh_handle, runs, warm=True)
            worker, worker_rows = median_seconds(lambda: store.query_read_only(QUERY, PARAMS).rows, runs, warm=True)
        assert rows == fresh_rows == worker_rows, (rows, fresh_rows, worker_rows)
    print(f"small ad-hoc query, median of {runs}:")
    print(f"  in process, open handle   {open_handle * 1000:8.1f} ms")
    print(f"  in process, fresh handle  {fresh * 1000:8.1f} ms   (the ad-hoc path before the worker)")
    print(f"  worker process            {worker * 1000:8.1f} ms   (+{(worker - fresh) * 1000:.0f} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
