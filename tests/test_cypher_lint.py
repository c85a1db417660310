"""Neo4j's own Cypher linter (npm @neo4j-cypher/language-support, run by .ci/lint-cypher.mjs) over the catalogue
and over every statement graphcase generates for Neo4j; and proof that it catches a bad query.

Needs `node` and the linter installed by `npm ci --prefix .ci` (CI does both before pytest). Skipped with the
reason when either is missing, except when GRAPHCASE_REQUIRE_TOOLS=1 (CI): then collection fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

LINTER = ROOT / ".ci" / "lint-cypher.mjs"
PACKAGE = ROOT / ".ci" / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"

MISSING = (
    "Neo4j Cypher lint needs Node.js: install `node` (Debian: apt-get install nodejs npm)"
    if shutil.which("node") is None
    else "Neo4j Cypher lint needs its npm package: run `npm ci --prefix .ci`"
    if not PACKAGE.exists()
    else None
)
if MISSING and os.environ.get("GRAPHCASE_REQUIRE_TOOLS"):
    # CI sets this, so a missing linter fails the build instead of skipping the check.
    raise RuntimeError(f"GRAPHCASE_REQUIRE_TOOLS is set (CI) but: {MISSING}")
if MISSING:
    pytestmark = pytest.mark.skip(reason=MISSING)


def lint(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", str(LINTER), *map(str, args)], capture_output=True, text=True, timeout=600, cwd=ROOT
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lint") / "neo4j-statements.json"
    subprocess.run(
        [sys.executable, "-m", "graphcase.stores.dialects", "--neo4j-statements", str(out)], check=True, cwd=ROOT
    )
    return out


def test_the_statement_dump_holds_the_schema_and_every_generated_statement(generated):
    dump = json.loads(generated.read_text())
    assert dump["schema"]["labels"] == ["Address", "Agency", "Event", "Person"]
    assert {"from": "Person", "to": "Agency", "relType": "KNOWN_TO"} in dump["schema"]["graphSchema"]
    names = {s["name"] for s in dump["statements"]}
    assert {"upsert:Person", "upsert:KNOWN_TO", "delete_from:RECORDED_BY", "ddl:await_indexes"} <= names


def test_the_catalogue_and_the_generated_statements_pass_neo4js_linter(generated):
    result = lint("--statements", generated)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = int(result.stdout.split("lint-cypher: ")[1].split()[0])
    portable = [p for p in (ROOT / "cypher").rglob("*.cypher") if not p.name.endswith(".ladybug.cypher")]
    assert checked == len(portable) + len(json.loads(generated.read_text())["statements"])


BAD = {
    "unfinished_list.cypher": "// name: unfinished_list\nMATCH (p:Person)\nRETURN [x IN\n",
    "broken_subquery.cypher": "MATCH (p:Person)\nCALL { RETURN 1 AS x\nRETURN p\n",
    "ladybug_shortest.cypher": "MATCH (a:Person)\nMATCH p = (a)-[* SHORTEST 1..5]-(b:Person)\nRETURN b.id\n",
    "misspelt_label.cypher": "MATCH (p:Persn)-[:KNOWN_TO]->(a:Agency)\nRETURN p.id\n",
    "undefined_variable.cypher": "MATCH (p:Person)\nRETURN q.id\n",
}


def test_a_bad_query_fails_the_lint_naming_file_and_line(tmp_path, generated):
    for name, text in BAD.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "ok.cypher").write_text("MATCH (p:Person) WHERE p.role = $role RETURN p.id\n")
    (tmp_path / "skip.ladybug.cypher").write_text("MATCH p = (a)-[* SHORTEST 1..5]-(b) RETURN p\n")  # not Neo4j: ignored
    # Only the schema from the dump: the generated statements are checked in the test above.
    schema_only = tmp_path / "schema.json"
    schema_only.write_text(json.dumps({"schema": json.loads(generated.read_text())["schema"], "statements": []}))
    result = lint("--statements", schema_only, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    files = {line.split(":")[0].rsplit("/", 1)[-1] for line in errors}
    assert files == set(BAD), result.stdout
    assert any("unfinished_list.cypher:3:" in line for line in errors)
    assert any("ladybug_shortest.cypher:2:" in line and "SHORTEST" in line for line in errors)
    assert any("Label Persn is not present" in line for line in errors)
    assert any("Variable `q` not defined" in line for line in errors)
    assert "6 queries/statements checked" in result.stdout


def test_the_forms_without_same_as_look_ups_pass_neo4js_linter(tmp_path, generated):
    """graphcase links runs each pattern without its SAME_AS look-ups on a store with no links
    (links_dialect.without_linkage): that rewritten text runs on Neo4j too, so it must lint clean."""
    from graphcase.catalogue.queries import get_query
    from graphcase.catalogue.findings import pattern_names
    from graphcase.catalogue.dialect import without_linkage

    rewritten = 0
    for name in pattern_names():
        text = get_query(name).text("neo4j")
        if "SAME_AS" in text:
            (tmp_path / f"{name}.cypher").write_text(without_linkage(text))
            rewritten += 1
    assert rewritten >= 3  # risky_adult_unseen_child, hidden_men, under_fives_parent_risk at least
    schema_only = tmp_path.parent / "schema-only.json"
    schema_only.write_text(json.dumps({"schema": json.loads(generated.read_text())["schema"], "statements": []}))
    result = lint("--statements", schema_only, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{rewritten} queries/statements checked" in result.stdout
