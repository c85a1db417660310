"""README promises that must stay true: two commands, the CI runs the second verbatim, and the README stays short.

The bundle reference moved to docs/reference/bundle.md, and the tour's outputs are generated; tests/test_docs.py
checks both against the code.
"""

import re

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README.split("## Two commands")[1].split("##")[0], re.S)
    return [next(line for line in block.splitlines() if line and not line.startswith("#")) for block in blocks]


def test_readme_gives_two_commands_demo_then_tests():
    demo, tests = readme_commands()
    assert demo.endswith("graphcase demo") and "pytest" in tests


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_readme_is_an_introduction_not_the_reference():
    assert len(README.splitlines()) <= 300


def test_readme_links_to_docs_pages_that_exist():
    targets = re.findall(r"\]\(((?:docs/|CONTRIBUTING)[^)#]*)", README)
    assert targets
    assert [t for t in targets if not (ROOT / t).exists()] == []
