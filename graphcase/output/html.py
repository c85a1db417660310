"""HTML: text and attribute values escaped, and JSON that is safe inside a ``<script>`` element.

In a ``<script>`` element the HTML parser, not JavaScript, decides where the script ends: ``</script>``
closes it, and ``<!--<script`` switches the parser into a state where the real ``</script>`` no longer does,
so the rest of the page is swallowed and a map stays blank. :func:`json_for_script` therefore writes every
``<``, ``>`` and ``&`` as ``\\u003c`` ``\\u003e`` ``\\u0026`` (no tag, comment or CDATA end can form), and
U+2028/U+2029 as ``\\u2028``/``\\u2029`` (line ends to older JavaScript parsers). ``JSON.parse`` gives back
the original strings.

>>> json_for_script({"name": "</script><!--<script"})
'{"name":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u003cscript"}'
"""

from __future__ import annotations

import html
import json
import re

_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def text(value) -> str:
    """``value`` escaped for HTML text or a quoted attribute value."""
    return html.escape("" if value is None else str(value), quote=True)


def json_for_script(value) -> str:
    """``value`` as JSON to embed in ``<script type="application/json">`` (read with JSON.parse)."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], raw)


def script_text(code: str) -> str:
    """Trusted code or CSS (vis-network's) that cannot close the ``<script>``/``<style>`` element holding it."""
    return re.sub(r"</(script|style)", r"<\\/\1", code, flags=re.IGNORECASE)
