"""Per-pattern time of the whole-county sweep and of one person's findings, on the embedded store (medians).

    python benchmarks/catalogue_speed.py [PEOPLE ...]   (default: 100000 1000000)
        [--repeat N] [--baseline-rev GIT_REV] [--keep DIR] [--linked]

Baselines measured in the same run: a bare node count (``MATCH (p:Person) RETURN count(*)``), the floor of
any query on that store; with ``--baseline-rev`` also each pattern's query text as it was at that git
revision (for example the commit before a rewrite), run interleaved with the current text on the same
store, with a check that both return the same rows. ``--keep DIR`` keeps the generated county and its
database in DIR/c<PEOPLE>/ and re-uses them on the next run (generation and load of 1M people take minutes),
never written to once it exists (it may be shared): the run copies the database into a private temporary
folder and measures the copy, so the audit log and every cache beside the store (``same_person_twice``'s
model rows, as ``graphcase links`` keeps them beside its sweep cache) are written beside the copy.
``--linked`` then copies the database, runs ``link-records`` on the copy (the kept store stays unlinked) and
measures again on the linked store, where the ``*_via_linkage`` queries run beside each pattern.

Columns: ``query s`` the pattern's queries alone (rows fetched, before grouping; median); ``first s`` the pattern's first sweep of this store (``same_person_twice`` then fills its model-row
cache beside the store, graphcase/linkage/pair_cache.py); ``sweep s`` the pattern over the whole county
(query + grouping into findings, median; ``same_person_twice`` from its cache); ``person ms`` the
same pattern for one person without a cache (network look-up + sweep + filter); ``cached ms`` the same with
the county sweep cached beside the database (network look-up + filter of the cached findings).
Then the whole catalogue, and one person from the cached sweep for ~20 people of different kinds (planted
children and adults of each pattern, near-misses, people in no pattern): median and slowest over them.
The load average (``uptime``) is printed beside the figures.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import median_seconds
from graphcase import load_bundle
from graphcase.catalogue.queries import get_query
from graphcase.catalogue.findings import has_same_as_links, pattern_names, person_network, run_catalogue, run_pattern_rows
from graphcase.catalogue.dialect import to_ladybug, without_linkage
from graphcase.linkage.link import link_records
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.county import generate_county


def county_store(people: int, folder: Path, scratch: Path) -> tuple[LadybugStore, dict]:
    db, truth_file = folder / "county.db", folder / "truth.pkl"
    if db.exists() and truth_file.exists():  # kept, maybe shared: measured on a private copy
        for source in (db, Path(f"{db}.wal")):
            if source.exists():
                shutil.copy2(source, scratch / source.name)
        return LadybugStore(scratch / db.name), pickle.loads(truth_file.read_bytes())
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


def measure(people: int, repeat: int, baseline_rev: str | None, keep: Path | None, linked: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = (keep or Path(tmp)) / f"c{people}"
        folder.mkdir(parents=True, exist_ok=True)
        store, truth = county_store(people, folder, Path(tmp))
        as_of = truth["as_of"] if isinstance(truth["as_of"], dt.date) else dt.date.fromisoformat(truth["as_of"])
        child = truth["patterns"]["hidden_men"]["hits"][0]["child_id"]
        sample = sample_people(store, truth)
        print(f"\n{people:,} people, unlinked store")
        table(store, as_of, child, sample, repeat, baseline_rev, Path(tmp) / "sweep.json")
        if linked:
            store.close()
            copy = Path(tmp) / "linked.db"
            shutil.copy2(store.location, copy)
            store = LadybugStore(copy)
            started = time.perf_counter()
            report = link_records(store, as_of=as_of)
            print(f"\n{people:,} people, after link-records ({report.linked_pairs:,} pairs linked in "
                  f"{time.perf_counter() - started:.0f} s, on a copy of the store)")
            table(store, as_of, child, sample, repeat, baseline_rev, Path(tmp) / "linked-sweep.json")
        store.close()


def sample_people(store: LadybugStore, truth: dict) -> list[str]:
    """~20 people of different kinds: the first planted child and adult of each pattern, a near-miss's, and a
    few people from the background population (ids P0, P1, ...) that most likely are in no pattern."""
    wanted = []
    for name, planted in sorted(truth["patterns"].items()):
        for kind in ("hits", "near_misses"):
            first = planted[kind][0] if planted[kind] else {}
            for column in ("child_id", "adult_id", "record_a"):
                if first.get(column) and (kind == "hits" or column == "child_id"):
                    wanted.append(first[column])
            if kind == "hits" and first.get("child_ids"):
                wanted.append(first["child_ids"].split(",")[0])
    wanted += ["P0", "P1", f"P{truth['people'] // 2}", f"P{truth['people'] - 1}"]
    known = [pid for pid in dict.fromkeys(wanted) if store.query("MATCH (p:Person {id: $id}) RETURN p.id", {"id": pid}).rows]
    return known[:22]


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def table(store: LadybugStore, as_of: dt.date, child: str, sample: list[str], repeat: int, baseline_rev: str | None,
          cache: Path) -> None:
    baseline = median_seconds(lambda: store.query("MATCH (p:Person) RETURN count(*)"), repeat)[0]
    network = median_seconds(lambda: person_network(store, child, as_of), repeat)[0]
    print(f"baseline count(*) {baseline * 1000:.1f} ms; person network {network * 1000:.1f} ms; medians of {repeat}; {load_average()}")
    head = f"{'pattern':<32}{'query s':>9}{'first s':>9}{'sweep s':>9}{'person ms':>11}{'cached ms':>11}"
    print(head + (f"{'before s':>10}{'same rows':>11}" if baseline_rev else ""))
    total = first_total = before_total = 0.0
    linked = has_same_as_links(store)
    for name in pattern_names():
        first = median_seconds(lambda: run_catalogue(store, as_of, [name]), 1)[0]
        query = median_seconds(lambda: run_pattern_rows(store, name, as_of), repeat)[0]
        sweep = median_seconds(lambda: run_catalogue(store, as_of, [name]), repeat)[0]
        one = median_seconds(lambda: run_catalogue(store, as_of, [name], person=child), repeat)[0]
        run_catalogue(store, as_of, [name], sweep_cache=cache)
        cached = median_seconds(lambda: run_catalogue(store, as_of, [name], person=child, sweep_cache=cache), repeat)[0]
        total += sweep
        first_total += first
        line = f"{name:<32}{query:>9.3f}{first:>9.3f}{sweep:>9.3f}{one * 1000:>11.1f}{cached * 1000:>11.1f}"
        if baseline_rev:
            spec, text = get_query(name), old_text(baseline_rev, name)
            params = spec.bind({"as_of": as_of} if any(p.name == "as_of" for p in spec.parameters) else {})
            now = spec.text("ladybug")
            if text and not linked:  # as the sweep runs them on a store without SAME_AS links
                text, now = without_linkage(text), without_linkage(now)
            before = median_seconds(lambda: store.query(text, params), repeat)[0] if text else float("nan")
            before_total += before
            same = text is not None and sorted(map(repr, store.query(text, params).rows)) == sorted(
                map(repr, store.query(now, params).rows))
            line += f"{before:>10.3f}{str(same):>11}"
        print(line, flush=True)
    whole = median_seconds(lambda: run_catalogue(store, as_of), repeat)[0]
    whole_person = median_seconds(lambda: run_catalogue(store, as_of, person=child), repeat)[0]
    run_catalogue(store, as_of, sweep_cache=cache)
    whole_cached = median_seconds(lambda: run_catalogue(store, as_of, person=child, sweep_cache=cache), repeat)[0]
    print(f"whole catalogue sweep {whole:.2f} s (sum of pattern medians {total:.2f} s, of first sweeps {first_total:.2f} s)"
          + (f" (before: {before_total:.2f} s of queries)" if baseline_rev else "")
          + f"; one person, whole catalogue {whole_person * 1000:.0f} ms, from the cached sweep {whole_cached * 1000:.0f} ms"
          + f"; {load_average()}")
    each = {pid: median_seconds(lambda: run_catalogue(store, as_of, person=pid, sweep_cache=cache), repeat)[0] for pid in sample}
    slowest = max(each, key=each.get)
    print(f"one person from the cached sweep, {len(each)} people: median {statistics.median(each.values()) * 1000:.1f} ms, "
          f"slowest {each[slowest] * 1000:.1f} ms ({slowest}); {load_average()}")


if __name__ == "__main__":
    os.environ.setdefault("GRAPHCASE_REASON", "benchmark")  # the audit log asks a reason for person-level commands
    argv = sys.argv[1:]
    opts = {}
    linked = "--linked" in argv
    argv = [a for a in argv if a != "--linked"]
    for flag in ("--repeat", "--baseline-rev", "--keep"):
        if flag in argv:
            i = argv.index(flag)
            opts[flag] = argv[i + 1]
            del argv[i:i + 2]
    for n in [int(a) for a in argv] or [100_000, 1_000_000]:
        measure(n, int(opts.get("--repeat", 3)), opts.get("--baseline-rev"), Path(opts["--keep"]) if "--keep" in opts else None, linked)
