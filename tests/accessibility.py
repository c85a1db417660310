"""axe-core (from npm: ``npm ci --prefix .ci``) run inside a page under test: the serious and critical violations."""

from __future__ import annotations

from pathlib import Path

from .conftest import ROOT, skip_or_fail

AXE = ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Inject axe.min.js (an inline script, which the pages' Content-Security-Policy allows) and run it."""
    if not Path(AXE).is_file():
        skip_or_fail(f"accessibility checks need axe-core at {AXE}: npm ci --prefix .ci")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """() => axe.run(document, { resultTypes: ["violations"] }).then(r => r.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
               targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")) })))"""
    )
    return [v for v in found if v["impact"] in impacts]
