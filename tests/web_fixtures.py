"""Shared by the workspace tests: a sample store of its own (its audit log, users and secret beside it),
an account of each role, and a signed-in TestClient."""

from __future__ import annotations

import re
import warnings

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is what it runs on today
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from graphcase import load_bundle
from graphcase.stores.ladybug import LadybugStore
from graphcase.web import Workspace, create_app

from .conftest import AS_OF, SAMPLE

PASSWORD = "correct horse battery"
ROLES = ("analyst", "reviewer", "lead", "admin")


def sample_store(folder):
    path = folder / "web.db"
    store = LadybugStore(path)
    load_bundle(store, SAMPLE, today=AS_OF)
    store.close()
    return LadybugStore(path, read_only=True)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make_workspace(store, clock=None, idle_minutes=15, *, as_of=AS_OF, case="gp:TWARD") -> Workspace:
    """A workspace over ``store`` with an account of each role; ``case`` is the reviewer's one case."""
    workspace = Workspace.open(store, as_of=as_of, idle_minutes=idle_minutes, clock=clock,
                               allowed_hosts=("127.0.0.1", "testserver"))
    for role in ROLES:
        if workspace.users.get(role) is None:
            workspace.users.add(role, role, "MASH" if role != "lead" else "Safeguarding partnership", PASSWORD)
    if case not in workspace.users.get("reviewer").cases:
        workspace.users.assign("reviewer", case)
    return workspace


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def client_for(workspace) -> TestClient:
    return TestClient(create_app(workspace), follow_redirects=False)


def sign_in(client: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf": token})


def give_reason(client: TestClient, person: str, reason: str = "MASH 2026-0412"):
    token = csrf_of(client.get("/reason", params={"person": person, "next": "/"}).text)
    return client.post("/reason", data={"person": person, "reason": reason, "next": "/", "csrf": token})
