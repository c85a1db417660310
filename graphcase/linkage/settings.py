"""The Splink model of a person record: columns, blocking rules, comparisons and their prior m/u values.

Engine-free: nothing here names DuckDB. Column names are the ones :func:`graphcase.linkage.records.person_frame`
produces (one row per Person record):

    unique_id, given_name, family_name, dob ('YYYY-MM-DD' text), sex, nhs_number, postcode, surname_soundex

Every comparison level carries a *prior* m and u probability. Training (``train.py``) replaces them where
the data can estimate them; a level the data never shows keeps its prior, and a store too small to train
on (the sample bundle: 16 records) is scored with the priors alone. The priors are stated, not hidden:
m = share of true matches that fall in the level, u = share of non-matches that do.
"""

from __future__ import annotations

from collections.abc import Sequence

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, SettingsCreator, block_on

PERSON_COLUMNS = ("unique_id", "given_name", "family_name", "dob", "sex", "nhs_number", "postcode", "surname_soundex")

# Levels that say "this is a transposed day and month": 1990-04-03 against 1990-03-04.
DOB_TRANSPOSED_SQL = (
    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
    "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
    "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
)
POSTCODE_SECTOR_REGEX = "^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? [0-9]"
POSTCODE_DISTRICT_REGEX = "^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?"


def _level(creator, label: str, m: float, u: float):
    return creator.configure(label_for_charts=label, m_probability=m, u_probability=u)


def name_comparison(column: str, other_name: str, *, exact_m: float, exact_u: float) -> cl.CustomComparison:
    """Null / exact (term-frequency adjusted: 'Smith' says less than 'Okafor') / swapped with the other name
    column (given and family name recorded the wrong way round) / Jaro-Winkler 0.92, 0.88 / same first three
    letters (a short form: Kate, Katherine) / Jaro-Winkler 0.70 / else."""
    swapped = f"{column}_l = {other_name}_r AND {column}_r = {other_name}_l"
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            _level(cll.ExactMatchLevel(column).configure(tf_adjustment_column=column), "exact", exact_m, exact_u),
            _level(cll.CustomLevel(swapped), f"swapped with {other_name}", 0.02, 0.0002),
            _level(cll.JaroWinklerLevel(column, 0.92), "Jaro-Winkler >= 0.92", 0.08, 0.002),
            _level(cll.JaroWinklerLevel(column, 0.88), "Jaro-Winkler >= 0.88", 0.04, 0.002),
            _level(cll.CustomLevel(f"substr({column}_l, 1, 3) = substr({column}_r, 1, 3)"), "same first three letters", 0.05, 0.01),
            _level(cll.JaroWinklerLevel(column, 0.70), "Jaro-Winkler >= 0.70", 0.05, 0.04),
            _level(cll.ElseLevel(), "different", 0.02, 0.95),
        ],
        output_column_name=column,
        comparison_description=f"{column}: exact with term frequencies, then Jaro-Winkler",
    )


def dob_comparison() -> cl.CustomComparison:
    """Null / exact / day and month transposed / one typo / within a year / else (dob as ISO text)."""
    return cl.CustomComparison(
        [
            cll.NullLevel("dob"),
            _level(cll.ExactMatchLevel("dob"), "exact", 0.85, 0.0001),
            _level(cll.CustomLevel(DOB_TRANSPOSED_SQL), "day and month transposed", 0.03, 0.00001),
            _level(cll.LevenshteinLevel("dob", 1), "one character different", 0.06, 0.002),
            _level(
                cll.AbsoluteDateDifferenceLevel("dob", input_is_string=True, threshold=1, metric="year"),
                "within a year",
                0.03,
                0.03,
            ),
            _level(cll.ElseLevel(), "different", 0.03, 0.968),
        ],
        output_column_name="dob",
        comparison_description="date of birth, allowing transposed day/month and one typo",
    )


def postcode_comparison() -> cl.CustomComparison:
    sector = ColumnExpression("postcode").regex_extract(POSTCODE_SECTOR_REGEX)
    district = ColumnExpression("postcode").regex_extract(POSTCODE_DISTRICT_REGEX)
    return cl.CustomComparison(
        [
            cll.NullLevel("postcode"),
            # m: about one person in ten moves each year (ONS), and agencies record an address years
            # apart, so a true match disagrees on postcode about a third of the time.
            _level(cll.ExactMatchLevel("postcode"), "exact", 0.60, 0.001),
            _level(cll.ExactMatchLevel(sector), "same sector", 0.05, 0.005),
            _level(cll.ExactMatchLevel(district), "same district", 0.05, 0.03),
            _level(cll.ElseLevel(), "different", 0.30, 0.964),
        ],
        output_column_name="postcode",
        comparison_description="current postcode: exact, sector, district",
    )


def exact_comparison(column: str, *, m: float, u: float) -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            _level(cll.ExactMatchLevel(column), "exact", m, u),
            _level(cll.ElseLevel(), "different", 1 - m, 1 - u),
        ],
        output_column_name=column,
        comparison_description=f"{column}: exact",
    )


