"""The synthetic county generator: determinism, validity, scaling, and ground truth the queries agree with."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphcase import load_bundle, run_query
from graphcase.catalogue.queries import load_catalogue
from graphcase.cli import main
from graphcase.model import tables
from graphcase.stores.ladybug import LadybugStore
from graphcase.synthetic import generate_county, planted_count
from graphcase.synthetic.county import lookalike_keys
from graphcase.synthetic.names import soundex

from .conftest import AS_OF

PROBATION = "probation_adult_child_unknown_to_csc"
BACKGROUND_ID = re.compile(r"^[PEA]\d+$")  # background people, events and addresses
PEOPLE = 3_000


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    out = tmp_path_factory.mktemp("county") / "bundle"
    frames, truth = generate_county(PEOPLE, seed=11, out_dir=out)
    return out, frames, truth


def _store(folder: Path, tmp_path_factory):
    store = LadybugStore(tmp_path_factory.mktemp("county-db") / "county.db")
    store.ensure_schema()
    return store, load_bundle(store, folder, today=AS_OF)


@pytest.fixture(scope="module")
def county_store(county, tmp_path_factory):
    store, report = _store(county[0], tmp_path_factory)
    yield store, report
    store.close()


@pytest.fixture(scope="module")
def core_county(tmp_path_factory):
    """A county planted by this module's planters only, so the probation ground truth is complete."""
    out = tmp_path_factory.mktemp("core") / "bundle"
    _, truth = generate_county(PEOPLE, seed=11, out_dir=out, patterns=[PROBATION, "same_person_records"])
    store, report = _store(out, tmp_path_factory)
    assert report.rejects == []
    yield store, truth
    store.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    generate_county(1_500, seed=5, out_dir=tmp_path / "a")
    generate_county(1_500, seed=5, out_dir=tmp_path / "b")
    generate_county(1_500, seed=6, out_dir=tmp_path / "c")
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert set(a) == {f"{name}.csv" for name in tables()} | {"ground_truth.json"}
    assert a == b
    assert a["people.csv"] != c["people.csv"] and a["events.csv"] != c["events.csv"]


def test_generated_bundle_loads_with_zero_rejects(county, county_store):
    _, frames, _ = county
    _, report = county_store
    assert report.rejects == [], [str(r) for r in report.rejects[:5]]
    assert report.applied
    assert report.rows_accepted["people"] == len(frames["people"])


def test_json_bundle_loads_with_zero_rejects(tmp_path):
    generate_county(400, seed=2, out_dir=tmp_path / "json", fmt="json")
    assert (tmp_path / "json" / "people.json").exists() and not (tmp_path / "json" / "people.csv").exists()
    store = LadybugStore(tmp_path / "j.db")
    try:
        report = load_bundle(store, tmp_path / "json", today=AS_OF)
    finally:
        store.close()
    assert report.rejects == [], [str(r) for r in report.rejects[:5]]


def test_every_row_uses_the_bundle_columns_and_dates_stay_on_or_before_as_of(county):
    out, frames, truth = county
    for name, frame in frames.items():
        assert list(frame.columns) == [f.name for f in tables()[name].fields]
        header = (out / f"{name}.csv").read_text().splitlines()[0]
        assert header == ",".join(frame.columns)
    people = frames["people"]
    assert people["dob"].max().date() <= truth.as_of
    assert frames["events"]["date"].max().date() <= truth.as_of
    assert re.search(r"\n\"P0\",\"[a-z]+\",\"\w+\",\"\w+\",\d{4}-\d\d-\d\d,", (out / "people.csv").read_text())


def test_background_keys_are_unique(county):
    """Background and core-planter rows never repeat a primary key (the loader would drop or reject them)."""
    _, frames, _ = county
    own = re.compile(r"^([PEA]\d+|probation_adult_child_unknown_to_csc-|same_person_records-)")
    for name, spec in tables().items():
        frame = frames[name]
        first = spec.primary_key[0]
        mine = frame[frame[first].astype(str).str.match(own)] if name != "agencies" else frame
        assert not mine.duplicated(subset=list(spec.primary_key)).any(), name


