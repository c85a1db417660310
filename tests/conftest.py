"""Shared fixtures: real stores (embedded always; Neo4j when GRAPHCASE_TEST_NEO4J_URI is set) and the sample bundle."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from graphcase import load_bundle
from graphcase.model import agency_kinds
from graphcase.stores.ladybug import LadybugStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample"
# The sample bundle is read as of this date in tests, so results do not move with the calendar.
AS_OF = dt.date(2026, 11, 1)
NEO4J_URI = os.environ.get("GRAPHCASE_TEST_NEO4J_URI")
# Person-level commands and API calls need a reason for the audit log; tests of that requirement unset it.
os.environ.setdefault("GRAPHCASE_REASON", "graphcase test suite")
ENGINES = ["ladybug", "neo4j"]


def pytest_report_header(config):
    if NEO4J_URI:
        return f"Neo4j store tests: against {NEO4J_URI}"
    return "Neo4j store tests: SKIPPED (set GRAPHCASE_TEST_NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD to run them)"


def _neo4j_store():
    if not NEO4J_URI:
        pytest.skip("Neo4j tests need GRAPHCASE_TEST_NEO4J_URI (and NEO4J_USERNAME / NEO4J_PASSWORD)")
    from graphcase.stores.neo4j import Neo4jStore

    store = Neo4jStore(NEO4J_URI)
    store.write("MATCH (n) DETACH DELETE n")
    return store


@pytest.fixture(params=ENGINES)
def empty_store(request, tmp_path):
    """An empty store of each engine (Neo4j: the test database is wiped first)."""
    store = LadybugStore(tmp_path / "test.db") if request.param == "ladybug" else _neo4j_store()
    store.ensure_schema()
    yield store
    store.close()


@pytest.fixture
def ladybug_store(tmp_path):
    store = LadybugStore(tmp_path / "test.db")
    store.ensure_schema()
    yield store
    store.close()


@pytest.fixture
def sample_store(empty_store):
    """The sample bundle loaded into each engine."""
    report = load_bundle(empty_store, SAMPLE, today=AS_OF)
    assert not report.rejects, [str(r) for r in report.rejects]
    return empty_store


@pytest.fixture(scope="session")
def sample_db_path(tmp_path_factory) -> Path:
    """A LadybugDB file with the sample bundle, loaded once per session (open it read-only)."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    store = LadybugStore(path)
    load_bundle(store, SAMPLE, today=AS_OF)
    store.close()
    return path


@pytest.fixture(scope="session")
def generated_county(tmp_path_factory):
    """(store, ground truth) of a generated county of 3,000 people (seed 11, every pattern planted, no SAME_AS
    links), loaded once per session for the county-wide catalogue tests. Do not change its data."""
    from graphcase.synthetic.county import generate_county

    tmp = tmp_path_factory.mktemp("county")
    _, truth = generate_county(3000, seed=11, out_dir=tmp / "county")
    store = LadybugStore(tmp / "county.db")
    store.ensure_schema()
    report = load_bundle(store, tmp / "county")
    assert not report.rejects
    yield store, truth
    store.close()


def skip_or_fail(reason: str):
    """Skip a test whose tool (browser, Node linter) is missing; in CI (GRAPHCASE_REQUIRE_TOOLS=1) fail instead."""
    if os.environ.get("GRAPHCASE_REQUIRE_TOOLS"):
        pytest.fail(f"required tool missing in CI: {reason}")
    pytest.skip(reason)


CHROMIUM = "/usr/bin/chromium"  # Debian's package; playwright drives it (never 'playwright install')
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"  # screenshots, for a person to look at


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through playwright; skipped (failed in CI) when either is missing."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"headless browser tests need Debian chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright import sync_api as playwright
    except ImportError:
        skip_or_fail("headless browser tests need the playwright package: pip install playwright (never 'playwright install')")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_offline(browser, path: Path, viewport=(1400, 900)):
    """Open a local HTML file with every other request aborted; returns (page, blocked_urls, console_errors)."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    blocked, errors = [], []

    def route(request_route):
        if request_route.request.url == path.as_uri():
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, blocked, errors


# One agency per kind, for bundles planted with ScenarioBuilder in tests.
SCENARIO_AGENCIES = {kind: f"{kind}-1" for kind in agency_kinds()}


def load_scenario(store, builder, tmp_path: Path) -> None:
    """Write a ScenarioBuilder's rows (plus one agency per kind) as a bundle and load it; no row may be rejected."""
    import pandas as pd

    from graphcase import write_bundle

    frames = builder.frames()
    frames["agencies"] = pd.DataFrame(
        [{"id": v, "name": v, "kind": k, "source_agency": v, "source_record": v} for k, v in SCENARIO_AGENCIES.items()]
    )
    write_bundle(frames, tmp_path / "bundle")
    report = load_bundle(store, tmp_path / "bundle", today=AS_OF)
    assert not report.rejects, [str(r) for r in report.rejects[:5]]
