"""Neo4j loads from 1, 2 and 4 driver sessions at once, on the same server in the same run.

    python benchmarks/neo4j_sessions.py 10000 --runs 3              # generates a county (seed 7)
    python benchmarks/neo4j_sessions.py --bundle DIR --runs 1       # an existing county

After one untimed warm-up run, for each run and each session count (interleaved, the order rotated each run, so
that the machine's load falls on every count alike): wipe the database, first load, a re-load that changes nothing, a 1% delta load (1% of the people renamed). Prints each
figure as measured with the load average, then the medians. Needs GRAPHCASE_NEO4J_URI (or
GRAPHCASE_TEST_NEO4J_URI), whose database is WIPED. 100k people or more: run under ``flock /work/data/bench.lock``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from neo4j_load import neo4j_uri, one_percent_delta, rust_extension, wipe
from graphcase import load_bundle
from graphcase.stores.neo4j import DEFAULT_BATCH, Neo4jStore
from graphcase.synthetic import generate_county

PHASES = ("first", "reload", "delta")


class DeadlockCount(logging.Handler):
    """Counts the driver's retries of a batch the server rolled back to break a deadlock."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "DeadlockDetected" in record.getMessage()


DEADLOCKS = DeadlockCount()
logging.getLogger("neo4j.session").addHandler(DEADLOCKS)


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def timed_load(store: Neo4jStore, bundle: Path, as_of) -> tuple[float, int]:
    started = time.perf_counter()
    report = load_bundle(store, bundle, today=as_of)
    assert not report.rejects, report.rejects[:3]
    return time.perf_counter() - started, sum(c["new"] + c["updated"] for c in report.written.values())


def one_run(bundle: Path, delta: Path, as_of, sessions: int, batch: int) -> dict[str, float]:
    out = {}
    with Neo4jStore(neo4j_uri(), batch_size=batch, sessions=sessions) as store:
        wipe(store)
        store.ensure_schema()
        for phase, folder in zip(PHASES, (bundle, bundle, delta)):
            deadlocks = DEADLOCKS.count
            seconds, written = timed_load(store, folder, as_of)
            out[phase] = seconds
            print(f"  sessions {sessions}: {phase:<6} {seconds:8.2f}s  ({written:,} written, {DEADLOCKS.count - deadlocks} deadlocks "
                  f"retried; load average {load_average()})", flush=True)
        wipe(store)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("people", type=int, nargs="?", default=10_000)
    parser.add_argument("--bundle", type=Path, help="an existing county (read only) instead of generating one")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--batch", type=int, default=int(os.environ.get("GRAPHCASE_NEO4J_BATCH", DEFAULT_BATCH)))
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="skip the untimed first run")
    args = parser.parse_args()
    if not neo4j_uri():
        raise SystemExit("needs GRAPHCASE_NEO4J_URI or GRAPHCASE_TEST_NEO4J_URI (tests/neo4j_server/start)")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bundle = args.bundle
        if bundle is None:
            bundle = workdir / f"county-{args.people}"
            generate_county(args.people, seed=7, out_dir=bundle)
        truth = json.loads((bundle / "ground_truth.json").read_text())
        people = truth["people"] if isinstance(truth["people"], int) else len(truth["people"])
        as_of = __import__("datetime").date.fromisoformat(truth["as_of"])
        delta = one_percent_delta(bundle, workdir)
        print(f"{people:,} people, batch {args.batch:,}, {'Rust extension' if rust_extension() else 'pure-Python driver'}, "
              f"{os.cpu_count()} cores, load average {load_average()}", flush=True)
        times: dict[int, list[dict]] = {s: [] for s in args.sessions}
        if args.warm_up:  # the server's first load of a run is its slowest (JIT, page cache): not any count's
            one_run(bundle, delta, as_of, 1, args.batch)
            print("  (warm-up above, not counted)", flush=True)
        for run in range(args.runs):
            for sessions in args.sessions[run % len(args.sessions):] + args.sessions[: run % len(args.sessions)]:
                times[sessions].append(one_run(bundle, delta, as_of, sessions, args.batch))
    print(f"\nmedians of {args.runs} run(s), {people:,} people (load average now {load_average()}):")
    print(f"{'sessions':>8} " + " ".join(f"{p:>10}" for p in PHASES))
    for sessions, runs in times.items():
        print(f"{sessions:>8} " + " ".join(f"{statistics.median(r[p] for r in runs):>9.2f}s" for p in PHASES))


if __name__ == "__main__":
    main()
