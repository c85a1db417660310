"""The house rules of the package layout: one package per feature, and imports that only run downhill."""

import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

ALLOWED_TOP_LEVEL_MODULES = {"__init__.py", "__main__.py"}


def test_no_top_level_module_but_the_package_api():
    modules = {p.name for p in (ROOT / "graphcase").glob("*.py")}
    assert modules == ALLOWED_TOP_LEVEL_MODULES, f"put {sorted(modules - ALLOWED_TOP_LEVEL_MODULES)} in a feature package"


def test_layer_contracts_hold():
    """cli may import features, features never import cli, stores import no feature (pyproject's contracts)."""
    lint_imports = shutil.which("lint-imports", path=str((ROOT / ".venv" / "bin"))) or shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_circle_inside_a_package():
    import grimp

    graph = grimp.build_graph("graphcase")
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                circles.append((module, imported))
    assert not circles, f"import circles: {circles}"


def test_python_dash_m_graphcase_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "graphcase", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "link-records" in done.stdout
