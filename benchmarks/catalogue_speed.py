"""Per-pattern time of the whole-county sweep and of one person's findings, on the embedded store (medians).

    python benchmarks/catalogue_speed.py [PEOPLE ...]   (default: 100000 1000000)
        [--repeat N] [--baseline-rev GIT_REV] [--keep DIR]

Baselines measured in the same run: a bare node count (``MATCH (p:Person) RETURN count(*)``), the floor of
any query on that store; with ``--baseline-rev`` also each pattern's query text as it was at that git
revision (for example the commit before a rewrite), run interleaved with the current text on the same
store, with a check that both return the same rows. ``--keep DIR`` keeps the generated county and its
database in DIR/c<PEOPLE>/ and re-uses them on the next run (generation and load of 1M people take minutes).

Columns: ``sweep s`` the pattern over the whole county (query + grouping into findings); ``person ms`` the
same pattern for one person without a cache (network look-up + sweep + filter); ``cached ms`` the same with
the county sweep cached beside the database (network look-up + filter of the cached findings).
"""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import median_seconds
from graphcase import load_bundle
from graphcase.catalogue.queries import get_query
from graphcase.catalogue.findings import pattern_names, person_network, run_catalogue
from graphcase.catalogue.dialect import to_ladybug
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.county import generate_county


def county_store(people: int, folder: Path) -> tuple[LadybugStore, dict]:
    db, truth_file = folder / "county.db", folder / "truth.pkl"
    if db.exists() and truth_file.exists():
        return LadybugStore(db), pickle.loads(truth_file.read_bytes())
    started = time.perf_counter()
    _, truth = generate_county(people, seed=7, out_dir=folder / "county")
    store = LadybugStore(db)
    load_bundle(store, folder / "county")
    truth_file.write_bytes(pickle.dumps(truth.as_dict()))
    print(f"generated and loaded {people:,} people in {time.perf_counter() - started:.0f} s")
    return store, truth.as_dict()


def old_text(rev: str, name: str) -> str | None:
    path = get_query(name).path.relative_to(Path(__file__).resolve().parents[1])
    shown = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True)
    return to_ladybug(shown.stdout) if shown.returncode == 0 else None


def measure(people: int, repeat: int, baseline_rev: str | None, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = (keep or Path(tmp)) / f"c{people}"
        folder.mkdir(parents=True, exist_ok=True)
        store, truth = county_store(people, folder)
        as_of = truth["as_of"] if isinstance(truth["as_of"], dt.date) else dt.date.fromisoformat(truth["as_of"])
        child = truth["patterns"]["hidden_men"]["hits"][0]["child_id"]
        cache = Path(tmp) / "sweep.json"
        baseline = median_seconds(lambda: store.query("MATCH (p:Person) RETURN count(*)"), repeat)[0]
        network = median_seconds(lambda: person_network(store, child, as_of), repeat)[0]
        print(f"\n{people:,} people; baseline count(*) {baseline * 1000:.1f} ms; person network {network * 1000:.1f} ms; "
              f"medians of {repeat}")
        head = f"{'pattern':<32}{'sweep s':>9}{'person ms':>11}{'cached ms':>11}"
        print(head + (f"{'before s':>10}{'same rows':>11}" if baseline_rev else ""))
        total = before_total = 0.0
        for name in pattern_names():
            sweep = median_seconds(lambda: run_catalogue(store, as_of, [name]), repeat)[0]
            one = median_seconds(lambda: run_catalogue(store, as_of, [name], person=child), repeat)[0]
            run_catalogue(store, as_of, [name], sweep_cache=cache)
            cached = median_seconds(lambda: run_catalogue(store, as_of, [name], person=child, sweep_cache=cache), repeat)[0]
            total += sweep
            line = f"{name:<32}{sweep:>9.3f}{one * 1000:>11.1f}{cached * 1000:>11.1f}"
            if baseline_rev:
                query, text = get_query(name), old_text(baseline_rev, name)
                params = query.bind({"as_of": as_of} if any(p.name == "as_of" for p in query.parameters) else {})
                before = median_seconds(lambda: store.query(text, params), repeat)[0] if text else float("nan")
                before_total += before
                same = text is not None and sorted(map(repr, store.query(text, params).rows)) == sorted(
                    map(repr, store.query(query.text("ladybug"), params).rows))
                line += f"{before:>10.3f}{str(same):>11}"
            print(line, flush=True)
        whole_person = median_seconds(lambda: run_catalogue(store, as_of, person=child), repeat)[0]
        run_catalogue(store, as_of, sweep_cache=cache)
        whole_cached = median_seconds(lambda: run_catalogue(store, as_of, person=child, sweep_cache=cache), repeat)[0]
        print(f"whole catalogue sweep {total:.2f} s" + (f" (before: {before_total:.2f} s of queries)" if baseline_rev else "")
              + f"; one person, whole catalogue {whole_person * 1000:.0f} ms, from the cached sweep {whole_cached * 1000:.0f} ms")
        store.close()


if __name__ == "__main__":
    argv = sys.argv[1:]
    opts = {}
    for flag in ("--repeat", "--baseline-rev", "--keep"):
        if flag in argv:
            i = argv.index(flag)
            opts[flag] = argv[i + 1]
            del argv[i:i + 2]
    for n in [int(a) for a in argv] or [100_000, 1_000_000]:
        measure(n, int(opts.get("--repeat", 3)), opts.get("--baseline-rev"), Path(opts["--keep"]) if "--keep" in opts else None)
