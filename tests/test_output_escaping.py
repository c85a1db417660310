"""No output can be injected: hostile values in a person's name, an event summary and an agency name go
through every command and format, and each output shows them as text.

CSV: a cell that begins with a formula trigger starts with ``'`` (OWASP). Markdown: rendered, it has no tag,
link or emphasis from the data, and shows every value literally. Terminal: no crash, markup shown as
typed. HTML (chronology and the three maps) in headless Chromium: the literal text is on the page, no
script runs, and the maps settle into a non-empty picture (issue 14 item 1: no input can blank a page).
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
import re
import unicodedata

import pandas as pd
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from graphcase.cli import main
from graphcase.ingest.bundle import write_bundle
from graphcase.model import tables
from graphcase.output import csvsafe, html as html_out, markdown, plaintext, terminal

from .conftest import ARTIFACTS, AS_OF, SAMPLE, open_offline

HOSTILE = [
    '=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "[/b]", "[link=http://evil]x[/link]",
    "<script>alert(1)</script>", "<!--<script", "</script>", "]]>", "javascript:alert(1)", "**bold**",
    "[x](http://evil)", "<img src=x onerror=alert(1)>", "line\u2028break", "\u202egnp.exe",
]
DAY = AS_OF.isoformat()


# -- the escaping modules on their own ------------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE)
def test_csv_cells_never_start_with_a_formula_trigger(value):
    cell = csvsafe.safe_cell(value)
    assert cell == ("'" + value if value.startswith(csvsafe.TRIGGERS) else value)
    out = io.StringIO()
    csvsafe.SafeWriter(out).writerow([value, -2, 3.5, None])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [cell, "-2", "3.5", ""]


def test_the_shown_controls_are_exactly_unicode_controls_formats_and_separators():
    expected = {chr(c) for c in range(0x110000) if c not in (9, 10) and unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")}
    shown = {chr(c) for c in range(0x110000) if plaintext._SHOWN.fullmatch(chr(c))}
    assert shown == expected


class _Tags(html.parser.HTMLParser):
    """Tags, comments and text of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.comments, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.text.append(data)


def rendered_markdown(text: str) -> _Tags:
    parsed = _Tags()
    parsed.feed(MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text))
    return parsed


def compact(text: str) -> str:
    """Text with every space, line break and box-drawing character removed (tables fold and pad)."""
    return re.sub(r"[\s\u2500-\u257f]+", "", text)


def markdown_shows(value: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", plaintext.show_controls(value))


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_escapes_every_value_into_plain_text(value):
    parsed = rendered_markdown(f"| a |\n|---|\n| {markdown.escape(value)} |\n\n- **kind**: {markdown.escape(value)}\n")
    assert {t for t, _ in parsed.tags} <= {"table", "thead", "tbody", "tr", "th", "td", "ul", "li", "strong"}
    assert not parsed.comments
    assert compact("".join(parsed.text)).count(compact(markdown_shows(value))) == 2


@pytest.mark.parametrize("value", HOSTILE)
def test_terminal_text_is_printed_literally(value):
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, file=io.StringIO(), width=200, color_system=None)
    table = Table(title=terminal.text(value))
    table.add_column(terminal.text(value))
    table.add_row(terminal.text(value))
    console.print(table)
    console.print(terminal.escape(value))
    shown = plaintext.show_controls(value)
    assert compact(console.export_text()).count(compact(shown)) == 4


@pytest.mark.parametrize("value", HOSTILE)
def test_json_in_script_cannot_end_or_reopen_the_script(value):
    embedded = html_out.json_for_script({"v": value, "k": [value]})
    assert not set(embedded) & set("<>&\u2028\u2029")
    assert json.loads(embedded) == {"v": value, "k": [value]}


