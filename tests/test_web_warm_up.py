"""The workspace sweeps the county's findings at start, in the background, recorded as one audit entry by the
server itself; until it has finished, pages that need the findings say they are being prepared, not wait."""

from __future__ import annotations

import pytest

from graphcase import audit
from graphcase.catalogue.findings import run_catalogue
from graphcase.web.views import SERVER_USER, WARM_UP_REASON

from .conftest import AS_OF
from .web_fixtures import client_for, give_reason, make_workspace, sample_store, sign_in

PERSON = "gp:TWARD"  # a child with leads in the sample


@pytest.fixture
def workspace(tmp_path):
    ws = make_workspace(sample_store(tmp_path))  # a store of its own: the sweep cache and audit log beside it
    yield ws
    ws.close()


def _analyst(workspace):
    client = client_for(workspace)
    assert sign_in(client, "analyst").status_code == 303
    give_reason(client, PERSON)
    return client


def _entries(workspace) -> list[dict]:
    log, _ = audit.locate(workspace.store)
    return audit.read_log(log.path)


def test_the_warm_up_is_one_audit_entry_by_the_server_with_its_reason_and_count(workspace):
    before = len(_entries(workspace))
    workspace.start_warm_up().join(120)
    new = _entries(workspace)[before:]
    assert len(new) == 1, new
    entry = new[0]
    assert (entry["phase"], entry["command"], entry["user"], entry["reason"], entry["outcome"]) == (
        "view", "links", SERVER_USER, WARM_UP_REASON, "ok")
    assert entry["people"] == [] and entry["arguments"]["warm_up"] is True  # it looked at nobody in particular
    swept = run_catalogue(workspace.store, AS_OF)
    assert entry["rows"] == len(swept.findings) > 0
    log, _ = audit.locate(workspace.store)
    assert log.verify().ok
    # the person page then reads the swept cache: its leads, and no second sweep entry
    page = _analyst(workspace).get(f"/person/{PERSON}")
    assert page.status_code == 200 and 'class="lead"' in page.text and "being prepared" not in page.text
    assert [e for e in _entries(workspace) if e.get("user") == SERVER_USER] == [entry]


def test_pages_say_the_findings_are_being_prepared_until_the_warm_up_ends(workspace):
    client = _analyst(workspace)
    with workspace.build_lock:  # the warm-up waits here, as if the county's sweep were still running
        warming = workspace.start_warm_up()
        page = client.get(f"/person/{PERSON}")
        assert page.status_code == 200 and "The findings are being prepared" in page.text
        assert 'class="lead"' not in page.text and "No leads about" not in page.text  # not "none": not known yet
        assert "Household and relationships" in page.text  # the rest of the case view is there
        leads = client.get(f"/api/network/{PERSON}/leads")
        assert leads.status_code == 503 and "being prepared" in leads.json()["error"] and leads.headers["retry-after"]
        network = client.get(f"/person/{PERSON}/network")
        assert network.status_code == 200  # the map is drawn, without leads for now
        assert warming.is_alive()
    warming.join(120)
    assert not warming.is_alive()
    page = client.get(f"/person/{PERSON}")
    assert 'class="lead"' in page.text and "being prepared" not in page.text
    leads = client.get(f"/api/network/{PERSON}/leads")
    assert leads.status_code == 200 and leads.json()["leads"]


def test_the_network_page_draws_the_same_leads_as_the_person_map(workspace):
    """The page's leads come from the swept cache, not a county query per page: the same as the map's own."""
    from graphcase.maps.build import build_network
    from graphcase.maps.extract import Window, ego_graph
    from graphcase.model.restrictions import Viewer

    workspace.start_warm_up().join(120)
    client = _analyst(workspace)
    data = client.get(f"/api/network/{PERSON}").json()
    g = ego_graph(workspace.store, PERSON, hops=1, window=Window.as_of(AS_OF), viewer=Viewer("analyst", "analyst", "MASH"))
    _, expected = build_network(g)
    assert data["findings"] == expected["findings"] and data["findings"]
    drawn = sorted(e["id"] for e in data["edges"] if e.get("rel") == "finding")
    assert drawn == sorted(e["id"] for e in expected["edges"] if e.get("rel") == "finding") and drawn
