"""Twenty clients at once get the same pages as one client at a time: the workspace serves a read-only store
from a pool of connections (no lock around the store), and the audit log stays one unbroken chain."""

from __future__ import annotations

import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from graphcase import audit, load_bundle
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic.county import generate_county
from graphcase.web import create_app

from .web_fixtures import PASSWORD, csrf_of, make_workspace

CLIENTS = 20


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A generated county of 1,500 people served by uvicorn on 127.0.0.1, and some of its children with an
    adult they are related to."""
    folder = tmp_path_factory.mktemp("concurrent")
    _, truth = generate_county(1500, seed=3, out_dir=folder / "county")
    writer = LadybugStore(folder / "county.db")
    load_bundle(writer, folder / "county")
    writer.close()
    store = LadybugStore(folder / "county.db", read_only=True)
    pairs = store.query("MATCH (a:Person)-[:RELATED_TO]->(c:Person {role: 'child'}) "
                        "RETURN c.id, c.given_name, c.family_name, a.id ORDER BY c.id LIMIT 6").rows
    workspace = make_workspace(store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workspace.allowed_hosts = ("127.0.0.1",)
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", workspace, pairs
    server.should_exit = True
    thread.join(10)
    workspace.close()


def _signed_in(base: str, people: list[str]) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=120)
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf": token}).status_code == 303
    token = csrf_of(client.get("/").text)
    for person in people:
        client.post("/reason", data={"person": person, "reason": "MASH 2026-0412", "next": "/", "csrf": token})
    return client


def _requests(pairs) -> list[tuple[str, dict]]:
    out = []
    for child, given, family, adult in pairs:
        out += [("/search", {"name": f"{given} {family}", "reason": "MASH 2026-0412"}),
                (f"/person/{child}", {}),
                (f"/api/network/{child}/expand", {"node": adult})]
    return out


def _answer(client: httpx.Client, path: str, params: dict) -> str:
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return re.sub(r'name="csrf" value="[^"]+"', "", response.text)  # each session has its own token


def test_twenty_clients_at_once_get_what_one_gets_alone(served):
    base, workspace, pairs = served
    people = [p[0] for p in pairs]
    requests = _requests(pairs)
    alone = _signed_in(base, people)
    expected = [_answer(alone, path, params) for path, params in requests]
    assert all(child in page for (child, *_), page in zip(pairs, expected[1::3]))  # each person page is theirs
    assert all('"nodes"' in e for e in expected[2::3])
    log, _ = audit.locate(workspace.store)

    clients = [_signed_in(base, people) for _ in range(CLIENTS)]
    entries_signed_in = len(audit.read_log(log.path))

    def run(i: int) -> list[str]:  # each client starts at a different request, so all kinds overlap
        order = requests[i % len(requests):] + requests[:i % len(requests)]
        got = {path + str(sorted(params.items())): _answer(clients[i], path, params) for path, params in order}
        return [got[path + str(sorted(params.items()))] for path, params in requests]

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(run, range(CLIENTS)))
    for got in answers:
        for (path, params), one, alone_answer in zip(requests, got, expected):
            assert one == alone_answer, _first_difference(path, params, alone_answer, one)
    # every look wrote its one entry, chained one after another
    entries = audit.read_log(log.path)
    assert len(entries) - entries_signed_in == CLIENTS * len(requests)
    assert {e["phase"] for e in entries[entries_signed_in:]} == {"view"}
    assert log.verify().ok
    for c in clients + [alone]:
        c.close()


def _first_difference(path: str, params: dict, alone: str, together: str) -> str:
    """Which request answered differently under load, and the first lines that differ (so a failure on a busy
    machine can be told apart: row order, a cache filled half-way, or a connection shared by two threads)."""
    import difflib
    import json

    def lines(answer: str) -> list[str]:  # a JSON answer is one line: spread it out, keeping its order
        return json.dumps(json.loads(answer), indent=1).splitlines() if answer.startswith("{") else answer.splitlines()

    diff = difflib.unified_diff(lines(alone), lines(together), "alone", "with 20 clients", n=1, lineterm="")
    return f"{path} {params} differs:\n" + "\n".join(list(diff)[:40])
