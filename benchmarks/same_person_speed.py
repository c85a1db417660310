"""What the record-linkage model adds to the sweep: same_person_twice with and without its model rows (medians).

    python benchmarks/same_person_speed.py [PEOPLE ...]   (default: 3000 100000)  [--repeat N] [--keep DIR]

For each county size (generated as in ``catalogue_speed.py``; ``--keep DIR`` re-uses DIR/c<PEOPLE>/), the
same run times: the whole catalogue sweep with the model rows and without them (the Cypher-only
same_person_twice), same_person_twice alone both ways, and the model's rows alone
(``graphcase.catalogue.same_person.linkage_rows``). Then what the model found against the county's ground
truth: pairs inside one planted same-person group (``same_person_records``) or a planted
``same_person_twice`` hit, and pairs that are neither. No linkage model is beside a generated store, so the
pairs are scored with the stated priors, as on a store where ``link-records`` has not run.

The model rows are cached beside the store (``graphcase/linkage/pair_cache.py``); the run times them three
ways: cold (cache removed first: what every sweep cost before the cache), cached (nothing changed), and
after CHANGED records changed (``--changed N``, default 100; on a copy of the store, their given name and
row_hash set as a re-load would): those records re-blocked, the candidate pairs re-scored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from timing import median_seconds
from catalogue_speed import county_store
from graphcase.catalogue import findings
from graphcase.catalogue.same_person import linkage_rows
from graphcase.linkage.pair_cache import cache_dir_for
from graphcase.linkage.unlinked import DEFAULT_MIN_PROBABILITY
from graphcase.stores.ladybug import LadybugStore

os.environ.setdefault("GRAPHCASE_REASON", "benchmark")  # the audit log asks why person-level data is read


def without_model_rows():
    spec = findings.PATTERNS["same_person_twice"]
    return {**findings.PATTERNS, "same_person_twice": dataclasses.replace(spec, model_rows=None)}


def cache_figures(store, as_of, repeat: int, changed: int, tmp: Path) -> None:
    folder = cache_dir_for(store)
    kept_cache = folder.exists()

    def cold():
        shutil.rmtree(folder, ignore_errors=True)
        return linkage_rows(store, as_of)

    cold_s = median_seconds(cold, repeat)[0]
    cached_s = median_seconds(lambda: linkage_rows(store, as_of), repeat)[0]
    if not kept_cache:
        shutil.rmtree(folder, ignore_errors=True)
    copy = LadybugStore(Path(shutil.copy2(store.location, tmp / "changed.db")))
    ids = [r[0] for r in copy.query(f"MATCH (p:Person) RETURN p.id ORDER BY p.id LIMIT {changed}").rows]
    linkage_rows(copy, as_of)
    times = []
    for n in range(1, repeat + 1):  # the write is not timed: only the sweep's model rows after it
        copy.write("UNWIND $ids AS id MATCH (p:Person {id: id}) SET p.given_name = p.given_name + 'x', p.row_hash = p.row_hash + $n",
                   {"ids": ids, "n": n})
        times.append(median_seconds(lambda: linkage_rows(copy, as_of), 1)[0])
    incremental_s = statistics.median(times)
    copy.close()
    print(f"model rows: cold (no cache) {cold_s:.3f} s; cached {cached_s * 1000:.1f} ms; "
          f"after {changed} records changed {incremental_s:.3f} s")


def measure(people: int, repeat: int, keep: Path | None, changed: int = 100) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = (keep or Path(tmp)) / f"c{people}"
        folder.mkdir(parents=True, exist_ok=True)
        store, truth = county_store(people, folder, Path(tmp))
        as_of = truth["as_of"] if isinstance(truth["as_of"], dt.date) else dt.date.fromisoformat(truth["as_of"])
        with_model, cypher_only = findings.PATTERNS, without_model_rows()

        def sweep(patterns, names=None):
            findings.PATTERNS = patterns
            try:
                return findings.run_catalogue(store, as_of, names)
            finally:
                findings.PATTERNS = with_model

        figures = {}  # interleaved, so both sides see the same machine load
        for label, patterns, names in (("whole sweep", None, None), ("same_person_twice", None, ["same_person_twice"])):
            for side, chosen in (("with model", with_model), ("Cypher only", cypher_only)):
                figures[(label, side)] = median_seconds(lambda: sweep(chosen, names), repeat, warm=True)[0]
        model_only, rows = median_seconds(lambda: linkage_rows(store, as_of), repeat)
        print(f"\n{people:,} people; medians of {repeat} (after one warm-up run)")
        print(f"{'':<20}{'with model s':>14}{'Cypher only s':>15}{'added s':>10}")
        for label in ("whole sweep", "same_person_twice"):
            a, b = figures[(label, "with model")], figures[(label, "Cypher only")]
            print(f"{label:<20}{a:>14.3f}{b:>15.3f}{a - b:>10.3f}")
        print(f"model rows alone {model_only:.3f} s")
        cache_figures(store, as_of, repeat, changed, Path(tmp))
        groups = truth["patterns"].get("same_person_records", {}).get("hits", [])
        planted = {tuple(sorted(p)) for g in groups for p in itertools.combinations(g["record_ids"], 2)}
        hits = {(h["record_a"], h["record_b"]) for h in truth["patterns"].get("same_person_twice", {}).get("hits", [])}
        found = {(r["record_a"], r["record_b"]): r["probability"] for r in rows}
        true = {k for k in found if k in planted or k in hits}
        print(f"model pairs: {len(found)} at probability >= {DEFAULT_MIN_PROBABILITY}; {len(true)} planted as one person "
              f"({len(set(found) & planted)}/{len(planted)} same-person-record pairs, {len(set(found) & hits)}/{len(hits)} "
              f"same_person_twice hits); {len(found) - len(true)} not planted")
        store.close()


if __name__ == "__main__":
    argv = sys.argv[1:]
    opts = {}
    for flag in ("--repeat", "--keep", "--changed"):
        if flag in argv:
            i = argv.index(flag)
            opts[flag] = argv[i + 1]
            del argv[i:i + 2]
    for n in [int(a) for a in argv] or [3000, 100_000]:
        measure(n, int(opts.get("--repeat", 3)), Path(opts["--keep"]) if "--keep" in opts else None, int(opts.get("--changed", 100)))
