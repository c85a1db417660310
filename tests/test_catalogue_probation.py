"""The first catalogue query: adults known to probation connected to a child unknown to CSC."""

from graphcase import run_query

from .conftest import AS_OF

QUERY = "probation_adult_child_unknown_to_csc"


def test_returns_exactly_the_expected_rows_on_the_sample(sample_store):
    result = run_query(sample_store, QUERY, {"as_of": AS_OF})
    got = sorted((r["child_id"], r["adult_id"], r["link"], r["link_detail"]) for r in result.records())
    assert got == [
        ("gp:AKHAN", "probation:IKHAN", "related_to", "parent"),
        ("gp:RWARD", "probation:DPLATT", "related_to", "parent"),
        ("gp:RWARD", "probation:DPLATT", "same_address", "NS1 4AB"),
        ("gp:TWARD", "probation:DPLATT", "same_address", "NS1 4AB"),
    ]


def test_each_row_carries_its_evidence(sample_store):
    rows = {(r["child_id"], r["link"]): r for r in run_query(sample_store, QUERY, {"as_of": AS_OF}).records()}
    tyler = rows[("gp:TWARD", "same_address")]
    assert tyler["path_nodes"] == ["probation:DPLATT", "A-WARD", "gp:TWARD"]
    assert tyler["path_rels"] == ["LIVES_AT", "LIVES_AT"]
    assert tyler["link_sources"] == ["probation:PR-5531", "gp-riverside:GP-10232"]
    assert tyler["probation_record"] == "PR-5531" and tyler["probation_agency"] == "probation"
    assert tyler["violence"] is True and tyler["mappa"] is False
    assert rows[("gp:AKHAN", "related_to")]["mappa"] is True


def test_as_of_before_the_adult_moved_in_finds_no_address_link(sample_store):
    import datetime as dt

    result = run_query(sample_store, QUERY, {"as_of": dt.date(2025, 2, 28)})
    links = {(r["child_id"], r["adult_id"], r["link"]) for r in result.records()}
    assert ("gp:TWARD", "probation:DPLATT", "same_address") not in links
    # Dean's probation record opened 2025-02-03 and he moved in 2025-03-01.
    assert links == {("gp:AKHAN", "probation:IKHAN", "related_to")}