def person_comparisons() -> list:
    return [
        name_comparison("given_name", "family_name", exact_m=0.80, exact_u=0.01),
        name_comparison("family_name", "given_name", exact_m=0.85, exact_u=0.005),
        dob_comparison(),
        postcode_comparison(),
        exact_comparison("sex", m=0.97, u=0.5),
        exact_comparison("nhs_number", m=0.97, u=0.00001),
    ]


# Given and family name recorded the wrong way round (block_on only compares a column with itself).
NAMES_SWAPPED_RULE = "l.given_name = r.family_name AND l.family_name = r.given_name"


WIDE_BLOCKING_MAX_RECORDS = 200_000


def prediction_blocking_rules(record_count: int | None = None) -> list:
    """Pairs are scored only when they share one of these. Together they let through a duplicate with a
    typo in any one field, a transposed dob, a moved address or a missing NHS number. Each rule is sized for
    a 1M-record county with register-like name frequencies (pairs it generates there): dob + initial ~1M,
    dob + soundex ~0.1M, given and family name + decade of birth ~1.5M, soundex + year of birth + initial
    ~4M, postcode + initial ~1M, the rest under 0.2M. (dob alone would be 17M, names alone 10M.)

    Up to ``WIDE_BLOCKING_MAX_RECORDS`` records (``record_count``), where every pair sharing a dob or a
    full name is affordable (a 200k store: ~0.7M and ~0.4M pairs), those wide rules are added too: they
    catch a duplicate whose given name changed completely (a nickname, a different initial)."""
    wide = [block_on("dob"), block_on("given_name", "family_name")]
    if record_count is None or record_count > WIDE_BLOCKING_MAX_RECORDS:
        wide = []
    return [
        *wide,
        block_on("dob", "substr(given_name, 1, 1)"),
        block_on("dob", "surname_soundex"),
        block_on("nhs_number"),
        block_on("postcode", "substr(given_name, 1, 1)"),
        block_on("surname_soundex", "substr(dob, 1, 4)", "substr(given_name, 1, 1)"),
        block_on("given_name", "family_name", "substr(dob, 1, 3)"),
        block_on("surname_soundex", "substr(given_name, 1, 2)", "postcode"),
        NAMES_SWAPPED_RULE,
    ]


DOB_TRANSPOSED_RULE = (
    "substr(l.dob, 1, 4) = substr(r.dob, 1, 4) AND substr(l.dob, 6, 2) = substr(r.dob, 9, 2) "
    "AND substr(l.dob, 9, 2) = substr(r.dob, 6, 2)"
)


def unlinked_blocking_rules() -> list[str]:
    """The pairs the catalogue's sweep scores for ``same_person_twice`` (``unlinked.py``): records of
    different agencies sharing a sound-alike family name and a date of birth (a spelling variant, a nickname),
    or the same with day and month swapped, or an NHS number, or both names and the year of birth (a typo in
    the date). Tighter than ``prediction_blocking_rules`` because the sweep runs every time findings are
    asked for: on the 100k synthetic county they give about 9,000 pairs (dob + soundex 3,100, transposed
    1,000, NHS 26, names + year 5,300), where dob + initial alone would add 17,000 and soundex + year +
    initial 54,000. A duplicate whose family name changed sound and whose dob differs is left to
    ``link-records``, which blocks more widely."""
    rules = [
        "l.dob = r.dob AND l.surname_soundex = r.surname_soundex",
        f"{DOB_TRANSPOSED_RULE} AND l.surname_soundex = r.surname_soundex",
        "l.nhs_number = r.nhs_number",
        "l.given_name = r.given_name AND l.family_name = r.family_name AND substr(l.dob, 1, 4) = substr(r.dob, 1, 4)",
    ]
    return [f"l.source_agency <> r.source_agency AND {rule}" for rule in rules]


def training_blocking_rules() -> list:
    """EM sessions: each rule trains the comparisons it does not block on; together they cover all."""
    return [block_on("dob"), block_on("given_name", "family_name"), block_on("postcode")]


# Near-certain matches, each with the comparisons it decides on (and so cannot teach).
DETERMINISTIC_RULE_COLUMNS = (("nhs_number",), ("given_name", "family_name", "dob"))


def deterministic_rules() -> list:
    """Near-certain matches, used to estimate how often two random records are the same person, and as
    labels for the m values of the comparisons each rule does not decide on (``train.py``)."""
    return [block_on(*columns) for columns in DETERMINISTIC_RULE_COLUMNS]


def person_settings(
    *,
    link_type: str = "dedupe_only",
    probability_two_random_records_match: float = 1e-4,
    extra_comparisons: Sequence = (),
    blocking_rules: Sequence | None = None,
    record_count: int | None = None,
) -> SettingsCreator:
    """The settings for linking person records; ``extra_comparisons`` lets a benchmark add columns its data
    has (FEBRL's street and suburb) without changing the person model. ``record_count`` sizes the blocking."""
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[*person_comparisons(), *extra_comparisons],
        blocking_rules_to_generate_predictions=list(blocking_rules or prediction_blocking_rules(record_count)),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
