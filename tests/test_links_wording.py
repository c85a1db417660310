"""Explanations a social worker reads once (issue 11, item 6): people and agencies by name, flags in plain
English, no word said twice in a row, probabilities as computed, linked records named as such."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from graphcase import load_bundle
from graphcase.catalogue import wording
from graphcase.catalogue.findings import run_catalogue
from graphcase.stores.ladybug import LadybugStore

from .conftest import AS_OF, ROOT

SAMPLE = ROOT / "fixtures" / "sample"


@pytest.fixture(scope="module")
def sample_findings(sample_db_path):
    store = LadybugStore(sample_db_path, read_only=True)
    try:
        return run_catalogue(store, AS_OF).findings
    finally:
        store.close()


def _ids(name):
    with open(SAMPLE / name, newline="") as fh:
        return {row["id"] for row in csv.DictReader(fh)}


def test_explanations_name_people_and_agencies_not_ids(sample_findings):
    person_ids, agency_ids = _ids("people.csv"), _ids("agencies.csv")
    assert sample_findings
    for f in sample_findings:
        words = set(re.findall(r"[\w:.-]+", f.explanation))
        assert not words & person_ids, (f.explanation, words & person_ids)
        assert not {w.strip(".") for w in words} & agency_ids, f.explanation  # 'probation (probation)' is gone
        assert not re.search(r"\b(\w+) \1\b", f.explanation, re.IGNORECASE), f.explanation  # no word twice in a row
        assert "_" not in f.explanation and "da perpetrator" not in f.explanation


def test_the_mothers_partner_is_named_through_the_mother(sample_findings):
    [tyler] = [f for f in sample_findings if f.pattern == "risky_adult_unseen_child" and "gp:TWARD" in f.children]
    assert tyler.explanation.startswith(
        "Dean Platt, known to Northshire Police since June 2019 and Probation Service (Northshire) since February 2025, "
        "recorded as violent and a domestic-abuse perpetrator, has been the partner of Kerry Ward, Tyler's mother, since October 2024")
    [aisha] = [f for f in sample_findings if f.pattern == "risky_adult_unseen_child" and "Aisha" in f.explanation]
    assert "managed under MAPPA and recorded as a sex offender" in aisha.explanation


def test_agency_names_in_every_pattern(sample_findings):
    texts = {f.pattern: f.explanation for f in sample_findings}
    assert "Northshire Police (record POL-INC-93570) attended" in texts["domestic_abuse_child_not_told"]
    assert texts["referral_without_feedback"].startswith("Oak Lane Primary School referred")
    assert "to Northshire Children's Social Care on 1 October 2025" in texts["referral_without_feedback"]
    assert "Northshire Children's Social Care has known Mia Brown since March 2023" in texts["hidden_men"]


@pytest.mark.parametrize("p, shown", [(0.999998, "0.999998"), (0.99999, "0.99999"), (0.97, "0.97"),
                                      (0.99999999, "0.99999999"), (1.0, "1")])
def test_probabilities_are_shown_as_computed(p, shown):
    assert wording.probability(p) == shown


def test_hidden_men_says_which_csc_gap(tmp_path):
    """Issue 11 item 2: a man absent from CSC's record of the child's household is said to be absent from it
    (though CSC knows him elsewhere); with no household record, CSC 'has no record of him'."""
    store = LadybugStore(tmp_path / "s.db")
    try:
        load_bundle(store, ROOT / "fixtures" / "scenarios" / "csc_household_partner", today=dt.date(2025, 2, 1))
        found = {f.pattern: f for f in run_catalogue(store, dt.date(2025, 2, 1), ["hidden_men", "risky_adult_unseen_child"]).findings}
    finally:
        store.close()
    hidden = found["hidden_men"].explanation
    assert hidden.endswith("(record CSC-5201), but its record of Jayden's household does not include him, "
                           "although it has a record of him elsewhere."), hidden
    risky = found["risky_adult_unseen_child"].explanation
    assert risky.endswith("Children's social care knows Jayden Price, but its record of Jayden's household "
                          "does not include Craig Foster."), risky
    no_household = {"csc_status": "adult_absent", "csc_household_size": 0}
    assert wording.csc_gap(no_household, "Mia Brown", "him", "has") == "has no record of him"
    assert wording.csc_gap({"csc_status": "child_unknown"}, "Mia Brown", "him") == "Mia Brown has no record with children's social care"
