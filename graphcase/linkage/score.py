"""Score a few record pairs in Python from the Splink model's own parameters: no DuckDB round trip.

Splink scores a pair by evaluating each comparison's levels (SQL conditions, first true wins), adding the
level's match weight log2(m/u), a term-frequency adjustment on a level that has one, and the prior
log2(λ/(1-λ)). :class:`PairScorer` does the same: it reads the levels, weights and prior from the linker's
settings (so a trained model is scored as trained), and turns each level's SQL condition into a Python
test with the functions DuckDB's SQL uses (Jaro-Winkler and Levenshtein from rapidfuzz, the same
algorithms). A condition it does not recognise makes :func:`PairScorer.from_linker` return None and the
caller falls back to Splink's ``score_pairs``; tests/test_direct_score.py checks both give the same match
weight, level by level, on many pairs, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import JaroWinkler, Levenshtein

Record = Mapping[str, object]
Test = Callable[[Record, Record], bool]

_COL = r'"?(\w+)_l"?'
_COR = r'"?(\w+)_r"?'
_NUM = r"([0-9.eE+-]+)"


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _regex_extract(value, pattern: re.Pattern) -> str | None:
    """DuckDB's NULLIF(regexp_extract(v, re, 0), ''): the first match anywhere, NULL when none."""
    found = pattern.search(value) if isinstance(value, str) else None
    return found.group(0) or None if found else None


def _both(test: Callable[[str, str], bool], left: str, right: str) -> Test:
    def run(l: Record, r: Record) -> bool:
        a, b = _text(l.get(left)), _text(r.get(right))
        return a is not None and b is not None and test(a, b)
    return run


# Each SQL condition Splink writes for the person model (settings.py), as a pattern and the Python test
# it means. SQL's NULL makes a comparison false, so every test is false when a value it reads is missing.
def _exact(m):
    return _both(lambda a, b: a == b, m[1], m[2]) if m[1] == m[2] else None


def _swapped(m):
    """a_l = b_r AND a_r = b_l: two columns recorded the wrong way round."""
    a, b = m[1], m[2]
    if (m[3], m[4]) != (a, b):
        return None
    first, second = _both(lambda x, y: x == y, a, b), _both(lambda x, y: x == y, b, a)
    return lambda l, r: first(l, r) and second(l, r)


def _jaro_winkler(m):
    threshold = float(m[3])
    return _both(lambda a, b: JaroWinkler.similarity(a, b) >= threshold, m[1], m[2]) if m[1] == m[2] else None


def _levenshtein(m):
    limit = float(m[3])
    return _both(lambda a, b: Levenshtein.distance(a, b) <= limit, m[1], m[2]) if m[1] == m[2] else None


def _prefix(m):
    column, start, length = m[1], int(m[2]), int(m[3])
    if (m[4], int(m[5]), int(m[6])) != (column, start, length):
        return None
    span = slice(start - 1, start - 1 + length)  # SQL substr counts from 1
    return _both(lambda a, b: a[span] == b[span], column, column)


def _date_within(m):
    if m[1] != m[3] or m[2] != m[4]:
        return None
    column, fmt, seconds = m[1], m[2], float(m[5])

    def run(l: Record, r: Record) -> bool:
        try:
            a, b = dt.datetime.strptime(l.get(column), fmt), dt.datetime.strptime(r.get(column), fmt)
        except (TypeError, ValueError):  # try_strptime: NULL on a value that is not a date
            return False
        return abs((a - b).total_seconds()) <= seconds
    return run


def _regex_equal(m):
    if m[1] != m[3] or m[2] != m[4]:
        return None
    column, pattern = m[1], re.compile(m[2])

    def run(l: Record, r: Record) -> bool:
        a, b = _regex_extract(l.get(column), pattern), _regex_extract(r.get(column), pattern)
        return a is not None and b is not None and a == b
    return run


