"""Bundle format additions (issue 11, item 8): MAPPA level and category; involvement `present`; CSC household
composition (csc_households.csv); referral outcome and outcome date; a residence known only by the source
agency's own record id. Each is validated with file/row/field errors, loaded into the store (a re-load changes
nothing), and used: in wording, in the link patterns, in the chronology and the map."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from graphcase.catalogue.findings import run_catalogue
from graphcase.history import build_history, render_history
from graphcase.history.pseudonymise import Pseudonymiser
from graphcase.ingest.bundle import read_bundle
from graphcase.ingest.load import load_bundle
from graphcase.ingest.validate import validate_bundle
from graphcase.maps.extract import Window, ego_graph
from graphcase.stores.ladybug import LadybugStore

from .conftest import ROOT

FATHER = ROOT / "fixtures" / "scenarios" / "father_several_households"
AS_OF = dt.date(2025, 8, 1)
TODAY = dt.date(2026, 1, 1)


def _bundle(tmp_path: Path, base: Path | None = None, **files: str) -> Path:
    """A bundle folder: the CSV files of ``base`` (README and expected.yaml left out), then ``files``
    (name -> CSV text) written over or beside them; a value of None removes that file."""
    folder = tmp_path / "bundle"
    folder.mkdir()
    if base:
        for f in base.glob("*.csv"):
            shutil.copy(f, folder / f.name)
    for name, text in files.items():
        path = folder / f"{name}.csv"
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text.strip() + "\n", encoding="utf-8")
    return folder


def _rejects(folder: Path) -> list[tuple[str, int | None, str | None, str]]:
    validated = validate_bundle(read_bundle(folder), today=TODAY)
    return [(r.file, r.row, r.field, r.reason) for r in validated.rejects]


def _load(folder: Path, db: Path):
    store = LadybugStore(db)
    try:
        report = load_bundle(store, folder, today=TODAY)
    finally:
        store.close()
    return report


def _rows(db: Path, cypher: str, params: dict | None = None) -> list[list]:
    store = LadybugStore(db, read_only=True)
    try:
        return [list(r) for r in store.query(cypher, params or {}).rows]
    finally:
        store.close()


def _findings(db: Path, as_of=AS_OF, patterns=None):
    store = LadybugStore(db, read_only=True)
    try:
        return run_catalogue(store, as_of, patterns=patterns).findings
    finally:
        store.close()


def _father_records(extra: str = "", darren_flags: str = "mappa;violence") -> str:
    return (FATHER / "agency_records.csv").read_text().replace(
        "probation:DCOLE,probation,PR-2001,2024-01-08,,mappa;violence,probation,PR-2001",
        f"probation:DCOLE,probation,PR-2001,2024-01-08,,{darren_flags},probation,PR-2001") + extra


# ---- MAPPA level and category -------------------------------------------------------------------------

MAPPA_RECORDS = """
person_id,agency_id,record_id,since,until,flags,mappa_level,mappa_category,source_agency,source_record
probation:DCOLE,probation,PR-2001,2024-01-08,,mappa;violence,2,1,probation,PR-2001
gp:ACOLE,gp,GP-5101,2019-02-17,,,,,gp,GP-5101
gp:ACOLE,school,SCH-881,2023-09-04,,,,,school,SCH-881
gp:ACOLE,csc,CSC-3120,2024-02-01,,cin,,,csc,CSC-3120
hv:FGRANT,hv,HV-6201,2025-03-06,,,,,hv,HV-6201
police:PWEBB,hv,HV-6190,2022-06-02,,,,,hv,HV-6190
gp:LDAY,gp,GP-5301,2016-06-06,,,,,gp,GP-5301
"""


def test_mappa_level_and_category_are_validated(tmp_path):
    bad = MAPPA_RECORDS.strip() + "\n" + "\n".join([
        "gp:SMILLS,gp,GP-5100,2017-01-01,,,2,,gp,GP-5100",  # a level without the mappa flag
        "gp:MDAY,gp,GP-5300,2015-01-01,,mappa,4,,gp,GP-5300",  # there is no level 4
        "hv:HGRANT,hv,HV-6200,2023-01-01,,mappa,1,5,hv,HV-6200",  # nor a category 5
    ])
    rejects = _rejects(_bundle(tmp_path, FATHER, agency_records=bad))
    assert ("agency_records.csv", 9, "mappa_level", "needs the mappa flag in flags on the same row") in rejects
    assert ("agency_records.csv", 10, "mappa_level", "not one of: 1, 2, 3") in rejects
    assert ("agency_records.csv", 11, "mappa_category", "not one of: 1, 2, 3, 4") in rejects
    assert len(rejects) == 3


def test_mappa_level_is_loaded_and_worded(tmp_path):
    db = tmp_path / "g.db"
    folder = _bundle(tmp_path, FATHER, agency_records=MAPPA_RECORDS)
    report = _load(folder, db)
    assert not report.rejects
    assert _rows(db, "MATCH (:Person {id: 'probation:DCOLE'})-[k:KNOWN_TO]->() RETURN k.mappa_level, k.mappa_category") == [["2", "1"]]
    assert sum(c["new"] + c["updated"] for c in _load(folder, db).written.values()) == 0  # a re-load changes nothing
    [freddie] = [f for f in _findings(db, patterns=["risky_adult_unseen_child"]) if "hv:FGRANT" in f.children]
    assert "managed under MAPPA level 2 (category 1) and recorded as violent" in freddie.explanation


def test_mappa_without_level_keeps_the_old_words(tmp_path):
    db = tmp_path / "g.db"
    _load(_bundle(tmp_path, FATHER), db)
    [freddie] = [f for f in _findings(db, patterns=["risky_adult_unseen_child"]) if "hv:FGRANT" in f.children]
    assert "managed under MAPPA and recorded as violent" in freddie.explanation


def test_a_store_made_before_the_new_columns_gets_them(tmp_path):
    """An older store lacks the new columns: opening it for a load adds them (empty), and the load lands."""
    db = tmp_path / "g.db"
    _load(_bundle(tmp_path, FATHER), db)
    store = LadybugStore(db)
    try:
        store.write_all([("ALTER TABLE KNOWN_TO DROP mappa_level", None), ("ALTER TABLE KNOWN_TO DROP mappa_category", None)])
    finally:
        store.close()
    (tmp_path / "bundle").rename(tmp_path / "old")
    report = _load(_bundle(tmp_path, FATHER, agency_records=MAPPA_RECORDS), db)
    assert report.applied and not report.rejects
    assert _rows(db, "MATCH (:Person {id: 'probation:DCOLE'})-[k:KNOWN_TO]->() RETURN k.mappa_level") == [["2"]]


# ---- involvement `present` ----------------------------------------------------------------------------

DA_AGENCIES = """
id,name,kind,source_agency,source_record
police,Westby Police,police,police,ORG-POL
school,Hill Primary,education,school,ORG-SCH
"""
DA_PEOPLE = """
id,role,given_name,family_name,dob,sex,nhs_number,source_agency,source_record
school:MAYA,child,Maya,Lee,2016-04-04,female,,school,SCH-1
school:OMAR,child,Omar,Lee,2014-02-02,male,,school,SCH-2
police:DAD,adult,Ray,Lee,1985-01-01,male,,police,POL-P1
"""
DA_ADDRESSES = """
id,postcode,uprn,source_agency,source_record
A-HOME,WB1 1AA,,school,SCH-A1
A-DAD,WB9 9ZZ,,police,POL-A2
"""
DA_RESIDENCES = """
person_id,address_id,from_date,to_date,source_agency,source_record
school:MAYA,A-HOME,2016-04-04,,school,SCH-1
school:OMAR,A-HOME,2014-02-02,,school,SCH-2
police:DAD,A-DAD,2020-01-01,,police,POL-P1
"""
DA_RECORDS = """
person_id,agency_id,record_id,since,until,flags,source_agency,source_record
school:MAYA,school,SCH-1,2020-09-01,,,school,SCH-1
school:OMAR,school,SCH-2,2018-09-01,,,school,SCH-2
"""
DA_EVENTS = """
id,kind,date,summary,outcome,recorded_by,address_id,source_agency,source_record
E-DA1,domestic_abuse_incident,2025-05-06,Call-out at the father's flat during contact,,police,A-DAD,police,POL-INC-1
"""


def _da_bundle(tmp_path, involvement_rows: str) -> Path:
    return _bundle(tmp_path, agencies=DA_AGENCIES, people=DA_PEOPLE, addresses=DA_ADDRESSES, residences=DA_RESIDENCES,
                   agency_records=DA_RECORDS, events=DA_EVENTS,
                   event_people="event_id,person_id,involvement,source_agency,source_record\n" + involvement_rows)


def test_present_is_an_involvement_and_a_misspelling_is_not(tmp_path):
    rejects = _rejects(_da_bundle(tmp_path, "E-DA1,school:MAYA,present,police,POL-INC-1\nE-DA1,school:OMAR,presnt,police,POL-INC-1"))
    assert len(rejects) == 1 and rejects[0][:3] == ("event_people.csv", 3, "involvement")
    assert "present" in rejects[0][3]


def test_a_child_present_at_an_incident_away_from_home_is_reported(tmp_path):
    """Maya was present at her father's flat; she does not live there. Omar, named only as a witness, is not
    reported: the incident was not at his home and he is not recorded present."""
    db = tmp_path / "g.db"
    report = _load(_da_bundle(tmp_path, "E-DA1,police:DAD,alleged_perpetrator,police,POL-INC-1\n"
                                        "E-DA1,school:MAYA,present,police,POL-INC-1\n"
                                        "E-DA1,school:OMAR,witness,police,POL-INC-1"), db)
    assert not report.rejects
    found = _findings(db, as_of=dt.date(2025, 6, 1), patterns=["domestic_abuse_child_not_told"])
    assert [f.children for f in found] == [["school:MAYA"]]
    assert [e["child_present"] for e in found[0].evidence] == [True]
    assert "Maya Lee was present" in found[0].explanation and "WB9 9ZZ" in found[0].explanation
    assert "Hill Primary" in found[0].explanation


def test_without_present_the_child_away_from_home_is_not_reported(tmp_path):
    db = tmp_path / "g.db"
    _load(_da_bundle(tmp_path, "E-DA1,school:MAYA,witness,police,POL-INC-1"), db)
    assert _findings(db, as_of=dt.date(2025, 6, 1), patterns=["domestic_abuse_child_not_told"]) == []


# ---- CSC household composition ------------------------------------------------------------------------

def test_csc_household_rows_are_validated(tmp_path):
    rows = """
