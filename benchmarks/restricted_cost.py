"""What restricted records cost a viewer's request: the look-up of the store's restricted facts, and a
chronology built for a named viewer against the owner's, in a generated county of N people.

    python benchmarks/restricted_cost.py            # 20,000 people
    python benchmarks/restricted_cost.py 100000 --repeat 9

The county (graphcase.synthetic) is cached in /tmp/graphcase-bench-history-N/ (shared with history_speed.py).
No county record is restricted, so a viewer's request pays the look-up and nothing else; the look-up scans
the events and agency records for a set ``restricted`` property, once per read-only store handle. Baseline in the same run: the owner's
chronology (no viewer, no look-up). Medians of --repeat warm runs.
"""

from __future__ import annotations

import argparse

from history_speed import pick_child, prepare
from timing import median_seconds
from graphcase.catalogue.restrictions import _read_facts, restricted_facts
from graphcase.history import build_chronology
from graphcase.model.restrictions import Viewer
from graphcase.stores.ladybug import LadybugStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="?", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bundle, db = prepare(args.people, args.seed)
    viewer = Viewer("bench", "analyst", "MASH")
    store = LadybugStore(db, read_only=True)
    try:
        child = pick_child(store, bundle)
        scan = median_seconds(lambda: _read_facts(store), args.repeat, warm=True)[0] * 1000
        lookup = median_seconds(lambda: restricted_facts(store), args.repeat, warm=True)[0] * 1000
        owner = median_seconds(lambda: build_chronology(store, child, hops=2), args.repeat, warm=True)[0] * 1000
        named = median_seconds(lambda: build_chronology(store, child, hops=2, viewer=viewer), args.repeat, warm=True)[0] * 1000
    finally:
        store.close()
    print(f"county: {args.people:,} people (seed {args.seed}); child {child}; median of {args.repeat} warm runs")
    print(f"  restricted facts: the scan               {scan:8.1f} ms")
    print(f"  restricted facts: read-only store, again {lookup:8.3f} ms")
    print(f"  chronology, owner (baseline)             {owner:8.1f} ms")
    print(f"  chronology, named viewer                 {named:8.1f} ms   (+{named - owner:.1f} ms)")


if __name__ == "__main__":
    main()