PATTERNS: list[tuple[re.Pattern, Callable]] = [
    (re.compile(rf"^{_COL} = {_COR}$"), _exact),
    (re.compile(rf"^{_COL} = {_COR} AND {_COR} = {_COL}$"), _swapped),
    (re.compile(rf"^jaro_winkler_similarity\({_COL}, {_COR}\) >= {_NUM}$"), _jaro_winkler),
    (re.compile(rf"^levenshtein\({_COL}, {_COR}\) <= {_NUM}$"), _levenshtein),
    (re.compile(r"^substr\(" + _COL + r", (\d+), (\d+)\) = substr\(" + _COR + r", (\d+), (\d+)\)$"),
     lambda m: _prefix((None, m[1], m[2], m[3], m[4], m[5], m[6]))),
    (re.compile(r"^ABS\(EPOCH\(try_strptime\(" + _COL + r", '([^']+)'\)\) - EPOCH\(try_strptime\(" + _COR
                + r", '([^']+)'\)\)\) <= " + _NUM + "$"), _date_within),
    (re.compile(r"^NULLIF\(regexp_extract\(" + _COL + r", '([^']+)', 0\), ''\) = NULLIF\(regexp_extract\(" + _COR
                + r", '([^']+)', 0\), ''\)$"), _regex_equal),
    (re.compile(r"^substr\((\w+)_l, 1, 4\) = substr\((\w+)_r, 1, 4\) AND substr\((\w+)_l, 6, 2\) = substr\((\w+)_r, 9, 2\) "
                r"AND substr\((\w+)_l, 9, 2\) = substr\((\w+)_r, 6, 2\)$"),
     lambda m: _transposed_cols([m[i] for i in range(1, 7)])),
]


def _transposed_cols(columns: list[str]):
    if len(set(columns)) != 1:
        return None
    column = columns[0]
    return _both(lambda a, b: a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7], column, column)


def condition_test(sql: str) -> Test | None:
    """The Python test for one level's SQL condition, or None when it is not one this module knows."""
    sql = " ".join(sql.split())
    for pattern, make in PATTERNS:
        found = pattern.match(sql)
        if found:
            return make(found)
    return None


@dataclass(frozen=True)
class Level:
    gamma: int
    label: str
    test: Test | None  # None: the null level (its own test below) or the else level
    weight: float  # log2(m/u), as Splink's level._match_weight
    tf_column: str | None  # term-frequency adjusted on this column
    tf_weight: float
    tf_min_u: float
    log2_u_exact: float


@dataclass(frozen=True)
class Comparison:
    name: str
    null_columns: tuple[str, ...]
    levels: tuple[Level, ...]
    columns: tuple[str, ...]  # every column its levels read: its level depends on these values only


@dataclass(frozen=True)
class Scored:
    match_weight: float
    match_probability: float
    gammas: dict[str, int]
    weights: dict[str, float]  # each comparison's weight with its term-frequency adjustment


@dataclass
class CodedColumns:
    """Each column of a frame as integer codes (-1: missing) and the distinct values they stand for."""

    codes: dict[str, np.ndarray]
    values: dict[str, list]

    @classmethod
    def of(cls, frame) -> CodedColumns:
        import pandas as pd

        codes, values = {}, {}
        for column in frame.columns:
            code, uniques = pd.factorize(frame[column], use_na_sentinel=True)
            codes[column], values[column] = code.astype(np.int64), list(uniques)
        return cls(codes, values)

    def value(self, column: str, position: int):
        code = self.codes[column][position]
        return None if code < 0 else self.values[column][code]


def _null_columns(sql: str) -> tuple[str, ...] | None:
    found = re.fullmatch(rf"{_COL} IS NULL OR {_COR} IS NULL", " ".join(sql.split()))
    return (found[1],) if found and found[1] == found[2] else None