child_id,member_id,from_date,to_date,source_agency,source_record
gp:ACOLE,gp:SMILLS,2024-02-01,,csc,CSC-3120
gp:ACOLE,gp:ACOLE,2024-02-01,,csc,CSC-3120
gp:ACOLE,gp:NOBODY,2024-02-01,,csc,CSC-3120
gp:ACOLE,probation:DCOLE,2024-02-01,2023-01-01,csc,CSC-3120
gp:ACOLE,hv:HGRANT,,,csc,CSC-3120
"""
    rejects = _rejects(_bundle(tmp_path, FATHER, csc_households=rows))
    assert [(r[1], r[2]) for r in rejects] == [(3, "member_id"), (4, "member_id"), (5, "to_date"), (6, "from_date")]
    assert rejects[0][3] == "is the same as child_id"
    assert "unknown people id 'gp:NOBODY'" in rejects[1][3]


def test_csc_household_decides_whether_the_adult_is_absent(tmp_path):
    """Alfie is known to CSC. With CSC's household record listing only Sarah, Darren is absent from it (said
    so); listing Darren too, CSC knows him with Alfie: no risky-adult finding for the pair."""
    db = tmp_path / "g.db"
    only_sarah = "child_id,member_id,from_date,to_date,source_agency,source_record\ngp:ACOLE,gp:SMILLS,2024-02-01,,csc,CSC-3120"
    folder = _bundle(tmp_path, FATHER, csc_households=only_sarah)
    assert not _load(folder, db).rejects
    assert _rows(db, "MATCH (c:Person)-[h:CSC_HOUSEHOLD]->(m:Person) RETURN c.id, m.id, h.from_date") == [
        ["gp:ACOLE", "gp:SMILLS", dt.date(2024, 2, 1)]]
    assert sum(c["new"] + c["updated"] for c in _load(folder, db).written.values()) == 0
    [alfie] = [f for f in _findings(db, patterns=["risky_adult_unseen_child"]) if "gp:ACOLE" in f.children]
    assert {e["csc_status"] for e in alfie.evidence} == {"adult_absent"}
    assert "its record of Alfie's household does not include Darren Cole" in alfie.explanation

    db2 = tmp_path / "g2.db"
    (tmp_path / "bundle").rename(tmp_path / "first")
    with_darren = only_sarah + "\ngp:ACOLE,probation:DCOLE,2024-02-01,,csc,CSC-3120"
    _load(_bundle(tmp_path, FATHER, csc_households=with_darren), db2)
    assert not [f for f in _findings(db2, patterns=["risky_adult_unseen_child"]) if "gp:ACOLE" in f.children]


def test_an_adult_known_to_csc_but_not_in_its_household_record_is_absent(tmp_path):
    """Darren has a CSC record of his own (say, from his own childhood): without household data that made him
    'known'; CSC's household record of Alfie, which leaves him out, makes him absent again."""
    db = tmp_path / "g.db"
    records = _father_records("probation:DCOLE,csc,CSC-0007,2003-05-05,2007-09-09,,csc,CSC-0007\n")
    _load(_bundle(tmp_path, FATHER, agency_records=records, csc_households=None), db)
    assert not [f for f in _findings(db, patterns=["risky_adult_unseen_child"]) if "gp:ACOLE" in f.children]
    db2 = tmp_path / "g2.db"
    (tmp_path / "bundle").rename(tmp_path / "first")
    household = "child_id,member_id,from_date,to_date,source_agency,source_record\ngp:ACOLE,gp:SMILLS,2024-02-01,,csc,CSC-3120"
    _load(_bundle(tmp_path, FATHER, agency_records=records, csc_households=household), db2)
    [alfie] = [f for f in _findings(db2, patterns=["risky_adult_unseen_child"]) if "gp:ACOLE" in f.children]
    assert "does not include Darren Cole" in alfie.explanation


