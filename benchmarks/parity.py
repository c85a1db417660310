"""Parity on a large county: the same answers from the embedded store and Neo4j (tests/test_store_parity.py at scale).

    GRAPHCASE_TEST_NEO4J_URI=bolt://... NEO4J_USERNAME=... NEO4J_PASSWORD=... \\
        python benchmarks/parity.py 100000 [--people-step 2000] [--linked]

Generates a county (seed 11), loads it into a fresh embedded store and into the Neo4j server (its database is
WIPED), and compares, as multisets of rows, exactly what the parity test compares: every catalogue query (the
person-taking ones for every Nth person record), the ``links`` sweep and ``--person`` for 12 children with
findings, ``history`` (every part, 2 hops), the map extracts and ``stats``. With ``--linked`` it runs
``link-records`` on both (the model trained once on the embedded store) and compares again. Prints each part
that differs with its first differing rows, and the time each stage took; exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the comparison is the parity test's own, not a copy

from click.testing import CliRunner  # noqa: E402

from graphcase import load_bundle  # noqa: E402
from graphcase.cli import main as cli  # noqa: E402
from graphcase.stores.ladybug import LadybugStore  # noqa: E402
from graphcase.stores.neo4j import Neo4jStore  # noqa: E402
from graphcase.synthetic.county import generate_county  # noqa: E402
from tests.conftest import AS_OF  # noqa: E402
from tests.test_store_parity import COUNTY_SEED, _answers, _cli  # noqa: E402


def stage(name: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {name}: {now - started:.1f}s", flush=True)
    return now


def compare(answers: dict, label: str) -> int:
    differing = 0
    for part in sorted(answers["ladybug"]):
        on_ladybug, on_neo4j = answers["ladybug"][part], answers["neo4j"][part]
        only_ladybug, only_neo4j = on_ladybug - on_neo4j, on_neo4j - on_ladybug
        errors = [row for row in on_ladybug + on_neo4j if row.startswith(("error", "exit"))]
        if only_ladybug or only_neo4j or errors:
            differing += 1
            print(f"  DIFFERS {label} {part}: {sum(only_ladybug.values())} rows only on LadybugDB, "
                  f"{sum(only_neo4j.values())} only on Neo4j, of {sum(on_ladybug.values())}")
            for row in [*list(only_ladybug)[:2], *list(only_neo4j)[:2], *errors[:2]]:
                print(f"      {row[:300]}")
    rows = sum(sum(c.values()) for c in answers["ladybug"].values())
    print(f"  {label}: {len(answers['ladybug'])} parts, {rows:,} rows compared, {differing} parts differ", flush=True)
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("people", type=int, nargs="?", default=100_000)
    parser.add_argument("--people-step", type=int, default=None, help="compare every Nth person record (default: people / 50)")
    parser.add_argument("--linked", action="store_true", help="also compare after link-records on both stores")
    args = parser.parse_args()
    uri = os.environ.get("GRAPHCASE_TEST_NEO4J_URI") or os.environ.get("GRAPHCASE_NEO4J_URI")
    if not uri:
        parser.error("set GRAPHCASE_TEST_NEO4J_URI (and NEO4J_USERNAME / NEO4J_PASSWORD): tests/neo4j_server/start")
    os.environ.setdefault("GRAPHCASE_REASON", "benchmarks/parity.py")
    step = args.people_step or max(1, args.people // 50)
    print(f"graphcase parity benchmark: {args.people:,} people (seed {COUNTY_SEED}), every {step}th person record", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.chdir(tmp)  # the findings file and the linkage model land here
        started = time.perf_counter()
        generate_county(args.people, seed=COUNTY_SEED, out_dir=tmp / "county")
        started = stage("generate", started)
        path = tmp / "parity.db"
        store_args = {"ladybug": ["--db", str(path)], "neo4j": ["--neo4j", uri]}
        embedded, neo4j = LadybugStore(path), Neo4jStore(uri)
        neo4j._autocommit("MATCH ()-[r]->() CALL { WITH r DELETE r } IN TRANSACTIONS OF 10000 ROWS", {}, "wipe")
        neo4j._autocommit("MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS OF 10000 ROWS", {}, "wipe")
        for name, store in (("embedded", embedded), ("Neo4j", neo4j)):
            store.ensure_schema()
            report = load_bundle(store, tmp / "county", today=AS_OF)
            assert not report.rejects, report.rejects[:3]
            started = stage(f"load into {name}", started)
        people = sorted(r[0] for r in embedded.query("MATCH (p:Person) RETURN p.id").rows)
        ids = {
            "people": people[::step],
            "addresses": sorted(r[0] for r in embedded.query("MATCH (a:Address) RETURN a.id").rows)[:200],
            "events": sorted(r[0] for r in embedded.query("MATCH (e:Event) RETURN e.id").rows)[:200],
        }
        embedded.close()
        sweep = _cli(store_args["ladybug"], "links", "--as-of", AS_OF.isoformat(), "--format", "json")
        children = sorted({c for f in sweep["findings"] for c in f["children"]})[:12]
        differing = 0
        for label in ("unlinked", "linked") if args.linked else ("unlinked",):
            if label == "linked":
                for engine in ("ladybug", "neo4j"):  # the embedded store trains the model; Neo4j reuses it
                    linked = CliRunner().invoke(cli, [*store_args[engine], "link-records", "--as-of", AS_OF.isoformat(),
                                                      "--model", str(tmp / "model.json")], catch_exceptions=False)
                    assert linked.exit_code == 0, linked.output
                started = stage("link-records on both", started)
            reader = LadybugStore(path, read_only=True)
            answers = {engine: _answers(store, store_args[engine], ids, children)
                       for engine, store in (("ladybug", reader), ("neo4j", neo4j))}
            reader.close()
            started = stage(f"answers ({label})", started)
            differing += compare(answers, label)
        neo4j.close()
    print("no difference" if not differing else f"{differing} parts differ", flush=True)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