# -- every command and format on a bundle full of hostile values --------------------------------------
def hostile_bundle(folder):
    frames = {name: pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False) for name in tables() if (SAMPLE / f"{name}.csv").exists()}  # the sample has no csc_households.csv
    n = len(HOSTILE)
    people, events, agencies = frames["people"], frames["events"], frames["agencies"]
    people["given_name"] = [HOSTILE[i % n] for i in range(len(people))]
    events["summary"] = [HOSTILE[(j + 4) % n] for j in range(len(events))]  # E-W6, about his mother: <!--<script
    agencies["name"] = [HOSTILE[(k + 11) % n] for k in range(len(agencies))]
    for frame in frames.values():  # a JSON bundle: its empty cells are missing values, as in the CSV sample
        frame.replace("", None, inplace=True)
    write_bundle(frames, folder, fmt="json")  # JSON keeps "\r=1" (a CSV bundle refuses line breaks in a cell)
    return folder


def cli(*args) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db = str(folder / "hostile.db")
    cli("--db", db, "load", str(hostile_bundle(folder / "bundle")), "--quiet")
    return db


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def hostile_in(doc) -> set[str]:
    """The stored hostile values found in a JSON output (what every other format of it must show)."""
    texts = strings_in(doc)
    found = {v for v in HOSTILE if any(v in t for t in texts)}
    assert found, "the output holds none of the hostile values: the test would prove nothing"
    return found


def assert_csv_safe(text: str, expected: set[str]) -> None:
    """No cell begins with a formula trigger (numbers aside), every expected value is there, and at least one
    cell was neutralised (so a trigger really reached the start of a cell)."""
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    for cell in cells:
        if cell.startswith(csvsafe.TRIGGERS):
            assert re.fullmatch(r"-?\d+(\.\d+)?", cell), f"formula trigger at the start of a cell: {cell!r}"
    for value in expected:
        assert any(value in c for c in cells), f"{value!r} missing from the CSV"
    if any(v.startswith(csvsafe.TRIGGERS) for v in expected):
        assert any(c.startswith("'") and c[1:].startswith(csvsafe.TRIGGERS) for c in cells)


def assert_markdown_safe(text: str, expected: set[str]) -> None:
    parsed = rendered_markdown(text)
    assert {t for t, _ in parsed.tags} <= {"h1", "h2", "p", "em", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "strong"}
    assert not parsed.comments
    shown = compact("".join(parsed.text))
    for value in expected:
        assert compact(markdown_shows(value)) in shown, f"{value!r} not shown literally"


def assert_terminal_literal(text: str, expected: set[str]) -> None:
    """Markup in the data is printed, not obeyed (short tokens: a table may fold a long value over lines)."""
    for value, token in (("[/b]", "[/b]"), ("[link=http://evil]x[/link]", "[link=http")):
        if value in expected:
            assert token in text, f"{value!r} was read as markup"
    assert "\x1b" not in text and "\u202e" not in text


def test_run_and_cypher_in_every_format(hostile_db):
    for query, params in (("history_people", ["-p", "person_id=gp:TWARD"]), ("history_events", ["-p", "person_id=gp:TWARD"])):
        expected = hostile_in(json.loads(cli("--db", hostile_db, "run", query, *params, "--format", "json")))
        assert_csv_safe(cli("--db", hostile_db, "run", query, *params, "--format", "csv"), expected)
        assert_terminal_literal(cli("--db", hostile_db, "run", query, *params, "--format", "table"), expected)
    everything = ("MATCH (p:Person) RETURN p.given_name AS v UNION ALL MATCH (e:Event) RETURN e.summary AS v "
                  "UNION ALL MATCH (a:Agency) RETURN a.name AS v")
    expected = hostile_in(json.loads(cli("--db", hostile_db, "cypher", everything, "--format", "json")))
    assert len(expected) >= len(HOSTILE) - 2  # a loader may trim the leading tab or carriage return
    assert_csv_safe(cli("--db", hostile_db, "cypher", everything, "--format", "csv"), expected)
    table = cli("--db", hostile_db, "cypher", everything, "--format", "table")
    for value in expected:  # one wide column: every value on its own line, exactly as stored
        assert compact(plaintext.show_controls(value)) in compact(table), value


