"""Pattern thresholds a partnership sets: counts, windows, days and ages of every catalogue pattern.

Three places, each overriding the one before: the query file's default (documented in its header, with
why), the partnership's settings file remembered beside the store, and ``--set pattern.param=value`` on one
run. A settings file is TOML, one table per pattern::

    # Northshire partnership, agreed 2026-10: two missed appointments are a concern at any age
    [repeated_was_not_brought]
    min_count = 2

>>> parse_assignments(["repeated_was_not_brought.min_count=2"])
{'repeated_was_not_brought': {'min_count': '2'}}
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

from ..files import atomic_write_text
from .findings import pattern_names
from .queries import CatalogueError, get_query

SETTINGS_SUFFIX = ".thresholds.toml"
# Set by the sweep itself, never by a partnership.
NOT_SETTABLE = {"as_of"}


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check(overrides: dict[str, dict], where: str) -> dict[str, dict]:
    """Every pattern and parameter named exists and every value has the parameter's type; returns the values typed."""
    patterns = pattern_names()
    typed: dict[str, dict] = {}
    for pattern, values in overrides.items():
        if pattern not in patterns:
            raise CatalogueError(f"{where}: no pattern {pattern!r}{_suggest(pattern, patterns)}")
        if not isinstance(values, dict):
            raise CatalogueError(f"{where}: [{pattern}] must be a table of parameter = value")
        known = {p.name: p for p in get_query(pattern).parameters if p.name not in NOT_SETTABLE}
        for name, value in values.items():
            if name not in known:
                raise CatalogueError(f"{where}: pattern {pattern} has no parameter {name!r}{_suggest(name, known)}; "
                                     f"it takes: {', '.join(known) or 'none'}")
            typed.setdefault(pattern, {})[name] = known[name].coerce(value)
    return typed


def parse_assignments(assignments: list[str] | tuple[str, ...]) -> dict[str, dict]:
    """``pattern.param=value`` strings as {pattern: {param: value}} (values still text)."""
    out: dict[str, dict] = {}
    for item in assignments:
        target, sep, value = item.partition("=")
        pattern, dot, name = target.strip().partition(".")
        if not sep or not dot or not pattern or not name:
            raise CatalogueError(f"--set {item!r} must look like pattern.parameter=value, e.g. repeated_was_not_brought.min_count=2")
        out.setdefault(pattern, {})[name] = value.strip()
    return out


def read_settings(path: str | Path) -> dict[str, dict]:
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"no settings file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None
    return check(doc, str(path))


def settings_path_for(store_location: str | Path) -> Path:
    return Path(f"{store_location}{SETTINGS_SUFFIX}")


def remember(settings_file: str | Path, store_location: str | Path) -> Path:
    """Check a partnership settings file and keep a copy beside the store, used by every later sweep."""
    read_settings(settings_file)
    return atomic_write_text(settings_path_for(store_location), Path(settings_file).read_text(encoding="utf-8"))


def effective(store_location: str | Path | None, assignments=()) -> tuple[dict[str, dict], dict[str, str]]:
    """The overrides for a sweep (remembered settings, then ``--set``) and where each came from."""
    merged: dict[str, dict] = {}
    origin: dict[str, str] = {}
    remembered = settings_path_for(store_location) if store_location else None
    if remembered is not None and remembered.exists():
        for pattern, values in read_settings(remembered).items():
            for name, value in values.items():
                merged.setdefault(pattern, {})[name] = value
                origin[f"{pattern}.{name}"] = f"settings ({remembered.name})"
    for pattern, values in check(parse_assignments(assignments), "--set").items():
        for name, value in values.items():
            merged.setdefault(pattern, {})[name] = value
            origin[f"{pattern}.{name}"] = "--set"
    return merged, origin
