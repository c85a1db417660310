"""The HTML chronology in headless Chromium: renders, one lane per agency, gaps highlighted, no network request."""

from __future__ import annotations

import datetime as dt

import pytest

from graphcase.history import build_history, render_history
from graphcase.stores.ladybug import LadybugStore

from .accessibility import axe_violations
from .conftest import ARTIFACTS, AS_OF, open_offline

pytestmark = pytest.mark.browser


def test_html_chronology_renders_offline_with_lanes_and_gaps(browser, sample_db_path, tmp_path):
    store = LadybugStore(sample_db_path, read_only=True)
    history = build_history(store, "gp:TWARD", hops=1, date_to=AS_OF)
    store.close()
    page_path = tmp_path / "tyler.html"
    page_path.write_text(render_history(history, "html"), encoding="utf-8")

    page, network, errors = open_offline(browser, page_path, viewport=(1400, 1000))
    try:
        page.wait_for_load_state("load")

        lanes = page.eval_on_selector_all(".lane", "els => els.map(e => e.dataset.agency)")
        assert lanes == history.matrix.agencies
        assert set(lanes) >= {"gp-riverside", "school-oak", "police", "csc", "amh", "probation"}
        assert len(lanes) == len(set(lanes))
        # Every event sits in the lane of the agency that recorded it.
        for entry in history.chronology.entries:
            lane = page.get_attribute(f'.lane .mark.recorded[data-event="{entry.event_id}"] >> xpath=ancestor::div[@class="lane"]', "data-agency")
            assert lane == entry.recorded_by.id
        gap_marks = page.locator(".timeline .mark.gap")
        assert gap_marks.count() == sum(1 for g in history.gaps if g.kind == "not_told")
        assert page.locator(".timeline .period.gap").count() >= 1
        colour = page.eval_on_selector(".timeline .mark.gap", "e => getComputedStyle(e).borderTopColor")
        assert colour == "rgb(221, 0, 0)"
        box = gap_marks.first.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
        # Hover shows the details of the gap.
        gap_marks.first.hover()
        tip = page.locator("#tip")
        assert tip.is_visible() and tip.inner_text().startswith("GAP:")
        rows = page.eval_on_selector_all("#chronology tr.gap", "els => els.map(e => e.dataset.event)")
        assert rows == ["E-W2", "E-W3", "E-W5", "E-W7"]
        assert page.locator("#matrix td.gap").count() >= 1
        page.mouse.move(0, 0)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "history-tyler.png"), full_page=True)
    finally:
        page.close()
    assert network == []
    assert errors == []


def _marks_uncovered(page) -> list[str]:
    """The marks whose centre is covered by something else (another mark, a bar): none may be."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.timeline .mark')).filter(m => !m.hidden).filter(m => {
               const r = m.getBoundingClientRect(); m.scrollIntoView({block: 'center'});
               const r2 = m.getBoundingClientRect();
               const hit = document.elementFromPoint(r2.left + r2.width / 2, r2.top + r2.height / 2);
               return hit !== m; }).map(m => m.dataset.event + ' ' + m.className)"""
    )


@pytest.fixture(scope="module")
def tyler_page(browser, sample_db_path, tmp_path_factory):
    store = LadybugStore(sample_db_path, read_only=True)
    history = build_history(store, "gp:TWARD", hops=2, date_to=AS_OF)
    store.close()
    path = tmp_path_factory.mktemp("history") / "tyler2.html"
    path.write_text(render_history(history, "html"), encoding="utf-8")
    return history, path


def test_chronology_marks_never_hide_each_other_and_carry_their_dates(browser, tyler_page):
    history, path = tyler_page
    page, network, errors = open_offline(browser, path, viewport=(1400, 1000))
    try:
        marks = page.locator(".timeline .mark")
        assert marks.count() >= 15
        assert _marks_uncovered(page) == []
        # Each mark is a button labelled with its date; focus shows the tooltip as hover does.
        labels = page.eval_on_selector_all(".timeline .mark", "els => els.map(e => e.getAttribute('aria-label'))")
        assert all(len(x) > 11 and x[:4].isdigit() and x[4] == "-" and x[10] == ":" for x in labels)
        page.locator(".timeline .mark.recorded").first.focus()
        assert page.locator("#tip").is_visible()
        assert page.inner_text("#tip")[:10] == labels[page.eval_on_selector_all(".timeline .mark", "els => els.findIndex(e => e.classList.contains('recorded'))")][:10]
        # Dates never wrap: each date cell is one line high.
        heights = page.eval_on_selector_all("#chronology td.date", "els => els.map(e => [e.scrollWidth <= e.clientWidth + 1, e.innerText.includes('\\n')])")
        assert heights and all(fits and not wrapped for fits, wrapped in heights)
        # Outcomes in plain English.
        outcomes = page.eval_on_selector_all("#chronology tr td:nth-child(5)", "els => els.map(e => e.innerText)")
        assert "no further action" in outcomes and not any(o in ("nfa", "not_attended", "no_action") for o in outcomes)
        # Zoom to a period: marks outside are hidden, those inside spread over the track.
        inside = [e for e in history.chronology.entries if dt.date(2026, 1, 1) <= e.date <= dt.date(2026, 10, 31)]
        assert page.evaluate("() => graphcaseZoom('2026-01-01', '2026-10-31')")
        shown = page.eval_on_selector_all(".timeline .mark.recorded", "els => els.filter(e => !e.hidden).map(e => e.dataset.event)")
        assert sorted(shown) == sorted(e.event_id for e in inside) and shown
        assert _marks_uncovered(page) == []
        page.click("#zoom-reset")
        assert page.locator(".timeline .mark.recorded:not([hidden])").count() == len(history.chronology.entries)
        # Filter by agency and by event kind.
        page.uncheck('input[data-filter-agency="police"]')
        assert page.locator('.lane[data-agency="police"]').is_hidden()
        assert page.locator('#chronology tr[data-agency="police"]').first.is_hidden()
        page.check('input[data-filter-agency="police"]')
        kind = history.chronology.entries[0].kind
        page.uncheck(f'input[data-filter-kind="{kind}"]')
        assert page.locator(f'.timeline .mark[data-kind="{kind}"]:not([hidden])').count() == 0
        assert page.locator(f'#chronology tr[data-kind="{kind}"]:not([hidden])').count() == 0
        page.check(f'input[data-filter-kind="{kind}"]')
        page.mouse.move(0, 0)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "history-tyler-stacked.png"), full_page=False)
        assert axe_violations(page) == []
        # Print: A4 landscape, every mark kept with its colour.
        page.emulate_media(media="print")
        printed = page.eval_on_selector_all(".timeline .mark, .timeline .risk-span, .timeline .working-span",
                                            "els => els.filter(e => e.getBoundingClientRect().width > 0 && getComputedStyle(e).printColorAdjust === 'exact').length")
        assert printed == page.locator(".timeline .mark, .timeline .risk-span, .timeline .working-span").count()
        assert page.eval_on_selector(".controls", "e => getComputedStyle(e).display") == "none"
        pdf = page.pdf(prefer_css_page_size=True, print_background=False)
        assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
        (ARTIFACTS / "history-tyler.pdf").write_bytes(pdf)
    finally:
        page.close()
    assert network == [] and errors == []
