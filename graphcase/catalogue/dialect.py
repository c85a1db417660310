"""LadybugDB siblings of link queries that do date arithmetic.

Neo4j 5 writes ``$as_of - duration({months: $months})``; LadybugDB 0.22 has no ``duration({...})`` but writes
``$as_of - to_months($months)``. Everything else in the link queries is the portable subset, so the
``NAME.ladybug.cypher`` sibling is generated from the main (Neo4j) file by this one substitution, and a test
checks every sibling is up to date::

    python -m graphcase.links_dialect      # rewrite the siblings under cypher/links/
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .queries import cypher_root

DURATION = re.compile(r"duration\(\{(days|months|years): (\$\w+)\}\)")
GENERATED_NOTE = "// generated from {name}.cypher by python -m graphcase.links_dialect: edit the main file\n"


def to_ladybug(text: str) -> str:
    """The LadybugDB form of a query written with Neo4j ``duration({unit: $param})`` terms."""
    return DURATION.sub(lambda m: f"to_{m[1]}({m[2]})", text)


# A SAME_AS look-up that only matters when record linkage has written links: a whole line of one
# `AND NOT EXISTS { MATCH ...SAME_AS... }` test, or one term of a `COUNT { MATCH ...SAME_AS... } + ... > 0 AS name` sum.
NOT_EXISTS_LINKED = re.compile(r"^\s*AND NOT EXISTS \{ MATCH [^{}]*SAME_AS[^{}]*\}\s*(//.*)?$")
COUNT_LINKED = re.compile(r"^(\s*)(\+ )?COUNT \{ MATCH [^{}]*SAME_AS[^{}]*\}( > 0 AS (\w+))?(,?)\s*$")
# or a whole `OPTIONAL MATCH (x)-[:SAME_AS]-(name:Person)` line whose partners are then `collect(name.id)`.
PARTNERS_LINKED = re.compile(r"^\s*OPTIONAL MATCH \(\w+\)-\[:SAME_AS\]-\((\w+):Person\)\s*(//.*)?$")


def without_linkage(text: str) -> str:
    """The form of a link query for a store without any SAME_AS link: its SAME_AS look-ups can only find
    nothing there, so each ``AND NOT EXISTS {...SAME_AS...}`` line is dropped, each
    ``COUNT {...SAME_AS...} + ... > 0 AS name`` becomes ``false AS name``, and an ``OPTIONAL MATCH
    (x)-[:SAME_AS]-(name:Person)`` line is dropped with ``collect(name.id)`` after it read as ``[]``. Same rows on such a store; on
    LadybugDB 0.22 each SAME_AS subquery costs ~25 ms even on an empty table (six per branch in
    risky_adult_unseen_child). Raises ValueError when a SAME_AS use is left that this rule can't rewrite."""
    out = []
    partners = []  # names bound by a dropped OPTIONAL MATCH of SAME_AS partners
    for line in text.splitlines(keepends=True):
        for name in partners:
            line = line.replace(f"collect({name}.id)", "[]")
        if "SAME_AS" not in line or line.lstrip().startswith("//"):
            out.append(line)
        elif m := PARTNERS_LINKED.match(line):
            partners.append(m[1])
        elif NOT_EXISTS_LINKED.match(line):
            continue
        elif m := COUNT_LINKED.match(line):
            if m[4]:
                out.append(f"{m[1]}false AS {m[4]}{m[5]}\n")
        else:
            raise ValueError(f"can't drop this SAME_AS use for a store without links: {line.strip()}")
    return "".join(out)


def needs_sibling(text: str) -> bool:
    return bool(DURATION.search(text))


def sibling_text(main: Path) -> str:
    """Header unchanged (the catalogue reads the main file's header), one note line after it, then the body."""
    text = main.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header_end = next(i for i, line in enumerate(lines) if not line.startswith("//"))
    body = "".join(lines[header_end:])
    return "".join(lines[:header_end]) + GENERATED_NOTE.format(name=main.stem) + to_ladybug(body)


def expected_siblings(folder: Path | None = None) -> dict[Path, str]:
    folder = folder or cypher_root() / "links"
    out = {}
    for main in sorted(folder.glob("*.cypher")):
        if main.name.count(".") != 1:
            continue
        if needs_sibling(main.read_text(encoding="utf-8")):
            out[main.with_name(f"{main.stem}.ladybug.cypher")] = sibling_text(main)
    return out


def write_siblings(folder: Path | None = None) -> list[Path]:
    written = []
    for path, text in expected_siblings(folder).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_siblings(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(f"wrote {path}")
