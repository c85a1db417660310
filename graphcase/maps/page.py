"""The offline HTML page of a map: the template in ``visualisations/`` with vis-network inlined.

vis-network's JS and CSS are read from the files the installed pyvis package ships (``pyvis/lib/vis-9.x``)
and written into the page, so the file opens with no network at all; a Content-Security-Policy in the page
forbids any fetch as a second guard. Map data travels as JSON in a ``<script type="application/json">``,
written by :func:`graphcase.output.html.json_for_script` (every ``<``, ``>``, ``&``, U+2028, U+2029 escaped,
so no value can end or re-open the script element and blank the page).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jinja2

from ..output.html import json_for_script, script_text

TEMPLATE_NAME = "map_template.html"


class PageError(Exception):
    """The page cannot be assembled (template or vis-network assets missing)."""


def visualisations_root() -> Path:
    """visualisations/ beside the package in a checkout; graphcase/visualisations inside an installed wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "visualisations", here.parent / "visualisations"):
        if (candidate / TEMPLATE_NAME).is_file():
            return candidate
    raise PageError("cannot find visualisations/ (map template and styles)")


@cache
def load_styles() -> dict:
    return json.loads((visualisations_root() / "styles.json").read_text(encoding="utf-8"))


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", path.name))


@cache
def vis_assets() -> tuple[str, str, str]:
    """(version, JS, CSS) of the newest vis-network build inside the installed pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib"
    builds = sorted((p for p in lib.glob("vis-9.*") if (p / "vis-network.min.js").is_file()), key=_version_key)
    if not builds:
        raise PageError(f"no vis-network build under {lib}; reinstall pyvis")
    newest = builds[-1]
    js = (newest / "vis-network.min.js").read_text(encoding="utf-8")
    css = (newest / "vis-network.css").read_text(encoding="utf-8")
    return newest.name, js, css


def render_page(*, title: str, subtitle: str, data: dict) -> str:
    """The whole self-contained HTML file: template + inlined vis-network + the map's JSON data."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(visualisations_root()),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    version, js, css = vis_assets()
    template = env.get_template(TEMPLATE_NAME)
    return template.render(
        title=title,
        subtitle=subtitle,
        vis_version=version,
        vis_js=jinja2.utils.markupsafe.Markup(script_text(js)),
        vis_css=jinja2.utils.markupsafe.Markup(script_text(css)),
        data_json=jinja2.utils.markupsafe.Markup(json_for_script(data)),
    )