def test_counts_scale_with_people():
    small, small_truth = generate_county(2_000, seed=3)
    large, large_truth = generate_county(8_000, seed=3)
    for frames, n in ((small, 2_000), (large, 8_000)):
        assert frames["people"]["id"].str.match(r"^P\d+$").sum() == n
    ratio = len(large["events"]) / len(small["events"])
    assert 3.0 < ratio < 5.0
    assert len(large["agencies"]) >= len(small["agencies"])
    assert planted_count(2_000) == 3 and planted_count(100_000) == 20 and planted_count(1_000_000) == 200
    assert len(small_truth.patterns["same_person_records"]["hits"]) == 3
    assert len(large_truth.patterns["same_person_records"]["hits"]) == 3


def test_background_has_every_agency_kind_and_a_realistic_mix(county):
    _, frames, _ = county
    kinds = set(frames["agencies"]["kind"])
    assert kinds == set(tables()["agencies"].field("kind").enum)
    people = frames["people"]
    background = people[people["id"].str.match(r"^P\d+$")]
    child_share = (background["role"] == "child").mean()
    assert 0.15 < child_share < 0.30
    rels = frames["relationships"]
    assert {"parent", "step_parent", "partner", "sibling"} <= set(rels["kind"])
    assert rels["to_date"].notna().any()  # partners who moved out
    residences = frames["residences"]
    assert residences["to_date"].notna().any()  # people who moved address
    records = frames["agency_records"].merge(frames["agencies"], left_on="agency_id", right_on="id")
    assert {"health_gp", "education", "early_years", "health_visiting", "csc"} <= set(records["kind"])
    events = frames["events"]
    assert {"health_appointment", "school_absence", "contact", "referral", "ae_attendance"} <= set(events["kind"])


def test_background_has_no_lookalikes(county):
    """No two unrelated people share a date of birth and a similar name; none resembles a planted person."""
    _, frames, _ = county
    people = frames["people"]
    dob = (people["dob"].dt.floor("D") - dt.datetime(1970, 1, 1)).dt.days.to_numpy()
    given, family = people["given_name"].fillna(""), people["family_name"].fillna("")
    sdx = {code: i for i, code in enumerate(sorted({soundex(f) for f in family}))}
    given_ids = {g: i for i, g in enumerate(sorted(set(given)))}

    def initial(names):
        return [ord(n[0].upper()) - 65 if n else 26 for n in names]

    background = people["id"].str.match(r"^P\d+$").to_numpy()
    for keys in lookalike_keys(dob, [sdx[soundex(f)] for f in family], initial(given), [given_ids[g] for g in given], initial(family)):
        counts = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        shared = [k for k, is_bg in zip(keys, background) if is_bg and counts[k] > 1]
        assert shared == []


def test_probation_query_returns_exactly_the_planted_hits(core_county):
    store, truth = core_county
    planted = truth.patterns[PROBATION]
    result = run_query(store, PROBATION, {"as_of": truth.as_of})
    found = {(r["child_id"], r["adult_id"]) for r in result.records()}
    hits = {(h["child_id"], h["adult_id"]) for h in planted["hits"]}
    near = {(m["child_id"], m["adult_id"]) for m in planted["near_misses"]}
    assert len(hits) >= 5 and len(near) >= 4 * planted_count(PEOPLE)
    assert found == hits
    assert found.isdisjoint(near)
    assert {m["why"] for m in planted["near_misses"]} >= {
        "child known to CSC", "adult left the address before the child arrived",
        "relationship ended before as_of", "probation record opened after as_of",
    }
    assert {r["link"] for r in result.records()} == {"same_address", "related_to"}


def test_probation_query_on_the_full_county_finds_every_hit_and_no_near_miss(county, county_store):
    """With every planter: all probation hits found, no near-miss; any other row comes from another
    pattern's planted scenario (never the background)."""
    _, _, truth = county
    store, _ = county_store
    planted = truth.patterns[PROBATION]
    found = {(r["child_id"], r["adult_id"]) for r in run_query(store, PROBATION, {"as_of": truth.as_of}).records()}
    hits = {(h["child_id"], h["adult_id"]) for h in planted["hits"]}
    assert hits <= found
    assert found.isdisjoint({(m["child_id"], m["adult_id"]) for m in planted["near_misses"]})
    assert not [pair for pair in found - hits if any(BACKGROUND_ID.match(x) for x in pair)]


