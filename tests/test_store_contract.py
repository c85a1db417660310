"""The store interface behaves the same on every engine (LadybugDB always; Neo4j when GRAPHCASE_TEST_NEO4J_URI is set).

Each test takes ``empty_store`` or ``sample_store`` from conftest.py, which are parametrised over the engines,
so a new engine only has to join ``ENGINES`` there to be held to this contract.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graphcase import load_bundle
from graphcase.stores import GraphStore, StoreError, dialects

from .conftest import AS_OF, SAMPLE

# Counted from the CSV files of fixtures/sample (RECORDED_BY / OCCURRED_AT come from columns of events.csv).
SAMPLE_COUNTS = {
    "Agency": 9,
    "Person": 16,
    "Address": 6,
    "Event": 10,
    "RELATED_TO": 10,
    "LIVES_AT": 16,
    "KNOWN_TO": 23,
    "ABOUT": 15,
    "REFERRED_TO": 2,
    "SHARED_WITH": 4,
    "RECORDED_BY": 10,
    "OCCURRED_AT": 3,
    "SAME_AS": 0,
    "CSC_HOUSEHOLD": 0,  # the sample has no csc_households.csv
    "RESIDENCE_RECORD": 0,
}


def counts(store: GraphStore) -> dict[str, int]:
    out = {}
    for label in dialects.node_properties():
        out[label] = store.query(f"MATCH (n:{label}) RETURN count(n) AS n").rows[0][0]
    for rel_type in dialects.rel_definitions():
        out[rel_type] = store.query(f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS n").rows[0][0]
    return out


def test_the_expected_counts_match_the_sample_files():
    """The constants above are the files' row counts, not numbers copied from a run."""
    lines = {p.stem: len(p.read_text().splitlines()) - 1 for p in SAMPLE.glob("*.csv")}
    kinds = pd.read_csv(SAMPLE / "event_agencies.csv")["kind"].value_counts()
    events = pd.read_csv(SAMPLE / "events.csv")
    assert SAMPLE_COUNTS["Agency"] == lines["agencies"] and SAMPLE_COUNTS["Person"] == lines["people"]
    assert SAMPLE_COUNTS["Address"] == lines["addresses"] and SAMPLE_COUNTS["Event"] == lines["events"]
    assert SAMPLE_COUNTS["RELATED_TO"] == lines["relationships"] and SAMPLE_COUNTS["LIVES_AT"] == lines["residences"]
    assert SAMPLE_COUNTS["KNOWN_TO"] == lines["agency_records"] and SAMPLE_COUNTS["ABOUT"] == lines["event_people"]
    assert (SAMPLE_COUNTS["REFERRED_TO"], SAMPLE_COUNTS["SHARED_WITH"]) == (kinds["referred_to"], kinds["shared_with"])
    assert SAMPLE_COUNTS["RECORDED_BY"] == events["recorded_by"].notna().sum()
    assert SAMPLE_COUNTS["OCCURRED_AT"] == events["address_id"].notna().sum()


def test_ensure_schema_twice_is_harmless_and_leaves_an_empty_store(empty_store):
    empty_store.ensure_schema()
    empty_store.ensure_schema()
    assert set(counts(empty_store).values()) == {0}
    assert empty_store.dialect in ("ladybug", "neo4j") and empty_store.location


def test_loading_the_sample_gives_the_counts_of_its_files(sample_store):
    assert counts(sample_store) == SAMPLE_COUNTS


def test_row_hashes_give_one_key_and_hash_per_element(sample_store):
    people = sample_store.row_hashes("Person", True)
    assert list(people.columns) == ["key", "row_hash"]
    assert len(people) == 16 and people["key"].is_unique and "gp:TWARD" in set(people["key"])
    assert all(isinstance(int(h), int) and int(h) != 0 for h in people["row_hash"])
    lives = sample_store.row_hashes("LIVES_AT", False)
    assert len(lives) == SAMPLE_COUNTS["LIVES_AT"] and lives["key"].is_unique
    assert len(sample_store.row_hashes("REFERRED_TO", False)) == SAMPLE_COUNTS["REFERRED_TO"]


