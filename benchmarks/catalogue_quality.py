"""Precision and recall of every missed-link pattern against a generated county's ground truth.

    python benchmarks/catalogue_quality.py [PEOPLE=100000] [SEED=7]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from graphcase import load_bundle
from graphcase.catalogue.findings import run_catalogue
from graphcase.catalogue.quality import evaluate
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.county import generate_county


def main(people: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        _, truth = generate_county(people, seed=seed, out_dir=Path(tmp) / "county")
        store = LadybugStore(Path(tmp) / "county.db")
        load_bundle(store, Path(tmp) / "county")
        print(f"county of {people:,} people (seed {seed}) generated and loaded in {time.perf_counter() - started:.1f} s")
        run = run_catalogue(store, truth.as_of)
        store.close()
    quality = evaluate(run, truth.as_dict())
    print(f"{'pattern':<32}{'hits':>6}{'found':>7}{'near':>6}{'prec':>7}{'recall':>8}{'sweep s':>9}")
    for name, q in quality.items():
        print(f"{name:<32}{q['hits']:>6}{q['found']:>7}{q['near_misses']:>6}{q['precision']:>7.3f}{q['recall']:>8.3f}{run.seconds[name]:>9.2f}")
        for key in q["false_pos"][:5]:
            print(f"    false positive: {dict(key)}")
        for key in q["missed"][:5]:
            print(f"    missed: {dict(key)}")
    print(f"whole catalogue: {sum(run.seconds.values()):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 7)
