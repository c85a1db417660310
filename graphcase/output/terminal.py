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


# -- fitting tables to the terminal's real width --------------------------------------------------------
MIN_COLUMN = 14  # narrower than this, a column breaks every word: one block per row instead


def width() -> int:
    """The terminal's width in columns: $COLUMNS when set, else the terminal's own, else 80 (a pipe)."""
    import shutil

    return shutil.get_terminal_size(fallback=(80, 24)).columns


def table(columns: list[str], rows: list[list], *, title=None, caption=None, show_lines: bool = False,
          width: int | None = None):
    """A rich renderable that fits ``width``: a table whose cells wrap when every column gets at least
    MIN_COLUMN cells, else one block per row ("column: value" lines, values wrapped under their label)."""
    from rich.console import Group
    from rich.table import Table

    width = width or globals()["width"]()
    if len(columns) * MIN_COLUMN <= width:
        out = Table(title=text(title) if title else None, caption=text(caption) if caption else None,
                    show_lines=show_lines)
        longest = [max([len(w) for row in rows for w in plain(row[i]).split()] + [len(plain(column))]) for i, column in enumerate(columns)]
        share = max(MIN_COLUMN, width // max(len(columns), 1) - 3)
        if sum(longest) + 3 * len(columns) + 1 > width:  # no room for every longest word: each column up to its share
            longest = [min(n, share) for n in longest]
        for column, least in zip(columns, longest):  # words are broken only when a column cannot hold them
            out.add_column(text(column), overflow="fold", min_width=least)
        for row in rows:
            out.add_row(*(text(v) for v in row))
        return out
    label = min(max(len(c) for c in columns), width // 3)
    parts = [Text(plain(title), style="bold")] if title else []
    for number, row in enumerate(rows, 1):
        block = Table.grid(padding=(0, 1))
        block.add_column(width=label, overflow="fold")
        block.add_column(overflow="fold")
        for column, value in zip(columns, row):
            block.add_row(text(column), text(value))
        parts += [Text(f"-- {number} " + "-" * max(0, min(width, 60) - 4 - len(str(number)))), block]
    if caption:
        parts.append(text(caption))
    return Group(*parts)