def test_the_keys_a_store_reads_back_are_the_keys_the_loader_plans(sample_store):
    """Relationships store no key: the store joins their ends and key properties (dates as YYYY-MM-DD) the
    way the loader does, or a re-load would see every relationship as new."""
    from graphcase.ingest.bundle import read_bundle
    from graphcase.ingest.load import element_frames
    from graphcase.model import tables
    from graphcase.ingest.validate import validate_bundle

    validated = validate_bundle(read_bundle(SAMPLE), today=AS_OF)
    planned = {}
    for name, table in validated.tables.items():
        for element, (rows, _) in element_frames(tables()[name], table).items():
            planned[element] = set(rows["id" if element == tables()[name].label else "key"].to_pylist())
    for element, keys in planned.items():
        is_node = element in dialects.node_properties()
        assert set(sample_store.row_hashes(element, is_node)["key"]) == keys, element
    assert "probation:JREID|probation|PR-3390" in planned["KNOWN_TO"]
    assert "probation:JREID|A-OKAFOR|2021-01-10" in planned["LIVES_AT"]  # a date part, as text


def test_stored_row_hashes_are_the_hashes_of_the_keyed_read(sample_store):
    for element, is_node in (("Person", True), ("KNOWN_TO", False), ("RECORDED_BY", False)):
        stored = sample_store.stored_row_hashes(element, is_node).to_pylist()
        keyed = [int(h) for h in sample_store.row_hashes(element, is_node)["row_hash"]]
        assert len(stored) == SAMPLE_COUNTS[element] and sorted(stored) == sorted(keyed), element



@pytest.mark.parametrize("per_list", [None, 3])
def test_node_ids_are_every_stored_id_even_when_read_in_several_lists(sample_store, monkeypatch, per_list):
    """Neo4j reads ids in lists the server collects, split on the row hash: small lists (3 a list) must still
    give every id once."""
    if per_list and sample_store.dialect == "neo4j":
        from graphcase.stores import neo4j

        monkeypatch.setattr(neo4j, "HASH_LIST", per_list)
    for label in ("Person", "Agency", "Address", "Event"):
        stored = sample_store.node_ids(label).to_pylist()
        every = [row[0] for row in sample_store.query(f"MATCH (n:{label}) RETURN n.id AS id").rows]
        assert len(stored) == SAMPLE_COUNTS[label] and sorted(stored) == sorted(every), label

def test_known_ids_returns_only_the_ids_the_store_holds(sample_store):
    asked = ["gp:TWARD", "probation:DPLATT", "nobody:404", "csc"]
    assert sample_store.known_ids("Person", asked) == {"gp:TWARD", "probation:DPLATT"}
    assert sample_store.known_ids("Agency", asked) == {"csc"}
    assert sample_store.known_ids("Person", []) == set()


def test_query_returns_python_dates_and_parameters_travel_typed(sample_store):
    result = sample_store.query(
        "MATCH (p:Person) WHERE p.id = $id AND p.dob <= $as_of RETURN p.dob AS dob, p.loaded_at AS loaded_at, p.role AS role",
        {"id": "gp:TWARD", "as_of": AS_OF},
    )
    assert result.columns == ["dob", "loaded_at", "role"]
    [[dob, loaded_at, role]] = result.rows
    assert type(dob) is dt.date and dob == dt.date(2019, 5, 30)
    assert type(loaded_at) is dt.datetime and loaded_at.tzinfo is None
    assert role == "child"
    assert result.records() == [{"dob": dob, "loaded_at": loaded_at, "role": "child"}]


def test_a_second_load_of_the_same_bundle_writes_nothing(sample_store):
    before = counts(sample_store)
    load_ids = sample_store.query("MATCH (p:Person) RETURN DISTINCT p.load_id AS load_id").rows
    report = load_bundle(sample_store, SAMPLE, today=AS_OF)
    assert report.applied and not report.rejects
    assert all(c == {"new": 0, "updated": 0} for c in report.written.values()), report.written
    assert counts(sample_store) == before
    assert sample_store.query("MATCH (p:Person) RETURN DISTINCT p.load_id AS load_id").rows == load_ids


def test_a_bad_query_is_a_store_error(sample_store):
    with pytest.raises(StoreError):
        sample_store.query("MATCH (p:Person RETURN p")


def test_write_runs_a_parameterised_write(sample_store):
    sample_store.write(
        "MATCH (a:Person) WHERE a.id = $a MATCH (b:Person) WHERE b.id = $b "
        "MERGE (a)-[s:SAME_AS {key: $key}]->(b) SET s.probability = $p, s.method = 'test'",
        {"a": "gp:TWARD", "b": "probation:DPLATT", "key": "gp:TWARD|probation:DPLATT", "p": 0.25},
    )
    rows = sample_store.query("MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN a.id, b.id, s.probability").rows
    assert rows == [["gp:TWARD", "probation:DPLATT", 0.25]]
