"""The workspace's security rules against the real app, store, audit log and users file (Starlette TestClient)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner
from starlette.routing import Mount, Route

from graphcase import audit
from graphcase.cli import main
from graphcase.web import create_app
from graphcase.web.access import ACCESS, PUBLIC
from graphcase.web.app import CSP
from graphcase.web.users import UserError, UserFile

from .web_fixtures import PASSWORD, TestClient, Clock, client_for, csrf_of, give_reason, make_workspace, sample_store, sign_in

PERSON = "gp:TWARD"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = sample_store(tmp_path_factory.mktemp("web"))
    yield s
    s.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def workspace(store, clock):
    return make_workspace(store, clock=clock)


def signed_in(workspace, role):
    client = client_for(workspace)
    assert sign_in(client, role).status_code == 303
    return client


def web_entries(store) -> list[dict]:
    log, _ = audit.locate(store)
    return [e for e in audit.read_log(log.path) if e.get("via") == "web"]


# Every page and endpoint, with a request that would show data to a role allowed to see it.
PERSON_REQUESTS = [
    ("GET", f"/person/{PERSON}", {}),
    ("GET", f"/person/{PERSON}/network", {}),
    ("GET", f"/api/network/{PERSON}", {}),
    ("GET", f"/api/network/{PERSON}/expand", {"node": "gp:KWARD"}),
    ("GET", f"/api/network/{PERSON}/leads", {}),
    ("GET", f"/person/{PERSON}/chronology", {}),
    ("GET", f"/person/{PERSON}/chronology/export", {"format": "csv", "pseudonymised": "1"}),
    ("GET", "/search", {"name": "Jon Smyth", "reason": "MASH 1"}),
    ("GET", "/review", {"reason": "MASH 1"}),
]


def test_a_route_without_a_rule_is_refused_to_everyone(workspace):
    from starlette.responses import PlainTextResponse

    from graphcase.web.app import guard

    app = create_app(workspace)
    app.router.routes.insert(0, Route("/unruled", guard("unruled", lambda request: PlainTextResponse("secret")), name="unruled"))
    client = TestClient(app, follow_redirects=False)
    assert sign_in(client, "admin").status_code == 303
    assert client.get("/unruled").status_code == 403


def test_the_app_routes_are_the_ruled_ones(workspace):
    app = create_app(workspace)
    assert {"person", "network_data", "network_expand", "partnership", "audit_log"} <= {r.name for r in app.routes}
    for route in app.routes:
        assert route.name in ACCESS, f"{getattr(route, 'path', route)} has no access rule"
        if isinstance(route, Route):
            assert ACCESS[route.name] is not PUBLIC or route.name in ("login", "login_submit"), route.name


def test_no_page_without_sign_in(workspace):
    client = client_for(workspace)
    app = create_app(workspace)
    for route in app.routes:
        if isinstance(route, Mount) or route.name in ("login", "login_submit"):
            continue
        path = route.path.replace("{pid}", PERSON).replace("{item:int}", "1")
        for method in route.methods - {"HEAD"}:
            response = client.request(method, path, data={"csrf": "x"} if method == "POST" else None)
            assert response.status_code in (303, 401, 403), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login")
    assert client.get(f"/api/network/{PERSON}").status_code == 401


def test_security_headers_on_every_response(workspace):
    client = signed_in(workspace, "analyst")
    for path in ("/", "/login", "/static/network.js", "/vis/vis-network.min.js", "/no-such-page"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CSP, path
        assert "'unsafe-inline'" not in CSP and "http" not in CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    cookie = client_for(workspace).get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie  # plain http on loopback


def test_cookies_are_secure_behind_tls(store, clock):
    workspace = make_workspace(store, clock=clock)
    workspace.https = True
    response = client_for(workspace).get("/login")
    assert "secure" in response.headers["set-cookie"].lower()
    assert "max-age" in response.headers["strict-transport-security"]


def test_csrf_token_required_on_every_form(workspace):
    client = client_for(workspace)
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"username": "analyst", "password": PASSWORD}).status_code == 403
    assert client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf": token + "x"}).status_code == 403
    assert client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf": token}).status_code == 303
    assert client.post("/reason", data={"person": PERSON, "reason": "x", "next": "/"}).status_code == 403
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_lock_out_after_five_failures_and_it_lifts(workspace, clock):
    client = client_for(workspace)
    for _ in range(5):
        assert sign_in(client, "analyst", "wrong password!!").status_code == 401
    locked = sign_in(client, "analyst")  # the right password, but locked
    assert locked.status_code == 429 and "Too many failed" in locked.text
    clock.now += 15 * 60 + 1
    assert sign_in(client, "analyst").status_code == 303


def test_idle_time_out(workspace, clock):
    client = signed_in(workspace, "analyst")
    clock.now += 14 * 60
    assert client.get("/").status_code == 200  # activity keeps it alive
    clock.now += 14 * 60
    assert client.get("/").status_code == 200
    clock.now += 15 * 60 + 1
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login?expired=1"
    assert client.get("/").headers["location"] == "/login"  # and the old session is gone for good


def test_sign_out_ends_the_session_server_side(workspace):
    client = signed_in(workspace, "analyst")
    cookies = dict(client.cookies)
    assert client.post("/logout", data={"csrf": csrf_of(client.get("/").text)}).status_code == 303
    replay = client_for(workspace)
    replay.cookies.update(cookies)
    assert replay.get("/").status_code == 303


def test_lead_is_refused_every_person_level_route(workspace):
    client = signed_in(workspace, "lead")
    token = csrf_of(client.get("/").text)
    assert client.post("/reason", data={"person": PERSON, "reason": "x", "next": "/", "csrf": token}).status_code == 403
    for method, path, params in PERSON_REQUESTS:
        response = client.request(method, path, params=params)
        assert response.status_code == 403, (path, response.status_code)
        assert "Tyler" not in response.text and "Smith" not in response.text
    assert client.get("/partnership").status_code == 200


def test_reviewer_exports_pseudonymised_only(workspace):
    client = signed_in(workspace, "reviewer")
    give_reason(client, PERSON)
    assert client.get(f"/person/{PERSON}/chronology/export", params={"format": "csv"}).status_code == 403
    export = client.get(f"/person/{PERSON}/chronology/export", params={"format": "markdown", "pseudonymised": "1"})
    assert export.status_code == 200 and "Tyler" not in export.text and "Child A" in export.text
    assert client.get(f"/person/{PERSON}").status_code == 403
    assert client.get(f"/person/{PERSON}/chronology").status_code == 200


def test_a_person_asks_for_a_reason_once_per_session(workspace, store):
    client = signed_in(workspace, "analyst")
    first = client.get(f"/person/{PERSON}")
    assert first.status_code == 303 and first.headers["location"].startswith("/reason?")
    assert client.get(f"/api/network/{PERSON}").status_code == 403
    assert give_reason(client, PERSON, "Referral 77").headers["location"] == "/"
    assert client.get(f"/person/{PERSON}").status_code == 200
    assert web_entries(store)[-1]["reason"] == "Referral 77"
    other = signed_in(workspace, "analyst")  # a new session asks again
    assert other.get(f"/person/{PERSON}").status_code == 303


def test_the_reason_form_redirects_only_within_the_site(workspace):
    client = signed_in(workspace, "analyst")
    token = csrf_of(client.get("/").text)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/reason", data={"person": PERSON, "reason": "x", "next": target, "csrf": token})
        assert response.headers["location"] == "/"


def test_each_view_writes_exactly_one_audit_entry_with_the_signed_in_user(workspace, store):
    client = signed_in(workspace, "analyst")
    give_reason(client, PERSON, "Referral 88")
    for method, path, params in PERSON_REQUESTS:
        before = len(web_entries(store))
        response = client.request(method, path, params=params)
        assert response.status_code == 200, (path, response.text[:300])
        new = web_entries(store)[before:]
        assert [e["phase"] for e in new] == ["view"], path  # one fsynced entry per look, written before the response
        end = new[-1]
        assert end["at"] <= end["ended"], (path, end)
        assert end["user"] == "analyst" and end["outcome"] == "ok" and end["rows"] is not None, (path, end)
        assert end["os_account"] and end["claimed_user"] is None
        if path.startswith("/person") or path.startswith("/api"):
            assert end["reason"] == "Referral 88" and end["arguments"]["person"] == PERSON, (path, end)
            assert PERSON in end["people"] or "chronology" in path, (path, end)
        else:
            assert end["reason"] == "MASH 1", (path, end)
    search = [e for e in web_entries(store) if e["command"] == "find" and e["phase"] == "view"][-1]
    assert {"police:JSMITH", "gp:JSMYTH"} <= set(search["people"])
    assert client.get("/").status_code == 200 and len(web_entries(store)) == before + 1  # the home page shows nobody


def test_audit_verify_passes_after_a_session_and_catches_an_edit(workspace, store):
    client = signed_in(workspace, "analyst")
    give_reason(client, PERSON)
    client.get(f"/person/{PERSON}")
    db = str(store.location)
    ok = CliRunner().invoke(main, ["--db", db, "audit", "verify"])
    assert ok.exit_code == 0, ok.output
    log, _ = audit.locate(store)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    edited = json.loads(lines[-1])
    edited["user"] = "someone-else"
    original = log.path.read_text(encoding="utf-8")
    try:
        log.path.write_text("\n".join(lines[:-1] + [json.dumps(edited)]) + "\n", encoding="utf-8")
        bad = CliRunner().invoke(main, ["--db", db, "audit", "verify"])
        assert bad.exit_code != 0
    finally:
        log.path.write_text(original, encoding="utf-8")
    admin = signed_in(workspace, "admin")
    page = admin.get("/admin/audit", params={"user": "analyst"})
    assert page.status_code == 200 and "Chain intact" in page.text and "MASH 2026-0412" in page.text


def test_users_file_is_private_and_holds_argon2_hashes_only(workspace):
    path = workspace.users.path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    with pytest.raises(UserError, match="at least 12"):
        workspace.users.add("newbie", "analyst", "MASH", "short")
    with pytest.raises(UserError, match="role"):
        workspace.users.set_role("analyst", "superuser")


def test_users_cli_reads_the_password_from_stdin_never_argv(tmp_path, store):
    db = str(store.location)
    runner = CliRunner()
    add = runner.invoke(main, ["--db", db, "users", "add", "cli-user", "--role", "reviewer", "--agency", "CSC", "--password-stdin"],
                        input="a long enough password\n")
    assert add.exit_code == 0, add.output
    users = UserFile(f"{os.path.realpath(db)}.users.json")
    assert users.authenticate("cli-user", "a long enough password").role == "reviewer"
    assert runner.invoke(main, ["--db", db, "users", "assign", "cli-user", PERSON]).exit_code == 0
    assert users.get("cli-user").cases == (PERSON,)
    assert f"cases: {PERSON}" in runner.invoke(main, ["--db", db, "users", "list"]).output
    assert runner.invoke(main, ["--db", db, "users", "set-role", "cli-user", "analyst"]).exit_code == 0
    assert users.get("cli-user").role == "analyst"
    assert runner.invoke(main, ["--db", db, "users", "reset", "cli-user", "--password-stdin"], input="another long password\n").exit_code == 0
    assert users.authenticate("cli-user", "a long enough password") is None
    assert runner.invoke(main, ["--db", db, "users", "remove", "cli-user"]).exit_code == 0
    assert users.get("cli-user") is None
    bad = runner.invoke(main, ["--db", db, "users", "add", "x", "--role", "analyst", "--agency", "A", "--password-stdin"], input="short\n")
    assert bad.exit_code == 1 and "at least 12" in bad.output and "Traceback" not in bad.output


def test_admin_exports_the_audit_filtered_by_person_as_formula_safe_csv(workspace, store):
    analyst = signed_in(workspace, "analyst")
    give_reason(analyst, PERSON, "=HYPERLINK(\"http://x\")")  # a hostile reason must not become a formula
    analyst.get(f"/person/{PERSON}")
    admin = signed_in(workspace, "admin")
    export = admin.get("/admin/audit.csv", params={"person": PERSON})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows and all(PERSON in r["people"] for r in rows)
    assert any(r["reason"] == "'=HYPERLINK(\"http://x\")" for r in rows)
    assert signed_in(workspace, "analyst").get("/admin/audit.csv").status_code == 403


def test_review_decision_needs_csrf_and_a_reason_and_is_recorded(workspace, store):
    import pandas as pd

    from graphcase.linkage.records import fetch_person_records
    from graphcase.linkage.review import ReviewQueue, review_path_for

    raw = fetch_person_records(store, workspace.as_of)
    queue = ReviewQueue.open(review_path_for(store))
    band = pd.DataFrame([{"a": "police:JSMITH", "b": "gp:JSMYTH", "key": "police:JSMITH|gp:JSMYTH", "match_probability": 0.4,
                          "match_weight": -0.6, "explanation": "dob: transposed day and month"}])
    queue.refresh_pending(band, raw)
    queue.save()
    item = queue.pending()[0]["id"]
    client = signed_in(workspace, "analyst")
    listing = client.get("/review", params={"reason": "linkage review"})
    assert listing.status_code == 200 and "police:JSMITH" in listing.text and "gp:JSMYTH" in listing.text
    token = csrf_of(listing.text)
    assert client.post(f"/review/{item}", data={"decision": "accepted", "reason": "same NHS number"}).status_code == 403
    assert client.post(f"/review/{item}", data={"decision": "accepted", "reason": "", "csrf": token}).status_code == 400
    before = len(web_entries(store))
    done = client.post(f"/review/{item}", data={"decision": "accepted", "reason": "same NHS number", "csrf": token})
    assert done.status_code == 303
    decided = ReviewQueue.open(review_path_for(store)).get(item)
    assert decided["status"] == "accepted" and decided["decided_by"] == "analyst" and decided["reason"] == "same NHS number"
    end = web_entries(store)[-1]
    assert len(web_entries(store)) == before + 1 and end["command"] == "review" and set(end["people"]) == {"police:JSMITH", "gp:JSMYTH"}


def test_idle_sessions_are_forgotten(workspace, clock):
    for _ in range(30):
        client_for(workspace).get("/login")  # cookie-less visitors each get an anonymous session
    assert len(workspace.sessions) >= 30
    clock.now += 15 * 60 + 1
    client_for(workspace).get("/login")
    assert len(workspace.sessions) == 1


def test_a_foreign_host_name_is_refused(workspace):
    """DNS rebinding: a page at evil.example whose name now points at 127.0.0.1 must not reach the app."""
    client = client_for(workspace)
    response = client.get("/login", headers={"host": "evil.example:8765"})
    assert response.status_code == 400 and "csrf" not in response.text
    assert client.get("/login").status_code == 200


def test_reviewer_opens_only_assigned_cases(workspace):
    client = signed_in(workspace, "reviewer")
    home = client.get("/")
    assert f'href="/person/{PERSON.replace(":", "%3A")}/chronology"' in home.text
    other = "gp:KWARD"
    assert client.get("/reason", params={"person": other, "next": "/"}).status_code == 403
    token = csrf_of(home.text)
    assert client.post("/reason", data={"person": other, "reason": "curious", "next": "/", "csrf": token}).status_code == 403
    for path in (f"/person/{other}/chronology", f"/person/{other}/chronology/export?format=markdown&pseudonymised=1"):
        response = client.get(path)
        assert response.status_code == 403 and "Kerry" not in response.text, path
    assert client.get("/search", params={"name": "Kerry Ward", "reason": "x"}).status_code == 403
    give_reason(client, PERSON)
    assert client.get(f"/person/{PERSON}/chronology").status_code == 200


def test_only_reviewers_take_assignments(workspace):
    with pytest.raises(UserError, match="only reviewers"):
        workspace.users.assign("analyst", PERSON)
    with pytest.raises(UserError, match="not assigned"):
        workspace.users.assign("reviewer", "gp:NOBODY", remove=True)


def _people_of(store) -> tuple[set[str], set[str]]:
    """Every person id and every given or family name (3 letters or more) in the store."""
    rows = store.query_read_only("MATCH (p:Person) RETURN p.id, p.given_name, p.family_name").rows
    return {r[0] for r in rows}, {n for r in rows for n in r[1:] if n and len(n) >= 3}


def test_partnership_page_has_figures_per_month_and_no_person(workspace, store):
    import datetime as dt
    import re
    from collections import Counter

    from graphcase.catalogue import run_query
    from graphcase.maps import Window, partnership_graph
    from graphcase.maps.build import build_network

    start, end = dt.date(2020, 1, 1), dt.date(2026, 11, 1)
    page = signed_in(workspace, "lead").get("/partnership", params={"from": start.isoformat(), "to": end.isoformat()})
    assert page.status_code == 200
    months = dict(re.findall(r'<tr><td>(\d{4}-\d{2})</td><td class="num"><svg[^>]*>.*?</svg> (\d+)</td>', page.text))
    assert len(months) == 7 * 12 - 1 and min(months) == "2020-01" and max(months) == "2026-11"  # every month, empty ones too
    window = {"from_date": start, "to_date": end}
    referrals = run_query(store, "partnership_referrals", window).records()
    by_month = Counter(str(r["referral_date"])[:7] for r in referrals)
    assert referrals and {m: int(n) for m, n in months.items() if n != "0"} == dict(by_month)
    total = re.search(r'<b id="fig-referrals">(\d+)</b>', page.text).group(1)
    assert int(total) == len(referrals)
    fed = sum(r["feedback_date"] is not None for r in referrals)
    assert re.search(r'<b id="fig-feedback">(\d+)%</b>', page.text).group(1) == str(round(100 * fed / len(referrals)))
    ids, names = _people_of(store)
    assert ids and names
    map_data = json.dumps(build_network(partnership_graph(store, window=Window.between(start, end)))[1], default=str)
    for text in (page.text, map_data):  # the page and the partnership map's data (the same figures)
        assert not [i for i in ids if i in text], "a person id on the partnership page"
        words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", text))
        assert not names & words, f"person names on the partnership page: {names & words}"
