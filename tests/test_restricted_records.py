"""Restricted records (issue 13, item 3) against real stores, the real web app, the real CLI and Chromium.

The bundle (tests/restricted_bundle.py) seals a sexual-health agency's record and appointment about Kerry
Ward and her adult mental health record (which a lead about her baby rests on). Every sealed field carries
MARKER: no output seen by someone without permission may contain it, and each must name the agency to ask.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import uvicorn
from click.testing import CliRunner
from starlette.routing import Mount

from graphcase import load_bundle
from graphcase.catalogue.findings import run_catalogue
from graphcase.cli import main
from graphcase.history import build_history, render_history
from graphcase.maps import Window, ego_graph
from graphcase.model.restrictions import Viewer, may_see
from graphcase.stores import dialects
from graphcase.stores.ladybug import LadybugStore, _run
from graphcase.web import create_app

from .conftest import AS_OF, SAMPLE, _neo4j_store
from .restricted_bundle import AMH_NAME, HOLDER_NAME, MARKER, restricted_bundle
from .test_web_browser import Visit, free_port
from .web_fixtures import PASSWORD, client_for, give_reason, make_workspace, sample_store, sign_in

KERRY, TYLER, BABY = "gp:KWARD", "gp:TWARD", "gp:RWARD"
ANALYST = Viewer("analyst", "analyst", "MASH")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return restricted_bundle(tmp_path_factory.mktemp("restricted"))


@pytest.fixture(scope="module")
def db_path(bundle):
    path = bundle.parent / "restricted.db"
    store = LadybugStore(path)
    report = load_bundle(store, bundle, today=AS_OF)
    assert not report.rejects, [str(r) for r in report.rejects]
    store.close()
    return path


@pytest.fixture(scope="module")
def store(db_path):
    s = LadybugStore(db_path, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def workspace(store):
    w = make_workspace(store)
    w.users.add("sh-nurse", "analyst", "sh", PASSWORD)  # works for the agency holding the record
    for pid in (KERRY, BABY):
        w.users.assign("reviewer", pid)
    return w


def _hidden_from(text: str) -> None:
    assert MARKER not in text, "restricted content leaked"


# -- the rule ------------------------------------------------------------------------------------------------
def test_the_rule():
    assert may_see(ANALYST, "sh", None, None)  # not restricted
    assert not may_see(ANALYST, "sh", "sexual_health", None)
    assert may_see(None, "sh", "sexual_health", None)  # the store's owner
    assert may_see(Viewer("n", "analyst", "sh"), "sh", "sexual_health", None)  # the holding agency
    assert may_see(Viewer("r", "reviewer", "MASH"), "sh", "sexual_health", "reviewer; csc")
    assert may_see(Viewer("c", "analyst", "csc"), "sh", "sexual_health", "reviewer; csc")
    assert not may_see(Viewer("x", None, None), "sh", "sexual_health", "reviewer")


# -- the bundle: validated, loaded, reloaded -----------------------------------------------------------------
def _edit_csv(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_bad_visible_to_and_restriction_values_are_rejected_with_file_row_and_field(tmp_path):
    bundle = restricted_bundle(tmp_path, visible_to_event="reviewer;no-such-agency")
    _edit_csv(bundle / "agency_records.csv", ",court_order,", ",sealed,")  # not a known reason
    _edit_csv(bundle / "agency_records.csv", "GP-10232,2019-05-30,,,,", "GP-10232,2019-05-30,,,,csc")  # visible_to alone
    with LadybugStore(tmp_path / "bad.db") as store:
        report = load_bundle(store, bundle, today=AS_OF, allow_rejects=False)
        assert not report.applied or store.is_empty()
    found = {(r.file, r.field): r for r in report.rejects}
    bad_agency = found[("events.csv", "visible_to")]
    assert bad_agency.row == 12 and "'no-such-agency'" in bad_agency.reason and "neither a role" in bad_agency.reason
    assert "not one of" in found[("agency_records.csv", "restricted")].reason
    alone = found[("agency_records.csv", "visible_to")]
    assert alone.row == 3 and "not restricted" in alone.reason


def test_roles_and_agencies_of_the_store_are_accepted_in_visible_to(tmp_path):
    with LadybugStore(tmp_path / "ok.db") as store:
        load_bundle(store, SAMPLE, today=AS_OF)
        bundle = restricted_bundle(tmp_path, visible_to_event="reviewer; csc ;police")
        (bundle / "agencies.csv").write_text("id,name,kind,source_agency,source_record\nsh,Sexual Health,other,sh,ORG-SH\n")
        report = load_bundle(store, bundle, today=AS_OF)  # csc and police are known from the store only
        assert not report.rejects, [str(r) for r in report.rejects]


def _old_store(path):
    """A store as graphcase made it before restricted records: no restricted / visible_to columns."""
    store = LadybugStore(path)
    with store._building() as conn:
        for statement in dialects.ladybug_ddl():
            _run(conn, statement.replace(", restricted STRING, visible_to STRING", ""))
    assert "restricted" not in {r[0] for r in store._execute("CALL TABLE_INFO('Event') RETURN name").get_all()}
    return store


def test_an_old_store_gains_the_columns_and_reloads_change_nothing(tmp_path, bundle):
    store = _old_store(tmp_path / "old.db")
    try:
        load_bundle(store, SAMPLE, today=AS_OF)
        again = load_bundle(store, SAMPLE, today=AS_OF)  # an old bundle: no restriction columns
        assert sum(c["new"] + c["updated"] for c in again.written.values()) == 0
        assert store.query("MATCH (e:Event) WHERE e.restricted IS NOT NULL RETURN count(e)").rows == [[0]]
        load_bundle(store, bundle, today=AS_OF)
        rows = store.query("MATCH (e:Event) WHERE e.restricted IS NOT NULL RETURN e.id, e.restricted, e.visible_to").rows
        assert rows == [[f"E-{MARKER}", "sexual_health", "reviewer"]]
        twice = load_bundle(store, bundle, today=AS_OF)
        assert sum(c["new"] + c["updated"] for c in twice.written.values()) == 0
    finally:
        store.close()


def test_neo4j_store_withholds_the_same(bundle):
    store = _neo4j_store()
    try:
        store.ensure_schema()
        assert not load_bundle(store, bundle, today=AS_OF).rejects
        history = build_history(store, TYLER, hops=1, as_of=AS_OF, viewer=ANALYST)
        text = render_history(history, "json")
        _hidden_from(text)
        assert HOLDER_NAME in text and AMH_NAME in text
        assert MARKER in render_history(build_history(store, TYLER, hops=1, as_of=AS_OF), "json")
        leads = json.dumps(run_catalogue(store, AS_OF, person=BABY, viewer=ANALYST).as_dict())
        _hidden_from(leads)
        assert f"held by {AMH_NAME}" in leads
        g = ego_graph(store, KERRY, hops=1, window=Window.as_of(AS_OF), viewer=ANALYST)
        _hidden_from(json.dumps([list(g.nodes(data=True)), list(g.edges(keys=True, data=True))], default=str))
        twice = load_bundle(store, bundle, today=AS_OF)
        assert sum(c["new"] + c["updated"] for c in twice.written.values()) == 0
    finally:
        store.close()


# -- the Python API: chronology, leads, maps -----------------------------------------------------------------
def test_chronology_withholds_and_names_the_agency_in_every_format(store):
    owner = build_history(store, TYLER, hops=1, as_of=AS_OF)
    analyst = build_history(store, TYLER, hops=1, as_of=AS_OF, viewer=ANALYST)
    for fmt in ("table", "markdown", "csv", "json", "html"):
        assert MARKER in render_history(owner, fmt)
        text = render_history(analyst, fmt)
        _hidden_from(text)
        assert f"held by {HOLDER_NAME}" in text and f"held by {AMH_NAME}" in text, fmt
    # Gone as if never recorded: nothing is worked out from it either (the appointment's date is not an entry).
    assert dt.date(2025, 5, 5) not in {e.date for e in analyst.chronology.entries}
    assert "AMH" not in {r.agency.id.upper() for r in analyst.chronology.records}


def test_reviewer_sees_the_event_visible_to_reviewers_but_not_the_sealed_records(store):
    doc = render_history(build_history(store, TYLER, hops=1, as_of=AS_OF, viewer=Viewer("r", "reviewer", "MASH")), "json")
    assert f"clinic {MARKER}" in doc  # the appointment names reviewers in visible_to
    assert f"SH-{MARKER}-1" not in doc and f"AMH-{MARKER}-0912" not in doc


def test_a_lead_resting_on_a_restricted_record_shows_the_placeholder(store):
    owner = run_catalogue(store, AS_OF, person=BABY)
    assert MARKER in json.dumps(owner.as_dict())
    run = run_catalogue(store, AS_OF, person=BABY, viewer=ANALYST)
    text = json.dumps(run.as_dict())
    _hidden_from(text)
    lead = next(f for f in run.findings if f.pattern == "under_fives_parent_risk")
    assert f"held by {AMH_NAME}" in lead.explanation and lead.children == [BABY]  # the lead stays, its fact withheld
    assert all(ev.get("restricted") for ev in lead.evidence)


def test_run_cypher_from_python_applies_the_viewer_rule(db_path, tmp_path):
    """graphcase.run_cypher(viewer=...) refuses as `graphcase cypher --user` does (exit 3's exception); the
    owner (no viewer) and a viewer allowed every restricted record run it; the refusal is audited."""
    import graphcase
    from graphcase import audit
    from graphcase.catalogue import RestrictedCypherRefused

    query = "MATCH (e:Event) RETURN e.summary AS summary"  # no id column: the audit lists no restricted event id
    with LadybugStore(db_path, read_only=True) as store:
        with pytest.raises(RestrictedCypherRefused, match="may not see 3 restricted record") as refused:
            graphcase.run_cypher(store, query, reason="MASH 1", viewer=ANALYST)
        assert isinstance(refused.value, graphcase.ReadOnlyViolation)  # the CLI's exit code 3
        log, _ = audit.locate(store)
        end = audit.read_log(log.path)[-1]
        assert (end["command"], end["outcome"], end["rows"]) == ("cypher", "refused", None) and "restricted" in end["message"]
        with pytest.raises(RestrictedCypherRefused):
            graphcase.run_cypher(store, query, reason="MASH 1", viewer=Viewer("r", "reviewer", "MASH"))  # sees one, not all
        assert MARKER in json.dumps(graphcase.run_cypher(store, query, reason="MASH 1").rows)  # the owner sees all
    sample = sample_store(tmp_path)  # no restricted records: any viewer sees everything, so it runs
    try:
        assert graphcase.run_cypher(sample, query, reason="MASH 1", viewer=ANALYST).rows
    finally:
        sample.close()


def test_maps_draw_a_bare_placeholder(store):
    g = ego_graph(store, KERRY, hops=1, window=Window.as_of(AS_OF), viewer=ANALYST)
    _hidden_from(json.dumps([list(g.nodes(data=True)), list(g.edges(keys=True, data=True)), g.graph], default=str))
    placeholders = [d for _, d in g.nodes(data=True) if d.get("restricted")]
    assert placeholders and all(HOLDER_NAME in d["props"]["restricted"] for d in placeholders)
    assert MARKER in json.dumps(list(ego_graph(store, KERRY, hops=1, window=Window.as_of(AS_OF)).nodes))


# -- the web workspace: every route ------------------------------------------------------------------------
PEOPLE = (KERRY, TYLER, BABY)


def _requests_for(route) -> list[tuple[str, str, dict]]:
    """Requests that would show the most data through ``route``, for each person of the sealed records."""
    path, name = route.path, route.name
    per_person = {
        "person": [{}], "network": [{}], "network_data": [{}], "network_leads": [{}], "chronology": [{}],
        "network_expand": [{"node": KERRY}, {"node": TYLER}],
        "chronology_export": [{"format": f, "pseudonymised": p} for f in ("markdown", "csv", "html") for p in ("0", "1")],
    }
    if name in per_person:
        return [("GET", path.replace("{pid}", pid), params) for pid in PEOPLE for params in per_person[name]]
    return {
        "search": [("GET", path, {"name": "Kerry Ward", "reason": "MASH 1"}), ("GET", path, {"record_id": "GP-10231", "reason": "MASH 1"}),
                   ("GET", path, {"postcode": "NS1 4AB", "reason": "MASH 1"})],
        "review_queue": [("GET", path, {"reason": "MASH 1"})],
        "partnership": [("GET", path, {})],
        "audit_log": [("GET", path, {})],
        "audit_export": [("GET", path, {})],
        "home": [("GET", path, {})],
        "reason": [("GET", path, {"person": KERRY})],
        "login": [("GET", path, {})],
    }.get(name, [])


# Routes that take a form and show no record: the rule for them is the CSRF and sign-in tests'.
FORM_ONLY = {"login_submit", "logout", "reason_submit", "review_decide"}


def _signed_in(workspace, name):
    client = client_for(workspace)
    assert sign_in(client, name).status_code == 303
    if name not in ("admin", "lead"):  # they open no person: the reason form is refused to them
        for pid in PEOPLE:
            give_reason(client, pid)
    return client


def test_every_route_withholds_restricted_records_from_a_role_without_permission(workspace):
    app = create_app(workspace)
    routes = [r for r in app.routes if not isinstance(r, Mount)]
    unvisited = {r.name for r in routes if not _requests_for(r)} - FORM_ONLY
    assert not unvisited, f"routes with no restricted-records check: {unvisited}"  # a new route must be added here
    for role in ("analyst", "reviewer", "admin", "lead"):
        client = _signed_in(workspace, role)
        shown = []
        for route in routes:
            for method, path, params in _requests_for(route):
                response = client.request(method, path, params=params)
                assert response.status_code in (200, 303, 403, 404), (role, path, params, response.status_code)
                text = response.text
                # A reviewer may see the appointment (visible_to: reviewer), never the two sealed records.
                for hidden in ([f"SH-{MARKER}-1", f"AMH-{MARKER}"] if role == "reviewer" else [MARKER]):
                    assert hidden not in text, (role, path, params)
                shown.append(text)
        if role == "analyst":  # who may open people without permission for the records reads whom to ask
            everything = "\n".join(shown)
            assert f"held by {HOLDER_NAME}" in everything and f"held by {AMH_NAME}" in everything, role


def test_the_network_pages_leads_withhold_restricted_evidence_and_name_whom_to_ask(workspace):
    data = _signed_in(workspace, "analyst").get(f"/api/network/{BABY}/leads").json()
    _hidden_from(json.dumps(data))
    on_map = {n["id"] for n in data["nodes"]}
    assert all(set(lead["nodes"]) <= on_map for lead in data["leads"])  # every evidence node can be drawn
    sealed = next(lead for lead in data["leads"] if lead["pattern"] == "under_fives_parent_risk" and lead["withheld"])
    assert all(f"held by {AMH_NAME}" in notice for notice in sealed["withheld"])
    assert sealed["steps"] == [] and BABY in sealed["nodes"]  # its people stay; its sealed path does not


def test_the_holding_agency_and_the_named_role_see_the_record(workspace):
    nurse = _signed_in(workspace, "sh-nurse")
    assert f"clinic {MARKER}" in nurse.get(f"/person/{TYLER}/chronology").text
    assert f"SH-{MARKER}-1" in nurse.get(f"/person/{KERRY}").text
    assert MARKER in nurse.get(f"/api/network/{KERRY}").text
    reviewer = _signed_in(workspace, "reviewer")
    page = reviewer.get(f"/person/{KERRY}/chronology").text
    assert f"clinic {MARKER}" in page and f"AMH-{MARKER}" not in page and f"held by {AMH_NAME}" in page


# -- the CLI: every command ------------------------------------------------------------------------------
def _cli_invocations(db, out) -> dict[str, list[list[str]]]:
    day = AS_OF.isoformat()
    return {
        "history": [["history", pid, "--as-of", day, "--format", f] for pid in PEOPLE for f in ("table", "json", "csv", "markdown", "html")]
        + [["history", KERRY, "--as-of", day, "--pseudonymise", "--scrub-free-text", "--format", "json"]],
        "links": [["links", "--as-of", day, "--format", f] for f in ("table", "json", "csv")]
        + [["links", "--as-of", day, "--person", BABY, "--format", "json"]],
        "explain": [["explain", "{lead}"]],
        "map": [["map", KERRY, "--as-of", day, "-o", str(out / "ego.html")], ["map", "--findings", "--as-of", day, "-o", str(out / "f.html")],
                ["map", "--partnership", "--as-of", day, "-o", str(out / "p.html")]],
        "run": [["run", q, "-p", f"person_id={KERRY}", "--format", "json"] for q in ("history_events", "history_records")]
        + [["run", "map_events", "-p", f"ids=E-{MARKER}", "--format", "csv"]],
        "cypher": [["cypher", "MATCH (e:Event) RETURN e.summary"]],
        "find": [["find", "Kerry Ward", "--format", "json"]],
        "stats": [["stats"]],
        "queries": [["queries"]],
        "review": [["review", "--all"]],
    }


# Commands that write (load, link-records, init) or show no records of a store (demo, fixtures, audit, serve, users).
CLI_NOT_SHOWING_RECORDS = {"init", "load", "link-records", "demo", "fixtures", "audit", "serve", "users"}


def test_every_cli_command_withholds_restricted_records_from_a_named_user(db_path, workspace, tmp_path):
    import shutil

    db = tmp_path / "cli.db"
    shutil.copy(db_path, db)
    for suffix in (".users.json",):
        shutil.copy(str(db_path) + suffix, str(db) + suffix)
    runner = CliRunner()
    invocations = _cli_invocations(db, tmp_path)
    assert set(main.commands) - CLI_NOT_SHOWING_RECORDS == set(invocations), "a new command needs a restricted-records check"
    owner = runner.invoke(main, ["--db", str(db), "links", "--as-of", AS_OF.isoformat(), "--format", "json"])
    lead = next(lead["id"] for lead in json.loads(owner.output)["leads"] if "under_fives_parent_risk" in lead["patterns"])
    assert MARKER in owner.output
    for user in (["--user", "analyst"], ["--user", "someone-without-an-account"], ["--user", "temp", "--role", "lead"]):
        seen = []
        for command, calls in invocations.items():
            for args in calls:
                args = [a.replace("{lead}", lead) for a in args]
                result = runner.invoke(main, ["--db", str(db), *user, "--reason", "test", *args])
                text = result.output + "".join(p.read_text() for p in tmp_path.glob("*.html"))
                assert MARKER not in text, (user, args)
                if command == "cypher":
                    assert result.exit_code == 3 and "refused" in result.output
                else:
                    assert result.exit_code == 0, (user, args, result.output)
                seen.append(text)
                for p in tmp_path.glob("*.html"):
                    p.unlink()
        everything = "\n".join(seen)
        assert f"held by {HOLDER_NAME}" in everything and f"held by {AMH_NAME}" in everything
    nurse = runner.invoke(main, ["--db", str(db), "--user", "sh-nurse", "history", KERRY, "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert f"clinic {MARKER}" in nurse.output and f"AMH-{MARKER}" not in nurse.output
    mismatch = runner.invoke(main, ["--db", str(db), "--user", "analyst", "--role", "admin", "history", KERRY])
    assert mismatch.exit_code != 0 and "analyst is a analyst" in mismatch.output.replace("an analyst", "a analyst")


# -- the browser ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(workspace):
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.mark.browser
def test_in_chromium_an_analyst_sees_only_whom_to_ask(browser, server):
    v = Visit(browser, server, "analyst")
    v.go(f"/person/{KERRY}")
    v.give_reason()
    assert f"held by {HOLDER_NAME}" in v.page.inner_text("#restricted")
    _hidden_from(v.page.content())
    v.go(f"/person/{KERRY}/chronology")
    assert f"held by {AMH_NAME}" in v.page.inner_text("#restricted")
    _hidden_from(v.page.content())
    v.go(f"/person/{KERRY}/network")
    v.wait("!!window.graphcase && !!window.network")
    _hidden_from(v.page.content())
    labels = v.js("JSON.stringify(network.body.data.nodes.get()) + JSON.stringify(network.body.data.edges.get())")
    _hidden_from(labels)
    assert HOLDER_NAME in labels  # the placeholder node names the agency to ask
    v.wait("graphcase.leads !== null")
    for index in range(v.js("graphcase.leads.length")):  # a chosen lead's path adds nothing sealed to the map
        v.js("i => graphcaseChooseLead(i)", index)
        _hidden_from(v.js("JSON.stringify(network.body.data.nodes.get()) + JSON.stringify(network.body.data.edges.get())"))
    _hidden_from(v.page.content())
    v.close()
    nurse = Visit(browser, server, "sh-nurse")
    nurse.go(f"/person/{KERRY}/chronology")
    nurse.give_reason()
    assert f"clinic {MARKER}" in nurse.page.content()
    nurse.close()
