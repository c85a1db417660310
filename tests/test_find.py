"""graphcase find: a person by a misspelt name across agencies, ranked by the linkage model's comparisons."""

from __future__ import annotations

import json

from click.testing import CliRunner

from graphcase.cli import main
from graphcase.linkage.find import find_person
from graphcase.stores.ladybug import LadybugStore


def test_a_misspelt_name_finds_both_agencies_records(sample_db_path):
    store = LadybugStore(sample_db_path, read_only=True)
    try:
        hits = find_person(store, "Jon Smyth", dob="1990")
    finally:
        store.close()
    ids = [h.record_id for h in hits]
    # Police know him as Jon Smith (1990-04-03), the GP as Jonathan Smyth (1990-03-04): both, nobody else born 1990.
    assert set(ids) == {"police:JSMITH", "gp:JSMYTH"}
    assert all(h.dob.startswith("1990") for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.match_weight)
    assert all("family_name:" in h.comparison and 0 < h.probability < 1 for h in hits)


def test_cli_find_prints_the_comparison_and_unrounded_probability(sample_db_path):
    out = CliRunner().invoke(main, ["--db", str(sample_db_path), "--reason", "test", "find", "Jon Smyth", "--format", "json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output[out.output.index("["):])
    assert {"police:JSMITH", "gp:JSMYTH"} <= {h["record_id"] for h in hits}
    table = CliRunner().invoke(main, ["--db", str(sample_db_path), "--reason", "test", "find", "Jon Smyth", "--dob", "1990"])
    assert table.exit_code == 0 and "police:JSMITH" in table.output
    bad = CliRunner().invoke(main, ["--db", str(sample_db_path), "--reason", "test", "find", "Jon", "--dob", "03/04/1990"])
    assert bad.exit_code != 0 and "not a date" in bad.output


def test_a_kept_index_gives_the_same_hits_search_after_search(sample_db_path):
    import datetime as dt

    from graphcase.linkage.find import PersonIndex

    store = LadybugStore(sample_db_path, read_only=True)
    try:
        index = PersonIndex.build(store, dt.date(2026, 11, 1))
        fresh = [find_person(store, name, as_of=dt.date(2026, 11, 1)) for name in ("Jon Smyth", "Kerry Ward")]
        kept = [find_person(store, name, as_of=dt.date(2026, 11, 1), index=index) for name in ("Jon Smyth", "Kerry Ward", "Jon Smyth")]
    finally:
        store.close()
    assert kept == fresh + fresh[:1]
    assert {"police:JSMITH", "gp:JSMYTH"} <= {h.record_id for h in kept[0]}
