"""``python -m graphcase``: the same as the ``graphcase`` command."""

from .cli import main

main()
