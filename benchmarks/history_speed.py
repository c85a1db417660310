"""Speed of a case history: one child with a 2-hop network, in a generated county of N people.

    python benchmarks/history_speed.py              # 100,000 people
    python benchmarks/history_speed.py 1000000      # 1M people (generation + load take minutes, once)
    python benchmarks/history_speed.py 100000 --repeat 9

The county is generated with graphcase.synthetic.generate_county and loaded into an embedded LadybugDB
store, cached in /tmp/graphcase-bench-history-N/ so later runs only time the history. The child is the
child with most people within 2 hops among the first 20 planted domestic_abuse_child_not_told children and the 20 children
with most events (a busy case, not an empty one).

Timed, median of --repeat runs, warm (after one untimed run):
  data : build_chronology(store, child, hops=2)  (anchored queries per person: people, links, records, events, recipients)
  html : data + gap analysis + knowledge matrix + HTML rendering
Baseline in the same run: one anchored primary-key look-up (MATCH (p:Person {id: $id}) RETURN p.id), the
cost floor of any single query round trip on this machine.
Targets (issue 4): data <= 200 ms, HTML <= 2 s, for a 1M-person county.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from timing import median_seconds
from graphcase import load_bundle
from graphcase.history import analyse, build_chronology
from graphcase.history.render import render
from graphcase.stores.ladybug import LadybugStore

DATA_TARGET_MS, HTML_TARGET_MS = 200, 2000


def prepare(people: int, seed: int) -> tuple[Path, Path]:
    from graphcase.synthetic import generate_county

    root = Path(f"/tmp/graphcase-bench-history-{people}")
    bundle, db = root / "bundle", root / "county.db"
    if not (root / "READY").exists():
        import shutil

        root.mkdir(parents=True, exist_ok=True)
        if not (bundle / "ground_truth.json").exists():  # written last: the bundle is complete
            t = time.perf_counter()
            generate_county(people, seed=seed, out_dir=bundle)
            print(f"generated {people:,} people in {time.perf_counter() - t:.1f} s")
        for stale in (db, Path(f"{db}.wal")):  # an interrupted load: start the store afresh
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        t = time.perf_counter()
        store = LadybugStore(db)
        report = load_bundle(store, bundle)
        store.close()
        print(f"loaded in {time.perf_counter() - t:.1f} s ({report.rejected_rows:,} rows rejected)")
        (root / "READY").write_text("ok")
    return bundle, db


def pick_child(store: LadybugStore, bundle: Path) -> str:
    candidates = []
    truth = bundle / "ground_truth.json"
    if truth.exists():
        hits = json.loads(truth.read_text())["patterns"].get("domestic_abuse_child_not_told", {}).get("hits", [])
        candidates += [h["child_id"] for h in hits[:20]]
    busy = store.query(
        "MATCH (e:Event)-[:ABOUT]->(c:Person) WHERE c.role = 'child' "
        "RETURN c.id AS child_id, count(e) AS events ORDER BY events DESC, child_id LIMIT 20"
    )
    candidates += [r[0] for r in busy.rows]
    sizes = {c: len(build_chronology(store, c, hops=2).people) for c in dict.fromkeys(candidates)}
    return max(sizes, key=lambda c: (sizes[c], c))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    bundle, db = prepare(args.people, args.seed)
    store = LadybugStore(db, read_only=True)
    try:
        child = pick_child(store, bundle)
        chron = build_chronology(store, child, hops=2)
        history = analyse(chron)
        page = render(history, "html")
        baseline = median_seconds(lambda: store.query("MATCH (p:Person {id: $id}) RETURN p.id", {"id": child}), args.repeat, warm=True)[0] * 1000
        data = median_seconds(lambda: build_chronology(store, child, hops=2), args.repeat, warm=True)[0] * 1000
        html = median_seconds(lambda: render(analyse(build_chronology(store, child, hops=2)), "html"), args.repeat, warm=True)[0] * 1000
    finally:
        store.close()
    print(f"county: {args.people:,} people (seed {args.seed}); LadybugDB at {db}")
    print(f"child {child}: {len(chron.people)} people within 2 hops, {len(chron.entries)} events, "
          f"{len(history.gaps)} gaps, {len(chron.agencies)} agencies; HTML {len(page) / 1024:.0f} KiB")
    print(f"median of {args.repeat} warm runs:")
    print(f"  baseline: one primary-key look-up        {baseline:8.2f} ms")
    print(f"  chronology data (2 hops)                 {data:8.1f} ms   target {DATA_TARGET_MS} ms  "
          f"{'OK' if data <= DATA_TARGET_MS else 'MISSED'}")
    print(f"  data + gaps + matrix + HTML              {html:8.1f} ms   target {HTML_TARGET_MS} ms  "
          f"{'OK' if html <= HTML_TARGET_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
