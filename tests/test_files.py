"""graphcase.files: private modes whatever the umask, and whole-file replacement."""

import os
import stat

import pytest

from graphcase.files import atomic_write_text, atomic_writer, open_private_append, private_dir, private_temp_dir


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_files_and_folders_are_private_under_umask_022(tmp_path, loose_umask):
    folder = private_dir(tmp_path / "a" / "b")
    written = atomic_write_text(folder / "x.json", "{}")
    with open_private_append(folder / "log.jsonl") as log:
        log.write("line\n")
    assert (mode(folder), mode(written), mode(folder / "log.jsonl")) == (0o700, 0o600, 0o600)


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = atomic_write_text(tmp_path / "findings.json", "old")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("half of the new")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]


def test_private_temp_dir_is_0700_and_removed():
    with private_temp_dir() as folder:
        assert mode(folder) == 0o700
    assert not folder.exists()


def test_the_next_write_removes_a_killed_writers_copy_but_not_a_live_ones(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "g.db.review.json"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed_copy = tmp_path / f".{target.name}.{gone.stdout.strip()}-abcd1234.tmp"  # its process has exited
    live_copy = tmp_path / f".{target.name}.{os.getppid()}-efgh5678.tmp"  # a process still running
    other_file = tmp_path / f".g.db.{gone.stdout.strip()}-abcd1234.tmp"  # another file's copy: not ours to touch
    for copy in (killed_copy, live_copy, other_file):
        copy.write_text("half")
    atomic_write_text(target, "{}")
    assert target.read_text() == "{}"
    assert not killed_copy.exists() and live_copy.exists() and other_file.exists()