# ---- referral outcome and outcome date ----------------------------------------------------------------

NFA_AGENCIES = """
id,name,kind,source_agency,source_record
csc,Westby Children's Social Care,csc,csc,ORG-CSC
school,Hill Primary,education,school,ORG-SCH
gp,Hill Surgery,health_gp,gp,ORG-GP
"""
NFA_PEOPLE = """
id,role,given_name,family_name,dob,sex,nhs_number,source_agency,source_record
school:JAY,child,Jayden,Morris,2018-03-03,male,,school,SCH-9
"""
# Three referrals: the referrers' own records carry no outcome; CSC's decisions come with the referral rows.
NFA_EVENTS = """
id,kind,date,summary,outcome,recorded_by,address_id,source_agency,source_record
R1,referral,2024-11-05,Hungry and unkempt,,school,,school,SCH-R1
R2,referral,2025-02-03,Untreated tooth decay,,gp,,gp,GP-R2
R3,referral,2025-04-12,Found alone at night,,school,,school,SCH-R3
"""
NFA_ABOUT = """
event_id,person_id,involvement,source_agency,source_record
R1,school:JAY,subject,school,SCH-R1
R2,school:JAY,subject,gp,GP-R2
R3,school:JAY,subject,school,SCH-R3
"""
NFA_REFERRALS = """
event_id,agency_id,kind,date,feedback_date,outcome,outcome_date,source_agency,source_record
R1,csc,referred_to,2024-11-05,2024-11-20,nfa,2024-11-12,csc,CSC-D1
R2,csc,referred_to,2025-02-03,,nfa,2025-02-10,csc,CSC-D2
R3,csc,referred_to,2025-04-12,,nfa,2025-05-20,csc,CSC-D3
"""


