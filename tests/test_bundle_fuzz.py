"""Hostile bundles through the real CLI on a real embedded store (issue 16, "Done when").

Each example starts from the sample bundle and mixes valid rows with mutations: random bytes, BOMs, quotes,
newlines, blank lines, huge fields, wrong types, unicode controls, look-alike ids, repeated rows, missing and
extra columns, extra and misnamed files, FIFOs and symlinks. Whatever the bundle, ``graphcase load`` must:

- exit 0 with every row accounted for: per table, read = accepted + rejected + repeats dropped, read equals the
  rows the example wrote (where the example still knows them), and the store holds the accepted nodes; or
- exit 2 with a reject report beside the store and the store unchanged;
- and never print a traceback.

Bounded for CI: 25 examples, derandomized (the same examples every run, about a minute); set
GRAPHCASE_FUZZ_EXAMPLES=500 to explore with fresh random examples.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graphcase.cli import main
from graphcase.model import tables
from graphcase.stores.ladybug import LadybugStore

from .conftest import SAMPLE

TABLES = [name for name in tables() if (SAMPLE / f"{name}.csv").exists()]  # the sample's files (it has no csc_households.csv)
NODE_LABELS = {name: spec.label for name, spec in tables().items() if spec.is_node}
FIELD_CAP = 4096  # --max-field-size in these runs, so "huge" fields stay cheap to generate


def sample_rows() -> dict[str, tuple[list[str], list[list[str]]]]:
    out = {}
    for name in TABLES:
        with (SAMPLE / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        out[name] = (header, rows)
    return out


SAMPLE_ROWS = sample_rows()

HOSTILE_TEXT = [
    "", " ", '"', '""', "a,b", "a\nb", "a\r\nb", "line\rbreak", "\u200b", "gp:K\u200bWARD", "\u202egp:KWARD", "\x00",
    "\x07bell", "\ufeff", "=cmd|' /C calc'!A0", "0001-01-01", "9999-12-31", "2020-02-30", "1900-01-01", "NaN",
    "Infinity", "true", "null", "gp:kward", "GP:KWARD", "gp: KWARD", "Zoë Ödegård", "名前", "x" * (FIELD_CAP + 1),
    "\\", "'", "\t", "¿", "\ud7ff",
]
JSON_HOSTILE = [{"a": 1}, [1, 2], ["mappa"], True, False, float("nan"), float("inf"), -float("inf"), 12345, 1.5, None,
                [[["deep"]]], {"": {"": []}}]
EXTRA_FILES = ["agency_record.csv", "People.csv", "notes.txt", "events.json.bak", ".DS_Store", "residence.json"]

mutation = st.one_of(
    st.tuples(st.just("value"), st.sampled_from(TABLES), st.integers(0, 40), st.integers(0, 10),
              st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))),
    st.tuples(st.just("json_value"), st.sampled_from(TABLES), st.integers(0, 40), st.integers(0, 10), st.sampled_from(JSON_HOSTILE)),
    st.tuples(st.just("repeat_row"), st.sampled_from(TABLES), st.integers(0, 40), st.integers(1, 3)),
    st.tuples(st.just("blank_lines"), st.sampled_from(TABLES), st.integers(0, 40), st.integers(1, 3)),
    st.tuples(st.just("drop_column"), st.sampled_from(TABLES), st.integers(0, 10)),
    st.tuples(st.just("extra_column"), st.sampled_from(TABLES), st.sampled_from(["notes", "id", ""])),
    st.tuples(st.just("drop_file"), st.sampled_from(TABLES)),
    st.tuples(st.just("bom"), st.sampled_from(TABLES)),
    st.tuples(st.just("crlf"), st.sampled_from(TABLES)),
    st.tuples(st.just("extra_file"), st.sampled_from(EXTRA_FILES)),
    st.tuples(st.just("random_bytes"), st.sampled_from(TABLES), st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.sampled_from(TABLES), st.integers(0, 10**6)),
    st.tuples(st.just("special_file"), st.sampled_from(TABLES), st.sampled_from(["fifo", "dev_zero", "etc_passwd", "dangling"])),
)

bundles = st.fixed_dictionaries({
    "format": st.sampled_from(["csv", "csv", "json"]),
    "mutations": st.lists(mutation, min_size=0, max_size=5),
    "allow_rejects": st.booleans(),
    "store": st.sampled_from(["empty", "sample"]),
})


class Bundle:
    """The bundle an example writes, and how many rows each table holds (None once bytes were mangled)."""

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.tables = {n: ([*h], [[*r] for r in rows]) for n, (h, rows) in SAMPLE_ROWS.items()}
        self.json_values: dict[tuple[str, int, int], object] = {}
        self.blank_after: dict[str, set[int]] = {}
        self.bom: set[str] = set()
        self.crlf: set[str] = set()
        self.extra: list[str] = []
        self.byte_edits: list[tuple] = []
        self.specials: dict[str, str] = {}
        self.row_starts: dict[str, set[int]] = {}  # file -> the line (CSV) or position (JSON) each row starts on

    def apply(self, m: tuple) -> None:
        kind, *args = m
        if kind in ("value", "json_value", "repeat_row", "blank_lines") and args[0] not in self.tables:
            return
        if kind == "value":
            name, row, col, text = args
            header, rows = self.tables[name]
            if rows:
                rows[row % len(rows)][col % len(header)] = text
        elif kind == "json_value":
            name, row, col, value = args
            header, rows = self.tables[name]
            if self.fmt == "json" and rows:
                self.json_values[(name, row % len(rows), col % len(header))] = value
        elif kind == "repeat_row":
            name, row, times = args
            rows = self.tables[name][1]
            if rows:
                rows.extend([list(rows[row % len(rows)]) for _ in range(times)])
        elif kind == "blank_lines":
            self.blank_after.setdefault(args[0], set()).add(args[1])
        elif kind == "drop_column" and args[0] in self.tables:
            header, rows = self.tables[args[0]]
            col = args[1] % len(header)
            del header[col]
            for r in rows:
                del r[col]
        elif kind == "extra_column" and args[0] in self.tables:
            header, rows = self.tables[args[0]]
            header.append(args[1])
            for r in rows:
                r.append("x")
        elif kind == "drop_file":
            self.tables.pop(args[0], None)
        elif kind == "bom":
            self.bom.add(args[0])
        elif kind == "crlf":
            self.crlf.add(args[0])
        elif kind == "extra_file":
            self.extra.append(args[0])
        elif kind in ("random_bytes", "truncate"):
            self.byte_edits.append(m)
        elif kind == "special_file":
            self.specials[args[0]] = args[1]

    def check_reject_rows(self, report: list[list[str]]) -> None:
        """Every row a reject names is a line where the example started a row (CSV) or a position in the array."""
        for file, row, *_ in report[1:]:
            stem = file.rsplit(".", 1)[0]
            header = {1} if file.endswith(".csv") else set()  # a reject of a column name is on line 1
            if row and file in self.row_starts and self.rows_in(stem) is not None:
                assert int(row) in self.row_starts[file] | header, (file, row, sorted(self.row_starts[file]))

    def rows_in(self, name: str) -> int | None:
        if name in self.specials or any(e[1] == name for e in self.byte_edits) or name not in self.tables:
            return None
        return len(self.tables[name][1])

    def write(self, folder: Path) -> None:
        folder.mkdir()
        for name, (header, rows) in self.tables.items():
            path = folder / f"{name}.{self.fmt}"
            data = self._csv(name, header, rows) if self.fmt == "csv" else self._json(name, header, rows)
            if name in self.bom:
                data = b"\xef\xbb\xbf" + data
            for _, edit_name, at, *rest in (e for e in self.byte_edits if e[1] == name):
                at = at % (len(data) + 1)
                data = data[:at] + rest[0] + data[at:] if rest else data[:at]
            path.write_bytes(data)
        for name, kind in self.specials.items():
            path = folder / f"{name}.{self.fmt}"
            path.unlink(missing_ok=True)
            if kind == "fifo":
                os.mkfifo(path)
            else:
                path.symlink_to({"dev_zero": "/dev/zero", "etc_passwd": "/etc/passwd", "dangling": "nowhere.csv"}[kind])
        for extra in self.extra:
            (folder / extra).write_text("id\n1\n")

    def _csv(self, name: str, header: list[str], rows: list[list[str]]) -> bytes:
        """RFC 4180: a value holding a comma, quote, CR or LF is quoted (Python's writer leaves a lone CR bare)."""
        end = "\r\n" if name in self.crlf else "\n"
        blanks = self.blank_after.get(name, set())
        starts = self.row_starts.setdefault(f"{name}.csv", set())
        text = _csv_line(header, end)
        for number, row in enumerate(rows):
            starts.add(len(LINE_BREAK.findall(text)) + 1)  # a spreadsheet's line: CR, LF or CRLF ends one
            text += _csv_line(row, end) + (end if number in blanks else "")
        return text.encode("utf-8", errors="surrogatepass")

    def _json(self, name: str, header: list[str], rows: list[list[str]]) -> bytes:
        records = []
        for r, row in enumerate(rows):
            record = {h: (v if v != "" else None) for h, v in zip(header, row)}
            for c, h in enumerate(header):
                if (name, r, c) in self.json_values:
                    record[h] = self.json_values[(name, r, c)]
            records.append(record)
        self.row_starts[f"{name}.json"] = set(range(1, len(records) + 1))
        return json.dumps(records, ensure_ascii=False).encode("utf-8", errors="surrogatepass")


@pytest.fixture(scope="module")
def store_templates(tmp_path_factory):
    """An empty store and one holding the sample bundle, copied for each example."""
    folder = tmp_path_factory.mktemp("templates")
    empty = LadybugStore(folder / "empty.db")
    empty.ensure_schema()
    empty.close()
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(folder / "sample.db"), "load", str(SAMPLE), "--quiet"])
    assert result.exit_code == 0, result.output
    return {"empty": folder / "empty.db", "sample": folder / "sample.db"}