@pytest.fixture(scope="module")
def hostile_history(hostile_db, tmp_path_factory):
    """The chronology in every format, and the hostile values its rows carry (summaries, recording agencies,
    people concerned) and its people table adds."""
    out = tmp_path_factory.mktemp("history")
    args = ["--db", hostile_db, "history", "gp:TWARD", "--as-of", DAY, "--network-hops", "2"]
    texts = {fmt: cli(*args, "--format", fmt) for fmt in ("table", "markdown", "csv", "json")}
    cli(*args, "--format", "html", "-o", str(out / "chronology.html"))
    doc = json.loads(texts["json"])
    agencies = {a["id"]: a["name"] for a in doc["agencies"]}
    names = {p["id"]: p["name"] for p in doc["people"]}
    rows = [e["summary"] for e in doc["chronology"]] + [agencies[e["recorded_by"]] for e in doc["chronology"]]
    rows += [names[c["person_id"]] for e in doc["chronology"] for c in e["people"] if c["person_id"] in names]
    lanes = [agencies.get(a, a) for a in doc["matrix"]["agencies"]]
    return texts, out / "chronology.html", hostile_in(rows), hostile_in(rows + list(names.values()) + lanes)


def test_history_in_every_text_format(hostile_history):
    texts, _, in_rows, in_document = hostile_history
    assert {"<!--<script", "[/b]", "**bold**", "+1"} <= in_document
    assert_csv_safe(texts["csv"], in_rows)
    assert_markdown_safe(texts["markdown"], in_document)
    assert_terminal_literal(texts["table"], in_rows)


def test_links_explain_and_review(hostile_db, tmp_path):
    doc = json.loads(cli("--db", hostile_db, "links", "--as-of", DAY, "--format", "json"))
    expected = hostile_in([f["explanation"] for f in doc["findings"]])
    assert_csv_safe(cli("--db", hostile_db, "links", "--as-of", DAY, "--format", "csv"), expected)
    assert_terminal_literal(cli("--db", hostile_db, "links", "--as-of", DAY), expected)
    for finding in doc["findings"]:
        shown = cli("--db", hostile_db, "explain", finding["id"])
        assert "\u202e" not in shown and "\u2028" not in shown and "\r" not in shown  # shown as <U+...>

    from graphcase.linkage.review import ReviewQueue

    records = pd.DataFrame([{"id": f"gp:{i}", "given_name": v, "family_name": v, "source_agency": v} for i, v in enumerate(HOSTILE)])
    band = pd.DataFrame([{"a": "gp:0", "b": f"gp:{i}", "key": f"gp:0|gp:{i}", "match_probability": 0.7, "match_weight": 1.0,
                          "explanation": f"name: {v}"} for i, v in enumerate(HOSTILE) if i])
    queue = ReviewQueue.open(f"{hostile_db}.linkage-review.json")
    queue.refresh_pending(band, records)
    queue.save()
    table = cli("--db", hostile_db, "review")
    assert_terminal_literal(table, set(HOSTILE))
    assert "\u202e" not in table and "\x1b" not in table
    assert hostile_in(json.loads(cli("--db", hostile_db, "review", "--format", "json"))) == set(HOSTILE)


def test_the_reject_report_neutralises_rejected_values(tmp_path):
    frames = {name: pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False) for name in tables() if (SAMPLE / f"{name}.csv").exists()}  # the sample has no csc_households.csv
    frames["people"].loc[0, "dob"] = '=HYPERLINK("http://x")'
    frames["people"].loc[1, "dob"] = "@SUM(A1)"
    write_bundle(frames, tmp_path / "bundle")
    db = tmp_path / "r.db"
    result = CliRunner().invoke(main, ["--db", str(db), "load", str(tmp_path / "bundle"), "--quiet"])
    assert result.exit_code == 2, result.output
    (report,) = tmp_path.glob("r.db.rejects-*.csv")  # beside the store, not the working folder
    text = report.read_text(encoding="utf-8")
    assert_csv_safe(text, {'=HYPERLINK("http://x")', "@SUM(A1)"})
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text


# -- HTML in headless Chromium -------------------------------------------------------------------------
pytest_browser = pytest.mark.browser


def open_page(browser, path):
    page, requests, errors = open_offline(browser, path)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, requests, errors, dialogs