def _nfa_bundle(tmp_path, referrals=NFA_REFERRALS) -> Path:
    return _bundle(tmp_path, agencies=NFA_AGENCIES, people=NFA_PEOPLE, events=NFA_EVENTS, event_people=NFA_ABOUT,
                   event_agencies=referrals)


def test_referral_outcome_rows_are_validated(tmp_path):
    bad = NFA_REFERRALS.strip() + "\n" + "\n".join([
        "R1,school,shared_with,2024-11-06,,nfa,,school,SCH-S1",  # an outcome on a share
        "R2,school,referred_to,2025-02-03,,,2025-02-04,gp,GP-X",  # a date with no outcome
        "R3,gp,referred_to,2025-04-12,,nfa,2025-04-01,school,SCH-X",  # decided before it was referred
        "R3,school,referred_to,2025-04-12,,nfaa,,school,SCH-Y",  # not an outcome
    ])
    rejects = _rejects(_nfa_bundle(tmp_path, bad))
    assert [(r[1], r[2], r[3]) for r in rejects] == [
        (5, "outcome", "only allowed when kind is referred_to"),
        (6, "outcome_date", "needs outcome on the same row"),
        (7, "outcome_date", "is before date on the same row"),
        (8, "outcome", "not one of: nfa, early_help, assessment, s47, cin_plan, cp_plan, looked_after, other"),
    ]


