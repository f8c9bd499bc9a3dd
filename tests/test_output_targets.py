"""`-o PATH` writes only a regular file or a new one: a device, a FIFO, a folder or a symbolic link is refused
(exit 2, the path named) and left as it was; reports get the mode the umask gives."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from guideline.errors import UsageError
from guideline.fileio import write_atomic
from helpers import make_project, run_cli


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_report_gets_the_mode_the_umask_gives(tmp_path: Path, umask_022: None) -> None:
    project = make_project(tmp_path / "project")
    target = tmp_path / "out" / "findings.sarif"
    result = run_cli("validate", "--format", "sarif", "-o", target, cwd=project)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_private_files_stay_private(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "secret.json"
    write_atomic(target, b"{}\n", private=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _link(path: Path) -> Path:
    victim = path.parent / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    path.symlink_to(victim)
    return path


@pytest.mark.parametrize(("make", "words"), [(_fifo, "not a regular file"), (_folder, "is a folder"),
                                              (_link, "is a symbolic link")])
def test_odd_output_targets_are_refused_and_left_alone(tmp_path: Path, make: object, words: str) -> None:
    project = make_project(tmp_path / "project")
    target = make(tmp_path / "report.sarif")  # type: ignore[operator]
    before = os.lstat(target)
    result = run_cli("validate", "--format", "sarif", "-o", target, cwd=project)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert str(target) in result.stderr and words in result.stderr
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    if make is _link:
        assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "keep me\n"
    assert not list(tmp_path.glob(".report.sarif.*.tmp"))


def test_a_character_device_is_refused(tmp_path: Path) -> None:
    """A null device of our own (never /dev/null itself): as root, -o /dev/null once made it a regular file."""
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    with pytest.raises(UsageError, match="not a regular file"):
        write_atomic(device, b"x")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_regular_file_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old\n", encoding="utf-8")
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    with pytest.raises(UsageError, match="already exists"):
        write_atomic(target, b"newer\n", overwrite=False)
