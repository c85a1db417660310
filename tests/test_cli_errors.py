"""Bad input on the command line gets one clear 'Error:' line naming what is wrong, and changes nothing."""

import pytest
from click.testing import CliRunner

from graphcase.cli import main


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["run", "nosuch"], 1, "no query named 'nosuch'"),
        (["run", "probation_adult_child_unknown_to_csc", "-p", "as_of=yesterday"], 1, "parameter as_of: 'yesterday' is not a valid date"),
        (["run", "probation_adult_child_unknown_to_csc", "-p", "foo=1"], 1, "unknown parameter(s) foo; it takes: as_of"),
        (["run", "probation_adult_child_unknown_to_csc", "-p", "as_of"], 1, "must look like key=value"),
        (["history", "gp:NOBODY"], 1, "no person with id 'gp:NOBODY'"),
        (["map", "gp:NOBODY", "-o", "x.html"], 1, "no person with id 'gp:NOBODY'"),
        (["explain", "F-0"], 1, "run 'graphcase links' first"),
    ],
)
def test_bad_arguments_are_named(sample_db_path, args, code, message):
    result = CliRunner().invoke(main, ["--db", str(sample_db_path), *args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_store_is_named_and_not_created(tmp_path):
    missing = tmp_path / "nope.db"
    for args in (["stats"], ["run", "probation_adult_child_unknown_to_csc"], ["links"]):
        result = CliRunner().invoke(main, ["--db", str(missing), *args])
        assert result.exit_code == 1 and "no graphcase database here" in result.output
    assert not missing.exists()


def test_a_missing_bundle_folder_is_refused_before_any_store_is_made(tmp_path):
    db = tmp_path / "g.db"
    result = CliRunner().invoke(main, ["--db", str(db), "load", str(tmp_path / "absent")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not db.exists()