def test_referral_outcomes_count_as_nfa_when_decided_by_as_of(tmp_path):
    db = tmp_path / "g.db"
    folder = _nfa_bundle(tmp_path)
    assert not _load(folder, db).rejects
    assert sum(c["new"] + c["updated"] for c in _load(folder, db).written.values()) == 0
    # the third NFA was decided on 2025-05-20: on 2025-05-01 only two are known
    assert _findings(db, as_of=dt.date(2025, 5, 1), patterns=["cumulative_harm"]) == []
    [jay] = _findings(db, as_of=dt.date(2025, 6, 1), patterns=["cumulative_harm"])
    assert jay.children == ["school:JAY"] and "3 contacts or referrals closed with no further action" in jay.explanation


def test_a_receiving_agency_decision_overrides_the_referrers_outcome(tmp_path):
    db = tmp_path / "g.db"
    events = NFA_EVENTS.replace(",,school,,school,SCH-R3", ",nfa,school,,school,SCH-R3")
    referrals = NFA_REFERRALS.replace("nfa,2025-05-20", "early_help,2025-04-20")
    _load(_bundle(tmp_path, agencies=NFA_AGENCIES, people=NFA_PEOPLE, events=events, event_people=NFA_ABOUT,
                  event_agencies=referrals), db)
    assert _findings(db, as_of=dt.date(2025, 6, 1), patterns=["cumulative_harm"]) == []


