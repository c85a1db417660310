"""The docs site builds in strict mode, and its generated pages say what the code does now.

The generated pages (every command's real output, the catalogue from the query headers, the bundle reference
from the schemas, the README's tour) come from ``docs/generate.py``; after a change of behaviour or wording, run
``python docs/generate.py`` and commit what it writes.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"


def _load_generator():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def test_site_builds_in_strict_mode(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        if os.environ.get("GRAPHCASE_REQUIRE_TOOLS"):
            pytest.fail("mkdocs is not installed, and GRAPHCASE_REQUIRE_TOOLS is set: install '.[test]'")
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]'); the docs site was not built")
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    api = (site / "reference" / "python-api" / "index.html").read_text(encoding="utf-8")
    for name in ("graphcase.open_store", "graphcase.load_bundle", "graphcase.history.build_history", "graphcase.maps.ego_map"):
        assert f'id="{name}"' in api, f"{name} is missing from the Python API page"
    assert (site / "commands" / "index.html").exists()


def test_every_markdown_page_is_in_the_nav():
    """mkdocs only warns about a page left out of the nav; a page nobody can reach is a page nobody reads."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert [p for p in pages if p not in nav] == []


def test_no_issue_numbers_in_headings():
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *DOCS.rglob("*.md")]
    headings = [
        f"{path.name}: {line}"
        for path in files
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#") and re.search(r"\bissues? #?\d", line, re.I)
    ]
    assert headings == []


def test_bundle_reference_is_generated_from_the_schemas():
    page = generate.BUNDLE_MD.read_text(encoding="utf-8")
    section = page.split(generate.BUNDLE_START)[1].split(generate.BUNDLE_END)[0]
    assert section.strip() == generate.bundle_reference().strip()


def test_catalogue_reference_is_generated_from_the_query_headers():
    assert generate.CATALOGUE_MD.read_text(encoding="utf-8") == generate.catalogue_page()


def test_catalogue_reference_lists_every_link_query():
    page = generate.CATALOGUE_MD.read_text(encoding="utf-8")
    for path in (ROOT / "cypher" / "links").glob("*.cypher"):
        if path.name.count(".") == 1:
            assert f"## {path.stem}\n" in page, path.name


def test_every_command_has_its_help_on_the_commands_page():
    page = generate.COMMANDS_MD.read_text(encoding="utf-8")
    for command in generate.all_command_paths():
        assert f'"graphcase {command} --help"' in page, command


def test_normalise_blanks_only_what_changes_between_runs():
    line = "bundle fixtures/sample  load 20261129T001403-4b31431c  (1.34 s)\n  124 new and 0 changed"
    assert generate.normalise(line) == "bundle fixtures/sample  load <load-id>  (<duration>)\n  124 new and 0 changed"
    assert generate.normalise("│ hidden_men  │ 1        │ 0.177   │") == "│ hidden_men  │ 1        │ <seconds>   │"
    assert generate.normalise("probability 0.749, match weight 1.6") == "probability 0.749, match weight 1.6"


@pytest.fixture(scope="module")
def fresh_docs():
    """Every generated file as the code gives it now: runs each example command for real (about a minute)."""
    return generate.generate()


@pytest.mark.slow
def test_generated_docs_match_what_the_commands_print_now(fresh_docs):
    diffs = generate.stale(fresh_docs)
    assert not diffs, "stale generated docs; run `python docs/generate.py` and commit:\n" + "\n".join(diffs)[:6000]


@pytest.mark.slow
def test_the_drift_check_fails_when_an_output_changes(fresh_docs):
    changed = dict(fresh_docs)
    text = changed[generate.COMMANDS_MD]
    assert "124 new and 0 changed" in text
    changed[generate.COMMANDS_MD] = text.replace("124 new and 0 changed", "125 new and 0 changed", 1)
    assert len(generate.stale(changed)) == 1