def store_contents(db: Path) -> dict:
    """Every node's id and row hash per label, and the relationship count per type."""
    store = LadybugStore(db, read_only=True)
    try:
        out = {}
        for label in NODE_LABELS.values():
            out[label] = sorted(map(tuple, store.query(f"MATCH (n:{label}) RETURN n.id, n.row_hash").rows))
        for spec in tables().values():
            for rel in spec.rel_types:
                out[rel] = store.query(f"MATCH ()-[r:{rel}]->() RETURN count(r)").rows[0][0]
        return out
    finally:
        store.close()


LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _csv_line(values: list[str], end: str) -> str:
    quoted = ('"' + v.replace('"', '""') + '"' if re.search(r'[,"\r\n]', v) else v for v in values)
    return ",".join(quoted) + end
SUMMARY_LINE = re.compile(r"^\s+(\w+)\s+read\s+([\d,]+)\s+accepted\s+([\d,]+)\s+rejected\s+([\d,]+)\s+repeats dropped\s+([\d,]+)$", re.M)


# GRAPHCASE_FUZZ_EXAMPLES=500 explores further, with fresh random examples each run.
EXPLORE = int(os.environ.get("GRAPHCASE_FUZZ_EXAMPLES", "0"))


@settings(max_examples=EXPLORE or 25, deadline=None, derandomize=not EXPLORE, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(example=bundles)
def test_any_bundle_loads_whole_with_every_row_accounted_for_or_is_refused_cleanly(store_templates, example):
    work = Path(tempfile.mkdtemp(prefix="graphcase-fuzz-"))
    try:
        bundle = Bundle(example["format"])
        for m in example["mutations"]:
            bundle.apply(m)
        bundle.write(work / "bundle")
        (work / "store").mkdir()
        db = work / "store" / "g.db"
        shutil.copy(store_templates[example["store"]], db)
        before = store_contents(db)
        args = ["--db", str(db), "load", str(work / "bundle"), "--quiet", "--max-field-size", str(FIELD_CAP)]
        result = CliRunner().invoke(main, args + (["--allow-rejects"] if example["allow_rejects"] else []))
        output = result.output
        event(f"exit {result.exit_code}{' --allow-rejects' if example['allow_rejects'] else ''}")
        assert "Traceback" not in output, output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2), output
        reports = list((work / "store").glob("*rejects-*.csv"))
        if result.exit_code == 2:
            assert len(reports) == 1, output
            with reports[0].open(newline="", encoding="utf-8") as handle:
                lines = list(csv.reader(handle))
            assert lines[0] == ["file", "row", "field", "reason", "value"] and len(lines) > 1
            bundle.check_reject_rows(lines)
            assert store_contents(db) == before, "a refused load changed the store"
            return
        counts = {m[1]: tuple(int(x.replace(",", "")) for x in m.groups()[1:]) for m in SUMMARY_LINE.finditer(output)}
        rejected_any = bool(reports)
        if reports:
            with reports[0].open(newline="", encoding="utf-8") as handle:
                bundle.check_reject_rows(list(csv.reader(handle)))
        assert example["allow_rejects"] or not rejected_any, output
        for name, (read, accepted, rejected, repeats) in counts.items():
            assert read == accepted + rejected + repeats, (name, output)
            expected = bundle.rows_in(name)
            if expected is not None:
                assert read == expected, (name, read, expected, output)
        if example["store"] == "empty":
            after = store_contents(db)
            for name, label in NODE_LABELS.items():
                assert len(after[label]) == counts.get(name, (0, 0))[1], (label, output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