def test_the_chronology_shows_each_referral_outcome_and_date(tmp_path):
    db = tmp_path / "g.db"
    _load(_nfa_bundle(tmp_path), db)
    store = LadybugStore(db, read_only=True)
    try:
        history = build_history(store, "school:JAY", as_of=dt.date(2025, 5, 1))
    finally:
        store.close()
    md = render_history(history, "markdown")
    assert "outcome no further action 2024-11-12, feedback 2024-11-20" in md
    assert "outcome no further action 2025-02-10, no feedback" in md
    # decided after the as-of date: not known then
    assert "2025-05-20" not in md and "Westby Children's Social Care (referred to 2025-04-12, after 0 days, no feedback)" in md


# ---- a residence known only by the source agency's record id ------------------------------------------

HOUSING = "housing,Eastbridge Housing,housing,housing,ORG-HSG\n"


def _residences(*extra: str) -> str:
    header, *rows = (FATHER / "residences.csv").read_text().strip().splitlines()
    fields = header.split(",")
    fields.insert(1, "person_record")
    out = [",".join(fields)]
    for row in rows:
        cells = row.split(",")
        cells.insert(1, "")
        out.append(",".join(cells))
    return "\n".join(out + list(extra))


def test_residence_rows_name_a_person_or_a_record_not_both_nor_neither(tmp_path):
    rows = _residences(",HSG-T77,A-MILLS,2024-06-01,,housing,HSG-R1",
                       "gp:SMILLS,HSG-T78,A-MILLS,2024-06-01,,housing,HSG-R2",
                       ",,A-MILLS,2024-06-01,,housing,HSG-R3")
    agencies = (FATHER / "agencies.csv").read_text() + HOUSING
    rejects = _rejects(_bundle(tmp_path, FATHER, agencies=agencies, residences=rows))
    assert [(r[1], r[2], r[3]) for r in rejects] == [
        (14, "person_record", "must be empty when person_id is given (one or the other)"),
        (15, "person_id", "required when person_record is empty"),
    ]


def test_a_residence_known_by_record_invents_no_person_and_shows_in_chronology_and_map(tmp_path):
    db = tmp_path / "g.db"
    agencies = (FATHER / "agencies.csv").read_text() + HOUSING
    folder = _bundle(tmp_path, FATHER, agencies=agencies,
                     residences=_residences(",HSG-T77,A-MILLS,2024-06-01,,housing,HSG-R1",
                                            ",HSG-T90,A-DAY,2010-01-01,2012-01-01,housing,HSG-R9"))
    report = _load(folder, db)
    assert not report.rejects
    assert _rows(db, "MATCH (p:Person) RETURN count(p)") == [[9]]  # the people file's nine, no more
    assert _rows(db, "MATCH (a:Agency)-[r:RESIDENCE_RECORD]->(x:Address) RETURN a.id, x.id, r.record_id, r.from_date ORDER BY x.id") == [
        ["housing", "A-DAY", "HSG-T90", dt.date(2010, 1, 1)], ["housing", "A-MILLS", "HSG-T77", dt.date(2024, 6, 1)]]
    assert sum(c["new"] + c["updated"] for c in _load(folder, db).written.values()) == 0

    store = LadybugStore(db, read_only=True)
    try:
        history = build_history(store, "gp:ACOLE", as_of=AS_OF)
        graph = ego_graph(store, "gp:ACOLE", hops=1, window=Window.as_of(AS_OF), findings=[])
        hidden = render_history(build_history(store, "gp:ACOLE", as_of=AS_OF, pseudonymiser=Pseudonymiser()), "json")
    finally:
        store.close()
    text = "a residence known to Eastbridge Housing (record HSG-T77) at EB1 1AA from 2024-06-01"
    assert [str(r) for r in history.chronology.residence_records] == [text]  # not the one at Leo's old address
    assert text in render_history(history, "markdown")
    assert '"record_id": "HSG-T77"' in render_history(history, "json")
    assert "a residence known to Eastbridge Housing (record Record " in hidden  # pseudonymised like other records
    assert "HSG-T77" not in hidden and "EB1 1AA" not in hidden
    [(src, dst, data)] = [(s, d, x) for s, d, x in graph.edges(data=True) if x["rel"] == "RESIDENCE_RECORD"]
    assert (src, dst) == ("housing", "A-MILLS")
    assert data["label"] == "a residence known to Eastbridge Housing (record HSG-T77)"
    assert not [n for n, d in graph.nodes(data=True) if d["kind"] in ("adult", "child") and "HSG" in n]


