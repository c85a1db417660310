"""Markdown whose data cells are text: no emphasis, links, images, raw HTML or table breaks from data.

Every inline markup character in a value (``\\ ` * _ [ ] | ~ @ $``) is backslash-escaped (CommonMark lets
any ASCII punctuation be escaped); ``<``, ``>`` and ``&`` become ``&lt;`` ``&gt;`` ``&amp;`` so no raw HTML tag, comment or
autolink can form; ``:`` before ``//`` and the dot of ``www.`` are escaped so GitHub-flavoured Markdown does
not turn a bare URL into a link; ``@`` is escaped against e-mail autolinks. Line breaks become spaces (a
value is one table cell or one list item) and invisible controls are shown (:mod:`.plaintext`).

>>> escape("[x](http://evil) **b** <img src=x>")
'\\\\[x\\\\](http\\\\://evil) \\\\*\\\\*b\\\\*\\\\* &lt;img src=x&gt;'
"""

from __future__ import annotations

import re

from .plaintext import show_controls

# Brackets are escaped, so "(" ")" "!" cannot start a link or image and stay readable; "#", "-", "+", "="
# matter only at the start of a line, where a value never stands.
_INLINE = re.compile(r"([\\`*_\[\]|~@$])")
_URL = re.compile(r"(?i):(?=//)|(?<=www)\.")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(value) -> str:
    """``value`` as literal Markdown text for one table cell or list item."""
    text = show_controls("" if value is None else str(value))
    text = re.sub(r"[\r\n\t]+", " ", text)
    text = re.sub(r"[&<>]", lambda m: _HTML[m.group()], text)
    text = _INLINE.sub(r"\\\1", text)
    return _URL.sub(lambda m: "\\" + m.group(), text)


def table(columns: list[str], rows: list[list]) -> list[str]:
    """A GitHub-style table, every header and cell escaped."""
    lines = ["| " + " | ".join(escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
