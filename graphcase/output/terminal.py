"""Text for the terminal: data is shown as written, never read as rich markup or terminal control codes.

rich parses ``[b]``, ``[/b]`` and ``[link=...]`` in strings it prints: a name holding ``[/b]`` crashed the
table ("closing tag has nothing to close") and ``[link=http://evil]x[/link]`` changed what was shown. So
every value goes into a table as a :class:`rich.text.Text` (never parsed), and text composed into markup
is escaped with :func:`rich.markup.escape`. ESC, bidi overrides and other invisible controls are shown as
``<U+XXXX>`` (:mod:`.plaintext`), so data cannot move the cursor, recolour the screen or reverse text.
"""

from __future__ import annotations

from rich.markup import escape as _markup_escape
from rich.text import Text

from .plaintext import show_controls


def plain(value) -> str:
    """``value`` as a string with invisible controls shown: for ``click.echo`` lines. A tab becomes a space:
    rich measures a tab as one cell but draws eight, and cuts the cell to "…"."""
    return show_controls("" if value is None else str(value)).replace("\t", " ")


def text(value) -> Text:
    """``value`` as a rich Text: printed literally (no markup, no emoji codes)."""
    return Text(plain(value))


def escape(value) -> str:
    """``value`` escaped for a rich markup string (where a Text cannot be used)."""
    return _markup_escape(plain(value))
