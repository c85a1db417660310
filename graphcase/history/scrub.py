"""Free text (event summaries) with everything the store knows about people taken out, for ``--scrub-free-text``.

What is replaced, in this order:

1. Names of the chronology's people, as full names, "K. Ward" / "K Ward" initials, given and family names
   (case-insensitive): their review labels ("Adult B"), or "[name]" where two people share a family name.
2. Email addresses, phone numbers (Google's libphonenumber via ``phonenumbers``, UK and international forms),
   NHS numbers (10 digits; ``python-stdnum`` checks the check digit), UK postcodes, street addresses
   ("12 Elm Road"), identifiers (any word with a digit or a colon, and any id, record id or UPRN the store
   holds) and other long numbers (UPRNs): "[email]", "[phone]", "[NHS number]", "[postcode]", "[address]",
   "Record N" for an id the store holds (the review's label) else "[id]", "[number]".
3. Dates in any common format (2025-04-02, 11/02/1996, 11.02.96, 11 February 1996, 11th Feb 96,
   Feb 11 1996, February 1996), shifted by the review's shift and written back in the same format; a day
   and month with no year, which cannot be shifted, become "[date]".
4. Every given and family name of every person in the store, with the nicknames of the given names from
   the hand-curated ``nicknames`` list, written with a capital letter: "[name]".

What it cannot catch (and the output says so): names nobody recorded in the store (a relative's, a
neighbour's), names written without a capital letter, places described in words, and anything identifying
in context. Microsoft Presidio's recognisers were considered: ``presidio-analyzer`` installs from PyPI alone,
but pulls in spaCy (11 s to import), its e-mail recogniser fetches the public-suffix list from the network at
run time, and its phone recogniser is ``phonenumbers`` itself, used here directly.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable

import phonenumbers
from stdnum.gb import nhs

NOT_CAUGHT = ("names nobody recorded in the store (a relative's or neighbour's), names written without a capital "
              "letter, places described in words, and details identifying in context")

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
ORD = r"(?:st|nd|rd|th)?"

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
STREET = re.compile(r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Court|"
                    r"Crescent|Place|Gardens|Terrace|Grove|Walk|Rise|Hill|Square|View|Mews|Row|Park|Green|Parade|Vale)\b\.?")
TEN_DIGITS = re.compile(r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])")
ISO = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
NUMERIC = re.compile(r"(?<![\w/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|\.\d)")
DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}}){ORD}\s+({MONTH})\.?,?\s+(\d{{4}}|'?\d{{2}})\b", re.IGNORECASE)
MONTH_DAY_YEAR = re.compile(rf"\b({MONTH})\.?\s+(\d{{1,2}}){ORD},?\s+(\d{{4}})\b", re.IGNORECASE)
MONTH_YEAR = re.compile(rf"\b({MONTH})\.?\s+(\d{{4}})\b", re.IGNORECASE)
DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){ORD}\s+(?:of\s+)?({MONTH})\b|\b({MONTH})\s+(\d{{1,2}}){ORD}\b", re.IGNORECASE)
IDENTIFIER = re.compile(r"(?<![\w:/-])(?=[\w:/-]*(?:\d|:))[A-Za-z][\w:/-]*[A-Za-z\d]")  # CSC-88012, gp:TWARD
LONG_NUMBER = re.compile(r"(?<![\w-])\d{5,}(?![\w-])")  # UPRNs and other reference numbers
NAME = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"  # Ward, O'Brien, Smith-Jones; not the 's of Ward's
INITIAL_NAME = re.compile(rf"\b([A-Z])\.?\s+({NAME})\b")
FULL_NAME = re.compile(rf"\b({NAME})\s+({NAME})\b")
WORD = re.compile(rf"\b{NAME}\b|\b[A-Z]{{2,}}\b")


class DateShiftError(ValueError):
    """A shift would move a date outside the calendar (years 1-9999)."""


def shift_date(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise DateShiftError(f"shifting {day.isoformat()} by {days} days leaves the calendar (years 1 to 9999); "
                             "choose a smaller --shift-dates") from None


def _year(text: str) -> int:
    digits = text.lstrip("'")
    if len(digits) == 4:
        return int(digits)
    pivot = dt.date.today().year % 100
    return (2000 if int(digits) <= pivot else 1900) + int(digits)


def _same_width(value: int, like: str) -> str:
    return str(value).zfill(len(like)) if len(like) > 1 else str(value)


class Scrubber:
    """Replaces what the store knows about people in free text; see the module docstring."""

    def __init__(self, *, people_swaps: dict[str, str], store_names: Iterable[str], known_ids: Callable[[set[str]], dict[str, str]],
                 shift_days: int, family_initials: dict[tuple[str, str], str]):
        self.shift_days = shift_days
        self.known_ids = known_ids
        ordered = sorted((k for k in people_swaps if k), key=len, reverse=True)
        self.people = re.compile(r"(?<![\w])(" + "|".join(re.escape(k) for k in ordered) + r")(?![\w])", re.IGNORECASE) if ordered else None
        self.people_lower = {k.lower(): v for k, v in people_swaps.items()}
        self.family_initials = family_initials  # (initial, family name) lower -> label
        self.families = {f for _, f in family_initials}
        self.store_names = {n.lower() for n in store_names if n and len(n) > 1}

    # -- dates -----------------------------------------------------------------------------------------
    def _shift(self, day: dt.date) -> dt.date:
        return shift_date(day, self.shift_days)

    def dates(self, text: str, hold=lambda value: value) -> str:
        def iso(m):
            try:
                return self._shift(dt.date(int(m[1]), int(m[2]), int(m[3]))).isoformat()
            except ValueError:
                return "[date]"

        def numeric(m):
            try:
                new = self._shift(dt.date(_year(m[4]), int(m[3]), int(m[1])))  # UK order: day, month, year
            except ValueError:
                return "[date]"
            year = str(new.year) if len(m[4]) == 4 else f"{new.year % 100:02d}"
            return f"{_same_width(new.day, m[1])}{m[2]}{_same_width(new.month, m[3])}{m[2]}{year}"

        def month_name(name: str, month: int) -> str:
            long = len(name.rstrip(".")) > 3 and name.lower() != "sept"
            text = calendar.month_name[month] if long else calendar.month_abbr[month]
            return text if name[:1].isupper() else text.lower()

        def day_month_year(m):
            try:
                new = self._shift(dt.date(_year(m[3]), MONTHS[m[2].lower().rstrip(".")], int(m[1])))
            except (ValueError, KeyError):
                return "[date]"
            year = str(new.year) if len(m[3].lstrip("'")) == 4 else f"{new.year % 100:02d}"
            return f"{new.day} {month_name(m[2], new.month)} {year}"

        def month_day_year(m):
            try:
                new = self._shift(dt.date(int(m[3]), MONTHS[m[1].lower().rstrip(".")], int(m[2])))
            except (ValueError, KeyError):
                return "[date]"
            return f"{month_name(m[1], new.month)} {new.day} {new.year}"

        def month_year(m):
            try:
                new = self._shift(dt.date(int(m[2]), MONTHS[m[1].lower().rstrip(".")], 15))
            except (ValueError, KeyError):
                return "[date]"
            return f"{month_name(m[1], new.month)} {new.year}"

        text = ISO.sub(lambda m: hold(iso(m)), text)
        text = NUMERIC.sub(lambda m: hold(numeric(m)), text)
        text = DAY_MONTH_YEAR.sub(lambda m: hold(day_month_year(m)), text)
        text = MONTH_DAY_YEAR.sub(lambda m: hold(month_day_year(m)), text)
        text = MONTH_YEAR.sub(lambda m: hold(month_year(m)), text)
        return DAY_MONTH.sub(lambda m: hold("[date]"), text)

    # -- the rest --------------------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        if not text:
            return text
        held: list[str] = []

        def hold(value: str) -> str:
            """Park a replacement behind a private-use mark, so later patterns can't match inside it."""
            held.append(value)
            return f"\ue000{chr(0xE100 + len(held) - 1)}\ue001"

        text = EMAIL.sub(lambda m: hold("[email]"), text)
        text = self.dates(text, hold)
        text = TEN_DIGITS.sub(lambda m: hold("[NHS number]" if nhs.is_valid(re.sub(r"\D", "", m.group(0))) else "[number]"), text)
        text = POSTCODE.sub(lambda m: hold("[postcode]"), text)
        text = STREET.sub(lambda m: hold("[address]"), text)
        text = self._identifiers(text, hold)  # before phones: CSC-88012 is a record id, not a phone number
        text = self._phones(text, hold)
        text = LONG_NUMBER.sub(lambda m: hold("[number]"), text)

        def initial(m):  # "K. Ward" is Kerry's label (not "K. Adult B"), or "[name]" for someone else
            pair = (m[1].lower(), m[2].lower())
            if pair in self.family_initials:
                return hold(self.family_initials[pair])
            return hold("[name]") if pair[1] in self.families or pair[1] in self.store_names else m.group(0)

        text = INITIAL_NAME.sub(initial, text)

        text = self._full_names(text, hold)
        if self.people is not None:
            text = self.people.sub(lambda m: hold(self.people_lower[m.group(0).lower()]), text)
        text = WORD.sub(lambda m: hold("[name]") if m.group(0).lower() in self.store_names else m.group(0), text)
        return re.sub("\ue000(.)\ue001", lambda m: held[ord(m[1]) - 0xE100], text)

    def _full_names(self, text: str, hold) -> str:
        """"Kerry Ward": her label if she is in the chronology, else [name] when the store knows both names.
        Pairs are tried word by word (not regex matches), so "Mum Kerry Ward" still finds "Kerry Ward"."""
        words = list(re.finditer(rf"\b{NAME}\b", text))
        out, position, i = [], 0, 0
        while i < len(words) - 1:
            a, b = words[i], words[i + 1]
            whole = f"{a.group(0)} {b.group(0)}".lower()
            if text[a.end():b.start()].isspace() and (whole in self.people_lower or (
                    a.group(0).lower() in self.store_names and b.group(0).lower() in self.store_names)):
                out += [text[position:a.start()], hold(self.people_lower.get(whole, "[name]"))]
                position, i = b.end(), i + 2
            else:
                i += 1
        return "".join(out) + text[position:]

    def _phones(self, text: str, hold) -> str:
        spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)]
        for start, end in reversed(spans):
            text = text[:start] + hold("[phone]") + text[end:]
        return text

    def _identifiers(self, text: str, hold) -> str:
        labels = {}
        candidates = {m.group(0) for m in IDENTIFIER.finditer(text)} | set(re.findall(r"[\w:/-]+", text))
        candidates = {c for c in candidates if not (c.startswith("[") or c.lower() in ("child", "adult", "record", "event"))}
        if candidates:
            labels = self.known_ids(candidates)
        def swap(m):
            return hold(labels.get(m.group(0)) or "[id]")
        text = IDENTIFIER.sub(swap, text)
        if labels:  # also numbers and word-like ids the store holds (a UPRN, an address id like A-WARD)  # ids the store holds that look like words (an address id like A-WARD)
            pattern = re.compile(r"(?<![\w:/-])(" + "|".join(re.escape(k) for k in sorted(labels, key=len, reverse=True)) + r")(?![\w:/-])")
            text = pattern.sub(lambda m: hold(labels[m.group(0)]), text)
        return text
