"""The catalogue's fast paths give the same answers as the slow ones: link queries on a store without SAME_AS
links run without their SAME_AS look-ups; a person's findings come from the indexed sweep cache."""

from __future__ import annotations

import json

import pytest

from graphcase.catalogue.queries import get_query
from graphcase.catalogue.findings import has_same_as_links, pattern_names, person_network, run_catalogue, run_pattern_rows
from graphcase.catalogue.dialect import without_linkage


def test_without_linkage_drops_not_exists_lines_and_turns_counts_into_false():
    text = (
        "MATCH (a:Person)\n"
        "WHERE a.role = 'adult'\n"
        "  AND NOT EXISTS { MATCH (a)-[:SAME_AS]-(b:Person)-[:KNOWN_TO]->(g:Agency) WHERE g.kind = $csc }\n"
        "WITH a,\n"
        "     COUNT { MATCH (a)-[:SAME_AS]-(b:Person) }\n"
        "     + COUNT { MATCH (a)-[:SAME_AS]-(:Person)-[:SAME_AS]-(c:Person) } > 0 AS via_linkage,\n"
        "     COUNT { MATCH (a)-[:SAME_AS]-(d:Person) } > 0 AS other\n"
        "RETURN a.id, via_linkage, other\n"
    )
    assert without_linkage(text) == (
        "MATCH (a:Person)\n"
        "WHERE a.role = 'adult'\n"
        "WITH a,\n"
        "     false AS via_linkage,\n"
        "     false AS other\n"
        "RETURN a.id, via_linkage, other\n"
    )


def test_without_linkage_refuses_a_same_as_use_it_cannot_drop():
    with pytest.raises(ValueError, match=r"MATCH \(a\)-\[s:SAME_AS\]-\(b\)"):
        without_linkage("MATCH (a)-[s:SAME_AS]-(b)\nRETURN a.id\n")


@pytest.mark.parametrize("name", pattern_names())
def test_every_pattern_query_has_a_form_without_same_as(name):
    for dialect in ("ladybug", "neo4j"):
        body = "".join(line for line in without_linkage(get_query(name).text(dialect)).splitlines(True)
                       if not line.lstrip().startswith("//"))
        assert "SAME_AS" not in body


def test_each_pattern_gives_the_same_rows_with_and_without_its_same_as_look_ups(generated_county):
    store, truth = generated_county
    as_of = truth.as_of
    assert not has_same_as_links(store)
    found_rows = 0
    for name in pattern_names():
        full = sorted(map(repr, (r.items() for r in run_pattern_rows(store, name, as_of, linked=True))))
        quick = sorted(map(repr, (r.items() for r in run_pattern_rows(store, name, as_of, linked=False))))
        assert quick == full, name
        found_rows += len(full)
    assert found_rows > 100


def test_the_cached_sweep_gives_every_finding_and_each_persons_findings_by_its_index(generated_county, tmp_path):
    store, truth = generated_county
    as_of = truth.as_of
    cache = tmp_path / "sweep.json"
    sweep = run_catalogue(store, as_of, sweep_cache=cache)
    again = run_catalogue(store, as_of, sweep_cache=cache)
    assert again.from_cache and [f.as_dict() for f in again.findings] == [f.as_dict() for f in sweep.findings]
    people = sorted({p for f in sweep.findings for p in f.children})[:15]
    assert len(people) == 15
    for person in people:
        network = person_network(store, person, as_of)
        cached = run_catalogue(store, as_of, person=person, sweep_cache=cache)
        expected = sorted(json.dumps(f.as_dict(), sort_keys=True) for f in sweep.findings if f.touches(network))
        assert cached.from_cache and expected
        assert sorted(json.dumps(f.as_dict(), sort_keys=True) for f in cached.findings) == expected, person


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'["a list"]\n', b"OLD"])
def test_a_foreign_or_broken_cache_file_is_swept_again_and_rewritten(generated_county, tmp_path, garbage):
    store, truth = generated_county
    as_of = truth.as_of
    cache = tmp_path / "sweep.json"
    if garbage == b"OLD":  # the previous format, one JSON document, under the right key: its findings list is not read
        from graphcase.catalogue.findings import _sweep_key

        garbage = json.dumps({"key": _sweep_key(store, as_of, ["cumulative_harm"], None), "findings": []}).encode()
    cache.write_bytes(garbage)
    first = run_catalogue(store, as_of, ["cumulative_harm"], sweep_cache=cache)
    assert not first.from_cache and first.findings
    assert run_catalogue(store, as_of, ["cumulative_harm"], sweep_cache=cache).from_cache


def test_risks_outside_home_rows_name_the_event_for_every_connector_kind(generated_county):
    # the four-branch form of this query returned the adult's or address's id as event_id on LadybugDB 0.22
    store, truth = generated_county
    as_of = truth.as_of
    rows = run_pattern_rows(store, "risks_outside_home", as_of)
    events = {e: k for e, k in store.query("MATCH (e:Event) RETURN e.id, e.kind").rows}
    assert {r["connector_kind"] for r in rows} == {"event", "adult", "address"}
    for r in rows:
        assert events.get(r["event_id"]) == r["event_kind"], r
