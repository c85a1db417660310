"""The scenario library (fixtures/scenarios): every expected finding, near-miss and knowledge gap, on every store.

Each scenario's expected.yaml was written from the case before graphcase ran on it. One test item per
expected finding, per near-miss, per expected or forbidden gap, and one per (scenario, as_of) for findings
(and gaps) nobody expected. An item the current queries get wrong is listed in ``KNOWN_MISSES`` with the
reason and runs as ``xfail(strict=True)``: it fails as soon as the query is fixed, and must then come off
the list. Never weaken an expectation to make it pass.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from graphcase import load_bundle
from graphcase.catalogue.findings import run_catalogue
from graphcase.history import build_history
from graphcase.stores.ladybug import LadybugStore

from .conftest import ENGINES, NEO4J_URI, ROOT, _neo4j_store

SCENARIOS = ROOT / "fixtures" / "scenarios"
TODAY = dt.date(2026, 11, 1)  # load-time "today" for the no-future-date checks

# item id -> why the current queries get it wrong. Each runs as xfail(strict=True).
KNOWN_MISSES: dict[str, str] = {}

# engine -> item id -> why that engine alone gets it wrong (applied at run time, also strict).
ENGINE_MISSES: dict[str, dict[str, str]] = {}


def _load_expected() -> dict[str, dict]:
    return {p.parent.name: yaml.safe_load(p.read_text()) for p in sorted(SCENARIOS.glob("*/expected.yaml"))}


EXPECTED = _load_expected()


def _items() -> list[tuple[str, str, int, str, dict | None]]:
    """(item id, scenario, check index, kind, item) for every test item."""
    out = []
    for name, spec in EXPECTED.items():
        for i, check in enumerate(spec["checks"]):
            at = f"{name}@{check['as_of']}"
            for kind in ("findings", "must_not"):
                for item in check.get(kind) or []:
                    out.append((f"{at}:{kind}:{item['id']}", name, i, kind, item))
            out.append((f"{at}:no_extra_findings", name, i, "no_extra_findings", None))
            gaps = check.get("gaps")
            if gaps:
                for kind in ("expected", "must_not"):
                    for item in gaps.get(kind) or []:
                        out.append((f"{at}:gaps_{kind}:{item['id']}", name, i, f"gaps_{kind}", item))
                for pid in gaps.get("absent_people") or []:
                    out.append((f"{at}:absent_person:{pid}", name, i, "absent_person", {"id": pid}))
                if gaps.get("complete"):
                    out.append((f"{at}:no_extra_gaps", name, i, "no_extra_gaps", None))
    return out


ITEMS = _items()


def _params():
    for item_id, name, i, kind, item in ITEMS:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[item_id])] if item_id in KNOWN_MISSES else []
        yield pytest.param(name, i, kind, item, id=item_id, marks=marks)


def test_known_misses_name_real_items():
    """A stale entry in KNOWN_MISSES (an item renamed or removed) would silently mark nothing."""
    ids = {i[0] for i in ITEMS}
    assert sorted(set(KNOWN_MISSES) - ids) == []
    assert sorted({k for misses in ENGINE_MISSES.values() for k in misses} - ids) == []


def test_every_scenario_has_a_readme_citing_a_review():
    for name in EXPECTED:
        readme = (SCENARIOS / name / "README.md").read_text()
        assert "**Follows:**" in readme and any(y in readme for y in ("(20", ", 20")), name


# ---- running a scenario: once per engine and scenario, every as_of and chronology at once ----

def _run_scenario(engine: str, name: str, tmp: Path) -> list[dict]:
    store = LadybugStore(tmp / f"{name}.db") if engine == "ladybug" else _neo4j_store()
    try:
        store.ensure_schema()
        report = load_bundle(store, SCENARIOS / name, today=TODAY)
        assert not report.rejects, [str(r) for r in report.rejects]
        results = []
        for check in EXPECTED[name]["checks"]:
            as_of = check["as_of"]
            found = run_catalogue(store, as_of).findings
            history = None
            if check.get("gaps"):
                history = build_history(store, check["gaps"]["child"], hops=check["gaps"].get("hops", 1),
                                        date_to=as_of, as_of=as_of)
            results.append({"findings": found, "history": history})
        return results
    finally:
        store.close()


@pytest.fixture(scope="module")
def scenario_results(tmp_path_factory):
    cache: dict[tuple[str, str], list[dict]] = {}

    def get(engine: str, name: str) -> list[dict]:
        if (engine, name) not in cache:
            cache[(engine, name)] = _run_scenario(engine, name, tmp_path_factory.mktemp(f"{engine}-{name}"))
        return cache[(engine, name)]

    return get


@pytest.fixture(params=ENGINES)
def engine(request):
    if request.param == "neo4j" and not NEO4J_URI:
        pytest.skip("Neo4j tests need GRAPHCASE_TEST_NEO4J_URI (and NEO4J_USERNAME / NEO4J_PASSWORD)")
    return request.param


# ---- matching ----

def _finding_matches(item: dict, f) -> bool:
    if f.pattern != item["pattern"]:
        return False
    if "child" in item and item["child"] not in f.children:
        return False
    if "other" in item and item["other"] not in f.others:
        return False
    if "event" in item and f.key.get("event_id") != item["event"]:
        return False
    if "address" in item and f.key.get("address_id") != item["address"]:
        return False
    if "children" in item and sorted(f.children) != sorted(item["children"]):
        return False
    if "records" in item and sorted([f.key.get("record_a"), f.key.get("record_b")]) != sorted(item["records"]):
        return False
    return True


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _fact_held(evidence: list[dict], column: str, value) -> bool:
    value = _plain(value)
    for row in evidence:
        got = row.get(column)
        if got == value or (isinstance(got, list) and value in got):
            return True
    return False


def _describe(f) -> str:
    return f"{f.pattern} children={f.children} others={f.others} key={f.key}"


def _gap_matches(item: dict, g) -> bool:
    return (g.kind == item["kind"] and g.agency_id == item["agency"]
            and ("person" not in item or g.person_id == item["person"])
            and ("event" not in item or g.event_id == item["event"]))


def _describe_gap(g) -> str:
    return f"{g.kind} agency={g.agency_id} person={g.person_id} event={g.event_id} {g.date_from}..{g.date_to}"


@pytest.mark.parametrize("name, index, kind, item", list(_params()))
def test_scenario(request, engine, scenario_results, name, index, kind, item):
    item_id = next(i[0] for i in ITEMS if i[1:] == (name, index, kind, item))
    if item_id in ENGINE_MISSES.get(engine, {}):
        request.applymarker(pytest.mark.xfail(strict=True, reason=ENGINE_MISSES[engine][item_id]))
    check = EXPECTED[name]["checks"][index]
    result = scenario_results(engine, name)[index]
    findings = result["findings"]
    if kind == "findings":
        matching = [f for f in findings if _finding_matches(item, f)]
        same_pattern = [_describe(f) for f in findings if f.pattern == item["pattern"]]
        assert matching, f"not reported: {item['why']!s}\n{item['pattern']} findings: {same_pattern}"
        missing = {k: v for k, v in (item.get("facts") or {}).items()
                   if not any(_fact_held(f.evidence, k, v) for f in matching)}
        assert not missing, f"reported without the facts {missing}; evidence: {[f.evidence for f in matching]}"
    elif kind == "must_not":
        wrong = [_describe(f) for f in findings if _finding_matches(item, f)]
        assert not wrong, f"near-miss reported: {item['why']!s}\n{wrong}"
    elif kind == "no_extra_findings":
        expected = check.get("findings") or []
        extra = [_describe(f) for f in findings if not any(_finding_matches(e, f) for e in expected)]
        assert not extra, "findings nobody expected:\n" + "\n".join(extra)
    else:
        history = result["history"]
        gaps = history.gaps
        spec = check["gaps"]
        if kind == "gaps_expected":
            matching = [g for g in gaps if _gap_matches(item, g)]
            assert matching, f"gap not found: {item['why']!s}\ngaps: {[_describe_gap(g) for g in gaps]}"
            if "from_not_before" in item:
                early = [_describe_gap(g) for g in matching if g.date_from < item["from_not_before"]]
                assert not early, f"gap starts before {item['from_not_before']}: {early}"
        elif kind == "gaps_must_not":
            wrong = [_describe_gap(g) for g in gaps if _gap_matches(item, g)]
            assert not wrong, f"gap a reviewer would strike: {item['why']!s}\n{wrong}"
        elif kind == "absent_person":
            assert item["id"] not in history.chronology.people, f"{item['id']} is in the chronology's people"
        elif kind == "no_extra_gaps":
            extra = [_describe_gap(g) for g in gaps if not any(_gap_matches(e, g) for e in spec.get("expected") or [])]
            assert not extra, "gaps nobody expected:\n" + "\n".join(extra)
        else:  # pragma: no cover
            raise AssertionError(kind)


def _cited_dates(value, key=""):
    """(field, ISO date) for every date a finding's evidence cites, however deep."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _cited_dates(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _cited_dates(v, key)
    elif isinstance(value, (dt.date, str)):
        text = value.isoformat() if isinstance(value, dt.date) else value
        if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
            yield key, text[:10]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_finding_cites_a_fact_recorded_after_its_as_of(engine, scenario_results, name):
    """A finding as of D rests on what was recorded by D: no event, record, residence or sharing after D (a date
    of birth may be later: an unborn baby's expected date)."""
    later = []
    for check, result in zip(EXPECTED[name]["checks"], scenario_results(engine, name)):
        as_of = check["as_of"].isoformat()
        later += [(as_of, f.pattern, field, date) for f in result["findings"] for row in f.evidence
                  for field, date in _cited_dates(row) if date > as_of and "dob" not in field]
    assert not later, later
