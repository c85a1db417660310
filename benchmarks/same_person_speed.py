"""What the record-linkage model adds to the sweep: same_person_twice with and without its model rows (medians).

    python benchmarks/same_person_speed.py [PEOPLE ...]   (default: 3000 100000)  [--repeat N] [--keep DIR]

For each county size (generated as in ``catalogue_speed.py``; ``--keep DIR`` re-uses DIR/c<PEOPLE>/), the
same run times: the whole catalogue sweep with the model rows and without them (the Cypher-only
same_person_twice), same_person_twice alone both ways, and the model's rows alone
(``graphcase.catalogue.same_person.linkage_rows``). Then what the model found against the county's ground
truth: pairs inside one planted same-person group (``same_person_records``) or a planted
``same_person_twice`` hit, and pairs that are neither. No linkage model is beside a generated store, so the
pairs are scored with the stated priors, as on a store where ``link-records`` has not run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import sys
import tempfile
from pathlib import Path

from timing import median_seconds
from catalogue_speed import county_store
from graphcase.catalogue import findings
from graphcase.catalogue.same_person import linkage_rows
from graphcase.linkage.unlinked import DEFAULT_MIN_PROBABILITY

os.environ.setdefault("GRAPHCASE_REASON", "benchmark")  # the audit log asks why person-level data is read


def without_model_rows():
    spec = findings.PATTERNS["same_person_twice"]
    return {**findings.PATTERNS, "same_person_twice": dataclasses.replace(spec, model_rows=None)}


def measure(people: int, repeat: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = (keep or Path(tmp)) / f"c{people}"
        folder.mkdir(parents=True, exist_ok=True)
        store, truth = county_store(people, folder)
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
    for flag in ("--repeat", "--keep"):
        if flag in argv:
            i = argv.index(flag)
            opts[flag] = argv[i + 1]
            del argv[i:i + 2]
    for n in [int(a) for a in argv] or [3000, 100_000]:
        measure(n, int(opts.get("--repeat", 3)), Path(opts["--keep"]) if "--keep" in opts else None)