def test_probation_boundaries_move_with_as_of(core_county):
    """The day before as_of, the record opening on as_of does not count yet, and the relationship that
    ended the day before as_of still does."""
    store, truth = core_county
    mine = truth.patterns[PROBATION]["hits"]  # only the core planters ran, so every hit is the probation planter's
    opens_on_as_of = (mine[0]["child_id"], mine[0]["adult_id"])  # the first scenario: record opens on as_of
    ended = next(m for m in truth.patterns[PROBATION]["near_misses"] if m["why"] == "relationship ended before as_of")
    day_before = truth.as_of - dt.timedelta(days=1)
    found = {(r["child_id"], r["adult_id"]) for r in run_query(store, PROBATION, {"as_of": day_before}).records()}
    assert opens_on_as_of not in found
    assert (ended["child_id"], ended["adult_id"]) in found


def test_background_triggers_no_missed_link_query(county_store):
    """Every finding of every links query involves planted people only: the background is pattern-free."""
    store, _ = county_store
    queries = [q for q in load_catalogue().values() if q.group == "links"]
    assert queries
    for query in queries:
        params = {"as_of": AS_OF} if "as_of" in query.parameters else {}
        background = set()
        for row in run_query(store, query.name, params).records():
            for value in row.values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and BACKGROUND_ID.match(item):
                        background.add(item)
        assert background == set(), query.name


def test_same_person_records_vary_realistically(county):
    _, frames, truth = county
    people = frames["people"].set_index("id")
    groups = [h["record_ids"] for h in truth.patterns["same_person_records"]["hits"]]
    assert len(groups) == planted_count(PEOPLE)
    variations = set()
    for ids in groups:
        assert ids == sorted(ids) and 2 <= len(ids) <= 4
        recs = people.loc[ids]
        assert recs["source_agency"].is_unique  # one record per agency
        if recs["given_name"].nunique() > 1:
            variations.add("given name")
        if recs["family_name"].nunique() > 1:
            variations.add("family name")
        if recs["dob"].nunique() > 1:
            variations.add("date of birth")
        if recs["nhs_number"].isna().any():
            variations.add("missing NHS number")
    assert "missing NHS number" in variations and len(variations) >= 3


def test_cli_generates_a_bundle_and_prints_a_summary(tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(main, ["fixtures", "generate", "--people", "600", "--seed", "4", "--as-of", "2026-06-30", str(out)])
    assert result.exit_code == 0, result.output
    assert "people.csv" in result.output and PROBATION in result.output and "done in" in result.output
    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["as_of"] == "2026-06-30" and truth["seed"] == 4 and truth["people"] == 600
    assert len(truth["patterns"][PROBATION]["hits"]) >= 5


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="people"):
        generate_county(0)
    with pytest.raises(ValueError, match="fmt"):
        generate_county(10, fmt="xml")
    with pytest.raises(ValueError, match="no planter registered for nonsense"):
        generate_county(10, patterns=["nonsense"])


def test_the_new_format_columns_are_planted_and_load(county, county_store):
    """Issue 11 item 8's columns reach the store: MAPPA level and category, a child present at an incident,
    CSC's record of a household, a referral's outcome and its date, a residence known only by a record id."""
    store, _ = county_store
    one = lambda q: store.query(q).rows[0][0]
    assert one("MATCH ()-[k:KNOWN_TO]->() WHERE k.mappa_level IS NOT NULL AND k.mappa_category IS NOT NULL RETURN count(k)") > 0
    assert one("MATCH (:Event)-[a:ABOUT]->(c:Person) WHERE a.involvement = 'present' AND c.role = 'child' RETURN count(a)") > 0
    assert one("MATCH (:Person)-[h:CSC_HOUSEHOLD]->(:Person) RETURN count(h)") > 0
    assert one("MATCH (:Event)-[r:REFERRED_TO]->(:Agency) WHERE r.outcome = 'nfa' AND r.outcome_date IS NOT NULL RETURN count(r)") > 0
    assert one("MATCH (:Agency)-[r:RESIDENCE_RECORD]->(:Address) RETURN count(r)") > 0
    _, _, truth = county
    whys = {n["why"] for p in truth.patterns.values() for n in p["near_misses"]}
    assert {"CSC's record of the child's household lists the man", "CSC's record of the child's household lists the adult",
            "CSC's NFA decision on the third referral is dated after as_of",
            "the child is not recorded present and does not live there"} <= whys