class PairScorer:
    """The model of one linker, scoring a left record against right records (dicts of Splink's columns)."""

    def __init__(self, comparisons: list[Comparison], prior: float, tf: dict[str, dict[str, float]]):
        self.comparisons = comparisons
        self.prior_weight = math.log2(prior / (1 - prior))
        self.tf = tf

    @classmethod
    def from_linker(cls, linker, people) -> PairScorer | None:
        """From ``linker``'s settings, with term frequencies of ``people`` (the linker's input frame), or
        None when a level's condition or weight is one this module cannot evaluate as Splink does."""
        settings = linker._settings_obj
        comparisons, tf_columns = [], set()
        for comparison in settings.comparisons:
            levels, null_columns, read = [], None, set()
            for level in comparison.comparison_levels:
                sql = level.sql_condition
                read.update(re.findall(r"(\w+)_[lr]\b", sql))
                if level.is_null_level:
                    null_columns = _null_columns(sql)
                    if null_columns is None:
                        return None
                    continue
                test = None if level._is_else_level else condition_test(sql)
                if (test is None and not level._is_else_level) or level._match_weight is None:
                    return None
                tf_column, tf_weight, tf_min_u, log2_u = None, 0.0, 0.0, 0.0
                if level._has_tf_adjustments and level._tf_adjustment_weight != 0 and not level._is_else_level:
                    tf_column = level._tf_adjustment_input_column.unquote().name
                    tf_weight, tf_min_u = float(level._tf_adjustment_weight), float(level._tf_minimum_u_value)
                    log2_u = math.log2(level._u_probability_corresponding_to_exact_match(comparison.comparison_levels))
                    tf_columns.add(tf_column)
                    read.add(tf_column)
                levels.append(Level(level.comparison_vector_value, level.label_for_charts, test, float(level._match_weight),
                                    tf_column, tf_weight, tf_min_u, log2_u))
            if null_columns is None:
                return None
            comparisons.append(Comparison(comparison.output_column_name, null_columns, tuple(levels), tuple(sorted(read))))
        tf = {}
        for column in tf_columns:  # Splink's tf table: count of the value / count of non-null values
            counts = people[column].dropna().value_counts()
            tf[column] = (counts / counts.sum()).astype(float).to_dict()
        return cls(comparisons, settings.core_model_settings.probability_two_random_records_match, tf)

    def level_of(self, comparison: Comparison, left: Record, right: Record) -> tuple[Level | None, float]:
        """The level the pair falls in (None: a value is missing, weight 0) and its weight with any tf adjustment."""
        if any(left.get(c) is None or right.get(c) is None for c in comparison.null_columns):
            return None, 0.0
        for level in comparison.levels:
            if level.test is None or level.test(left, right):
                weight = level.weight
                if level.tf_column is not None:
                    table = self.tf[level.tf_column]
                    found = [v for v in (table.get(left.get(level.tf_column)), table.get(right.get(level.tf_column))) if v is not None]
                    if found:
                        weight += level.tf_weight * (level.log2_u_exact - math.log2(max(*found, level.tf_min_u)))
                return level, weight
        raise AssertionError(f"{comparison.name}: no else level")  # Splink always ends a comparison with one

    def match_weights(self, left: Record, coded: CodedColumns, positions: list[int]) -> np.ndarray:
        """The match weight of ``left`` against the record at each of ``positions``. Each comparison's weight
        is worked out once per distinct set of the values it reads (a county repeats names, dates and
        postcodes: a common surname's thousands of candidates have a few hundred distinct names), then spread
        with numpy, and added in the same order as :meth:`score`, so the totals are the same floats."""
        at = np.asarray(positions, dtype=np.int64)
        totals = np.full(len(at), self.prior_weight)
        for comparison in self.comparisons:
            if any(left.get(c) is None for c in comparison.null_columns):
                continue  # the query lacks it: the null level, weight 0, for every candidate
            key = np.zeros(len(at), dtype=np.int64)
            for column in comparison.columns:  # one integer per distinct combination of the columns' values
                key = key * (len(coded.values[column]) + 1) + coded.codes[column][at] + 1
            distinct, first, spread = np.unique(key, return_index=True, return_inverse=True)
            weights = np.empty(len(distinct))
            for j, i in enumerate(first):
                right = {c: coded.value(c, at[i]) for c in comparison.columns}
                weights[j] = self.level_of(comparison, left, right)[1]
            totals += weights[spread.reshape(-1)]
        return totals

    def score(self, left: Record, right: Record) -> Scored:
        gammas, weights = {}, {}
        total = self.prior_weight
        for comparison in self.comparisons:
            level, weight = self.level_of(comparison, left, right)
            gammas[comparison.name] = -1 if level is None else level.gamma
            weights[comparison.name] = weight
            total += weight
        probability = 1.0 / (1.0 + 2.0 ** -total) if total >= 0 else 2.0 ** total / (1.0 + 2.0 ** total)
        return Scored(total, probability, gammas, weights)
