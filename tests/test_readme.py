"""README promises that must stay true: the CI runs its test command, and the bundle reference matches the schemas."""

import re

from graphcase.model import bundle_reference_markdown

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


def test_bundle_reference_in_readme_is_generated_from_the_schemas():
    section = README.split("<!-- bundle-reference:start -->\n")[1].split("\n<!-- bundle-reference:end -->")[0]
    assert section.strip() == bundle_reference_markdown().strip()
