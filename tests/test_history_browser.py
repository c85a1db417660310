"""The HTML chronology in headless Chromium: renders, one lane per agency, gaps highlighted, no network request."""

from __future__ import annotations


import pytest

from graphcase.history import build_history, render_history
from graphcase.stores.ladybug import LadybugStore

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
