"""Per-pattern time of the whole-county sweep and of one person's findings, on the embedded store (medians).

    python benchmarks/catalogue_speed.py [PEOPLE ...]     (default: 100000 1000000)  [--repeat N]

Baseline measured in the same run: a bare node count (``MATCH (p:Person) RETURN count(*)``), the floor of
any query on that store. The one-person time is the whole run for ``--person`` (network look-up, every
pattern, filtering), for a planted child.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from graphcase import load_bundle
from graphcase.findings import pattern_names, run_catalogue
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.county import generate_county


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(people: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _, truth = generate_county(people, seed=7, out_dir=Path(tmp) / "county")
        store = LadybugStore(Path(tmp) / "county.db")
        load_bundle(store, Path(tmp) / "county")
        as_of = truth.as_of
        child = truth.as_dict()["patterns"]["hidden_men"]["hits"][0]["child_id"]
        baseline = median_time(lambda: store.query("MATCH (p:Person) RETURN count(*)"), repeat)
        print(f"\n{people:,} people; baseline count(*) {baseline * 1000:.1f} ms; medians of {repeat}")
        print(f"{'pattern':<32}{'sweep s':>9}{'person ms':>11}")
        total = 0.0
        for name in pattern_names():
            sweep = median_time(lambda: run_catalogue(store, as_of, [name]), repeat)
            one = median_time(lambda: run_catalogue(store, as_of, [name], person=child), repeat)
            total += sweep
            print(f"{name:<32}{sweep:>9.3f}{one * 1000:>11.1f}")
        whole_person = median_time(lambda: run_catalogue(store, as_of, person=child), repeat)
        print(f"whole catalogue sweep {total:.2f} s; one person, whole catalogue {whole_person * 1000:.0f} ms")
        store.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    repeat = 3
    if "--repeat" in sys.argv:
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1])
        args = [a for a in args if a != str(repeat)]
    for n in [int(a) for a in args] or [100_000, 1_000_000]:
        measure(n, repeat)
