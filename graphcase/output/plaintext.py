"""Characters that change how text is shown rather than what it says, made visible.

Terminal control codes (ESC starts a colour or cursor sequence), bidirectional overrides (U+202E shows
``gpj.exe`` as ``exe.jpg``), zero-width characters and line/paragraph separators, when they come from
data, are written as a visible ``<U+202E>`` so what is printed is what is stored. Newlines and tabs are
left to each format (a table cell folds them; a Markdown cell joins lines).

>>> show_controls("Ann\\u202eegaP")
'Ann<U+202E>egaP'
"""

from __future__ import annotations

import re

# Cc (C0/C1 controls) except tab and newline; Cf format characters (bidi controls, zero-width, BOM); Zl/Zp
# separators (U+2028/U+2029). Listed as ranges (scanning unicodedata at import costs 0.7 s); the test suite
# checks the list against unicodedata.
_SHOWN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def show_controls(text: str) -> str:
    """``text`` with every invisible control, format or separator character written as ``<U+XXXX>``."""
    return _SHOWN.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
