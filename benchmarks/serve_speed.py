"""Server time of the workspace's search, person page and one network expansion, with 1 and 20 clients.

    python benchmarks/serve_speed.py [PEOPLE=20000] [REQUESTS_PER_CLIENT=5] [--keep DIR] [--db STORE]
                                     [--analysts 20] [--rounds 3] [--think 3.0] [--seed 7]

Generates and loads a county (``--keep DIR`` keeps it in ``DIR/c<PEOPLE>`` and re-uses it on the next run), or
serves an existing store (``--db /work/data/c1000000/county.db``; its ``truth.pkl`` beside it gives the as-of
day). An existing store is never written: it is hard-linked (else copied) into a private temp folder and
opened read-only there, so the workspace's side files (accounts, audit log, sweep cache) land in that folder.

Serves it with uvicorn on 127.0.0.1 (as ``graphcase serve`` does), signs in one analyst session per client,
and reads each response's ``Server-Timing`` header (the app's own time, from the request's arrival to the
response's first byte, including any wait for a store connection). The round trip seen by the client is
printed beside it. The home page (no store query) is the same-run baseline: the cost of the app itself.

The server warms up as ``graphcase serve`` does (the search index, then the county's findings swept into the
cache, in the background); the benchmark waits for it, printing its progress and time, then measures two
ways:

- stress (closed loop): 1, then 20 clients, each sending its requests back to back with no pause; every
  client asks for the same person. An upper bound on the load, not a working day.
- analysts: ``--analysts`` (20) people at work, each on a person of their own. Each does ``--rounds`` (3)
  rounds of: home page, search for the person's name, their person page, one network expansion (an adult
  related to them), and before each action thinks for a time drawn from an exponential distribution with a
  mean of ``--think`` seconds (3.0), from a random generator seeded with ``--seed`` plus the analyst's
  number, so a run can be repeated. The analysts start together (each after its first think time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import random
import re
import shutil
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn

from graphcase import load_bundle
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.county import generate_county
from graphcase.web import Workspace, create_app

PASSWORD = "benchmark password 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in(base: str, person: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=3600)  # the first person page sweeps the county
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": csrf}).status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    client.post("/reason", data={"person": person, "reason": "benchmark", "next": "/", "csrf": csrf})
    return client


def load_average() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def timed(client: httpx.Client, path: str, params: dict) -> tuple[float, float]:
    started = time.perf_counter()
    response = client.get(path, params=params)
    wall = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code, response.text[:200])
    server = float(re.search(r"dur=([\d.]+)", response.headers["server-timing"]).group(1))
    return server, wall


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def generated_store(people: int, folder: Path) -> tuple[Path, dt.date]:
    db, truth_file = folder / "county.db", folder / "truth.pkl"
    if not (db.exists() and truth_file.exists()):
        started = time.perf_counter()
        _, truth = generate_county(people, seed=7, out_dir=folder / "county")
        store = LadybugStore(db)
        load_bundle(store, folder / "county")
        store.close()
        truth_file.write_bytes(pickle.dumps(truth.as_dict()))
        print(f"county of {people:,} people generated and loaded in {time.perf_counter() - started:.1f} s")
    return db, dt.date.fromisoformat(str(pickle.loads(truth_file.read_bytes())["as_of"]))


def private_copy(db: Path, folder: Path) -> Path:
    """``db`` under ``folder``: a hard link (no copy; opened read-only, so the shared file is never written)."""
    target = folder / db.name
    try:
        os.link(db, target)
    except OSError:
        shutil.copy2(db, target)
    return target


def warm(workspace: Workspace) -> None:
    """Start the warm-up as ``graphcase serve`` does and wait for it, saying how far it has got."""
    started = time.perf_counter()
    thread = workspace.start_warm_up()
    while thread.is_alive():
        thread.join(30)
        index = "built" if workspace._person_index is not None else "building"
        print(f"  warming up: {time.perf_counter() - started:.0f} s (search index {index}, findings "
              f"{'swept' if workspace._swept else 'sweeping'}); {load_average()}", flush=True)
    print(f"warm-up (search index and findings sweep) done in {time.perf_counter() - started:.1f} s")


HEADER = (f"{'mode':<10}{'request':<16}{'clients':>8}{'n':>5}{'server median':>15}{'server p95':>12}"
          f"{'round trip median':>19}{'round trip p95':>16}")


def report(mode: str, name: str, clients: int, results: list[tuple[float, float]]) -> None:
    server_ms, wall_ms = [s for s, _ in results], [w for _, w in results]
    print(f"{mode:<10}{name:<16}{clients:>8}{len(server_ms):>5}{statistics.median(server_ms):>13.0f} ms"
          f"{p95(server_ms):>9.0f} ms{statistics.median(wall_ms):>16.0f} ms{p95(wall_ms):>13.0f} ms", flush=True)


def requests_for(person: tuple) -> dict[str, tuple[str, dict]]:
    child, given, family, adult = person
    return {
        "baseline (home)": ("/", {}),
        "search": ("/search", {"name": f"{given} {family}", "reason": "benchmark"}),
        "person page": (f"/person/{child}", {}),
        "expansion": (f"/api/network/{child}/expand", {"node": adult}),
    }


def stress(base: str, person: tuple, per_client: int) -> None:
    """Closed loop: each client sends its requests back to back, all clients on the same person."""
    requests = requests_for(person)
    for clients in (1, 20):
        sessions = [signed_in(base, person[0]) for _ in range(clients)]
        for name, (path, params) in requests.items():
            with ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(lambda c: [timed(c, path, params) for _ in range(per_client)], sessions))
            report("stress", name, clients, [r for rs in results for r in rs])
        for c in sessions:
            c.close()


def analysts_at_work(base: str, people: list[tuple], rounds: int, think: float, seed: int) -> None:
    """Each analyst works on a person of their own: (think, home, think, search, think, person page, think,
    expansion) ``rounds`` times, think times exponential with mean ``think`` seconds, seeded per analyst."""
    def analyst(i: int) -> dict[str, list[tuple[float, float]]]:
        person = people[i % len(people)]
        pause = random.Random(seed + i)
        client = signed_in(base, person[0])
        got: dict[str, list] = {}
        try:
            for _ in range(rounds):
                for name, (path, params) in requests_for(person).items():
                    time.sleep(pause.expovariate(1 / think))
                    got.setdefault(name, []).append(timed(client, path, params))
        finally:
            client.close()
        return got

    analysts = len(people)
    started = time.perf_counter()
    with ThreadPoolExecutor(analysts) as pool:
        per_analyst = list(pool.map(analyst, range(analysts)))
    for name in requests_for(people[0]):
        report("analysts", name, analysts, [r for got in per_analyst for r in got[name]])
    print(f"{analysts} analysts x {rounds} rounds in {time.perf_counter() - started:.0f} s "
          f"(think time exponential, mean {think} s, seed {seed})")


def serve_and_measure(db: Path, as_of: dt.date, per_client: int, analysts: int, rounds: int, think: float, seed: int) -> None:
    store = LadybugStore(db, read_only=True)
    started = time.perf_counter()
    people = [tuple(r) for r in store.query(
        "MATCH (a:Person)-[:RELATED_TO]->(c:Person {role: 'child'}) "
        "RETURN c.id, c.given_name, c.family_name, a.id LIMIT $n", {"n": max(analysts * 3, 1)}).rows]
    chosen: dict[str, tuple] = {}
    for row in people:  # one person per analyst, each a different child
        chosen.setdefault(row[0], row)
    people = list(chosen.values())[:analysts] or people[:1]
    workspace = Workspace.open(store, as_of=as_of)
    if workspace.users.get("bench") is None:
        workspace.users.add("bench", "analyst", "MASH", PASSWORD)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    print(f"store opened and server started in {time.perf_counter() - started:.1f} s (person {people[0][0]}); {load_average()}")
    base = f"http://127.0.0.1:{port}"
    try:
        warm(workspace)
        first = signed_in(base, people[0][0])
        for name, (path, params) in requests_for(people[0]).items():  # each kind once before measuring
            t = time.perf_counter()
            timed(first, path, params)
            print(f"first {name}: {(time.perf_counter() - t) * 1000:.0f} ms (not counted)")
        first.close()
        print(f"{load_average()} before measuring")
        print(HEADER)
        stress(base, people[0], per_client)
        analysts_at_work(base, people, rounds, think, seed)
        print(f"{load_average()} after measuring")
    finally:
        server.should_exit = True
        thread.join(10)
        workspace.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("people", nargs="?", type=int, default=20000)
    parser.add_argument("per_client", nargs="?", type=int, default=5)
    parser.add_argument("--db", type=Path, help="an existing embedded store (never written)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="default: truth.pkl beside --db, else today")
    parser.add_argument("--keep", type=Path, help="keep the generated county under this folder and re-use it")
    parser.add_argument("--analysts", type=int, default=20, help="analysts at work, each on a person of their own (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of home, search, person page, expansion per analyst (default 3)")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time before each action, seconds, exponential (default 3.0)")
    parser.add_argument("--seed", type=int, default=7, help="seeds each analyst's think times (seed + analyst number)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            truth = args.db.parent / "truth.pkl"
            as_of = args.as_of or (dt.date.fromisoformat(str(pickle.loads(truth.read_bytes())["as_of"])) if truth.exists() else dt.date.today())
            db = private_copy(args.db.resolve(), Path(tmp))
        else:
            folder = args.keep / f"c{args.people}" if args.keep else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            db, as_of = generated_store(args.people, folder)
            as_of = args.as_of or as_of
        serve_and_measure(db, as_of, args.per_client, args.analysts, args.rounds, args.think, args.seed)


if __name__ == "__main__":
    main()