@pytest_browser
def test_history_html_shows_the_literal_text_and_runs_nothing(browser, hostile_history):
    _, path, _, expected = hostile_history
    page, requests, errors, dialogs = open_page(browser, path)
    try:
        page.wait_for_timeout(300)
        assert requests == [] and errors == [] and dialogs == []
        assert page.locator("img, a[href], script:not(:last-of-type)").count() == 0
        text = compact(page.inner_text("body"))
        for value in expected:
            assert compact(value) in text, f"{value!r} not shown as text"
        assert page.locator("#chronology tr").count() > 5
    finally:
        page.close()


@pytest.fixture(scope="module")
def hostile_maps(hostile_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    cli("--db", hostile_db, "map", "gp:TWARD", "--as-of", DAY, "-o", str(out / "ego.html"))
    cli("--db", hostile_db, "map", "--findings", "--as-of", DAY, "-o", str(out / "findings.html"))
    cli("--db", hostile_db, "map", "--partnership", "--as-of", DAY, "-o", str(out / "partnership.html"))
    return out


def wait_settled(page, timeout_ms: int = 30_000) -> None:
    for _ in range(timeout_ms // 50):
        if page.evaluate("!!(window.graphcase && window.graphcase.stable === true)"):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the map never settled (blank page): " + page.inner_text("#status"))


def drawn_pixels(page) -> int:
    """Canvas pixels that are not white: a settled map draws something."""
    return page.evaluate("""(() => { const c = document.querySelector('#network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
        return n; })()""")


def assert_map_settles_with_literal_text(browser, path, must_show: set[str], name: str) -> None:
    page, requests, errors, dialogs = open_page(browser, path)
    try:
        wait_settled(page)
        assert requests == [] and errors == [] and dialogs == []
        assert page.evaluate("network.body.data.nodes.length") > 0
        assert drawn_pixels(page) > 2_000
        data = json.dumps(page.evaluate("[network.body.data.nodes.get(), network.body.data.edges.get()]"), ensure_ascii=False)
        for value in must_show:
            assert json.dumps(value, ensure_ascii=False)[1:-1] in data, f"{value!r} lost on the way into the page"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"map-hostile-{name}.png"))
    finally:
        page.close()


@pytest_browser
@pytest.mark.parametrize("name", ["ego", "findings", "partnership"])
def test_maps_with_hostile_text_settle_and_show_it(browser, hostile_maps, name):
    must_show = {"ego": {"<!--<script", "</script>", "[/b]"}, "findings": {"<!--<script"}, "partnership": {"]]>", "**bold**"}}[name]
    assert_map_settles_with_literal_text(browser, hostile_maps / f"{name}.html", must_show, name)


@pytest_browser
def test_an_ego_map_with_a_same_as_link_is_not_blank(browser, tmp_path):
    """Issue 14's reproduction: SAME_AS came back from both of its people as two edges with one id."""
    db = str(tmp_path / "g.db")
    cli("--db", db, "load", str(SAMPLE), "--quiet")
    cli("--db", db, "link-records", "--as-of", DAY)
    cli("--db", db, "map", "gp:ESMYTH", "--as-of", DAY, "-o", str(tmp_path / "e.html"))
    page, requests, errors, dialogs = open_page(browser, tmp_path / "e.html")
    try:
        wait_settled(page)
        assert errors == [] and requests == []
        edges = page.evaluate("network.body.data.edges.get()")
        assert [e["id"] for e in edges if e["rel"] == "SAME_AS"] == ["SAME_AS|gp:JSMYTH|police:JSMITH"]
        assert len({e["id"] for e in edges}) == len(edges)
        assert drawn_pixels(page) > 2_000
    finally:
        page.close()


def test_parallel_edges_of_one_kind_get_distinct_page_ids():
    import networkx as nx

    from graphcase.maps.build import unique_edge_ids

    g = nx.MultiDiGraph()
    g.add_edge("a", "b", key="SAME_AS|a|b")
    g.add_edge("b", "a", key="SAME_AS|a|b")
    g.add_edge("a", "b", key="RELATED_TO|a|b|parent")
    g.add_edge("c", "d", key="RELATED_TO|a|b|parent")
    g.add_edge("c", "d", key="SAME_AS|a|b#2")
    ids = unique_edge_ids(g)
    assert len(ids) == len(set(ids)) == 5
