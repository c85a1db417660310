"""Server time of the workspace's search, person page and one network expansion, with 1 and 20 clients.

    python benchmarks/serve_speed.py [PEOPLE=20000] [REQUESTS_PER_CLIENT=5]

Generates and loads a county, serves it with uvicorn on 127.0.0.1 (as ``graphcase serve`` does), signs in one
analyst session per client, and reads each response's ``Server-Timing`` header (the app's own time, from the
request's arrival to the response's first byte; with 20 clients it includes waiting for the store, which
answers one request at a time). The round trip seen by the client is printed beside it.
"""

from __future__ import annotations

import re
import socket
import statistics
import sys
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
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=300)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": csrf}).status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    client.post("/reason", data={"person": person, "reason": "benchmark", "next": "/", "csrf": csrf})
    return client


def timed(client: httpx.Client, path: str, params: dict) -> tuple[float, float]:
    started = time.perf_counter()
    response = client.get(path, params=params)
    wall = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code, response.text[:200])
    server = float(re.search(r"dur=([\d.]+)", response.headers["server-timing"]).group(1))
    return server, wall


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main(people: int, per_client: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        _, truth = generate_county(people, seed=7, out_dir=Path(tmp) / "county")
        store = LadybugStore(Path(tmp) / "county.db")
        load_bundle(store, Path(tmp) / "county")
        store.close()
        print(f"county of {people:,} people generated and loaded in {time.perf_counter() - started:.1f} s")
        store = LadybugStore(Path(tmp) / "county.db", read_only=True)
        row = store.query("MATCH (a:Person)-[:RELATED_TO]->(c:Person {role: 'child'}) "
                          "RETURN c.id, c.given_name, c.family_name, a.id ORDER BY c.id LIMIT 1").rows[0]
        child, given, family, adult = row
        workspace = Workspace.open(store, as_of=truth.as_of)
        if workspace.users.get("bench") is None:
            workspace.users.add("bench", "analyst", "MASH", PASSWORD)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        requests = {
            "search": ("/search", {"name": f"{given} {family}", "reason": "benchmark"}),
            "person page": (f"/person/{child}", {}),
            "expansion": (f"/api/network/{child}/expand", {"node": adult}),
        }
        try:
            warm = signed_in(base, child)
            for name, (path, params) in requests.items():  # first person page sweeps the county into the cache
                t = time.perf_counter()
                timed(warm, path, params)
                print(f"first {name}: {(time.perf_counter() - t) * 1000:.0f} ms (warm-up, not counted)")
            print(f"{'request':<14}{'clients':>8}{'n':>5}{'server median':>15}{'server p95':>12}{'round trip median':>19}")
            for clients in (1, 20):
                sessions = [signed_in(base, child) for _ in range(clients)]
                for name, (path, params) in requests.items():
                    with ThreadPoolExecutor(clients) as pool:
                        results = list(pool.map(lambda c: [timed(c, path, params) for _ in range(per_client)], sessions))
                    server_ms = [s for r in results for s, _ in r]
                    wall_ms = [w for r in results for _, w in r]
                    print(f"{name:<14}{clients:>8}{len(server_ms):>5}{statistics.median(server_ms):>13.0f} ms"
                          f"{p95(server_ms):>9.0f} ms{statistics.median(wall_ms):>16.0f} ms")
                for c in sessions:
                    c.close()
        finally:
            server.should_exit = True
            thread.join(10)
            store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