# ---- both engines -------------------------------------------------------------------------------------

def test_every_addition_loads_and_answers_the_same_on_each_engine(empty_store, tmp_path):
    """One bundle with all five additions, on LadybugDB and (when a server is given) Neo4j: the same
    findings and words, and a re-load writes nothing."""
    agencies = (FATHER / "agencies.csv").read_text() + HOUSING
    household = "child_id,member_id,from_date,to_date,source_agency,source_record\ngp:ACOLE,gp:SMILLS,2024-02-01,,csc,CSC-3120"
    events = "id,kind,date,summary,outcome,recorded_by,address_id,source_agency,source_record\n" + "\n".join(
        f"R{i},referral,2025-0{i}-03,Concern {i},,school,,school,SCH-R{i}" for i in (2, 3, 4)) + "\n" + \
        "E-DA1,domestic_abuse_incident,2025-06-06,Call-out at a friend's flat,,police,A-DAY,police,POL-INC-1"
    about = "event_id,person_id,involvement,source_agency,source_record\n" + "\n".join(
        f"R{i},gp:ACOLE,subject,school,SCH-R{i}" for i in (2, 3, 4)) + "\nE-DA1,gp:ACOLE,present,police,POL-INC-1"
    referrals = "event_id,agency_id,kind,date,feedback_date,outcome,outcome_date,source_agency,source_record\n" + "\n".join(
        f"R{i},csc,referred_to,2025-0{i}-03,,nfa,2025-0{i}-20,csc,CSC-D{i}" for i in (2, 3, 4))
    folder = _bundle(tmp_path, FATHER, agencies=agencies, agency_records=MAPPA_RECORDS, csc_households=household,
                     residences=_residences(",HSG-T77,A-MILLS,2024-06-01,,housing,HSG-R1"),
                     events=events, event_people=about, event_agencies=referrals)
    report = load_bundle(empty_store, folder, today=TODAY)
    assert not report.rejects, report.rejects
    assert sum(c["new"] + c["updated"] for c in load_bundle(empty_store, folder, today=TODAY).written.values()) == 0
    assert empty_store.query("MATCH (p:Person) RETURN count(p) AS n").rows[0][0] == 9
    assert [list(r) for r in empty_store.query(
        "MATCH (a:Agency)-[r:RESIDENCE_RECORD]->(x:Address) RETURN a.id, x.id, r.record_id").rows] == [["housing", "A-MILLS", "HSG-T77"]]

    found = run_catalogue(empty_store, AS_OF).findings
    by = {(f.pattern, tuple(f.children)): f for f in found}
    alfie = by[("risky_adult_unseen_child", ("gp:ACOLE",))]
    assert "managed under MAPPA level 2 (category 1)" in alfie.explanation
    assert "its record of Alfie's household does not include Darren Cole" in alfie.explanation
    assert {e["csc_household_size"] for e in alfie.evidence} == {1}
    da = by[("domestic_abuse_child_not_told", ("gp:ACOLE",))]
    assert "Alfie Cole was present" in da.explanation and [e["lived_since"] for e in da.evidence] == [None]
    harm = by[("cumulative_harm", ("gp:ACOLE",))]
    assert harm.evidence[0]["count"] == 3
    history = build_history(empty_store, "gp:ACOLE", as_of=AS_OF)
    md = render_history(history, "markdown")
    assert "outcome no further action 2025-03-20" in md
    assert "a residence known to Eastbridge Housing (record HSG-T77) at EB1 1AA from 2024-06-01" in md
