"""Odd files in real folders: FIFOs, sockets, devices, links that loop or leave the project, and a read-only
guidelines/. Each is a finding on its own path (or exit 2 for a command that writes), never a hang, a traceback
or a half-written corpus; the rest of the corpus is checked as usual. The single-file cases are rows of
tests/test_loader.py's TABLE; these tests put the odd files among the others and walk to them."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from guideline.corpus import files
from guideline.corpus.loader import read_bytes
from helpers import REPO_ROOT, make_project, run_cli
from helpers.workflow import EDITOR, TOPIC, as_user, make_repo, set_state
from test_loader import BASE, WRITE_CASES, WriteCase, deadline

ARTICLE = REPO_ROOT / "tests" / "fixtures" / "articles" / "aspirin-after-mi.txt"


def findings(project: Path, *paths: str) -> tuple[int, list[tuple[str, str, int, str]]]:
    with deadline(120):
        result = run_cli("validate", *paths, "--format", "json", "--no-expectations", cwd=project)
    assert result.stderr == ""
    found = json.loads(result.stdout)["findings"]
    return result.returncode, [(f["rule"], f["file"], f["line"], f["message"]) for f in found]


@pytest.fixture
def corpus(project: Path) -> Path:
    """A project with one valid topic file, which must stay checked whatever lies beside it."""
    topics = project / "guidelines" / "topics"
    topics.mkdir(parents=True, exist_ok=True)
    (topics / "demo.yaml").write_text(BASE, encoding="utf-8")
    return project


def test_odd_files_among_the_corpus_are_each_reported(corpus: Path, tmp_path: Path) -> None:
    topics = corpus / "guidelines" / "topics"
    os.mkfifo(topics / "fifo.yaml")
    # A socket's path must fit in 108 bytes, which pytest's temporary folders under xdist may not: bind it in
    # a short folder and move it in (a rename moves the socket's inode like any other).
    with tempfile.TemporaryDirectory(dir="/tmp") as short, socket.socket(socket.AF_UNIX) as listening:
        listening.bind(f"{short}/s")
        os.rename(f"{short}/s", topics / "socket.yaml")
    (topics / "self.yaml").symlink_to("self.yaml")
    (topics / "up").symlink_to("..")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "far.yaml").write_text(BASE, encoding="utf-8")
    (topics / "far").symlink_to(tmp_path / "elsewhere")
    code, found = findings(corpus)
    assert code == 1
    yml = [(rule, file, line) for rule, file, line, _ in found if rule.startswith("YML")]
    assert yml == [("YML012", f"guidelines/topics/{name}", 1) for name in ("far", "fifo.yaml", "self.yaml",
                                                                             "socket.yaml", "up")]
    messages = {file.rsplit("/", 1)[1]: message for _, file, _, message in found}
    assert messages["fifo.yaml"] == "not a regular file: FIFO (named pipe); it is not read"
    assert messages["socket.yaml"] == "not a regular file: socket; it is not read"
    assert messages["self.yaml"].startswith("symbolic link loop: 'self.yaml' leads back to itself")
    assert messages["up"].startswith("symbolic link loop: 'up' points to ")
    assert messages["far"].startswith("symbolic link points outside the repository")
    # demo.yaml was read and checked: its records are there (nothing else is wrong with them).
    assert not [f for f in found if f[1] == "guidelines/topics/demo.yaml"]


def test_links_between_folders_that_loop_are_cut(corpus: Path) -> None:
    """a/to-b -> ../b and b/to-a -> ../a: each link is followed once, the one that would come back is reported."""
    guidelines = corpus / "guidelines"
    for name in ("a", "b"):
        (guidelines / name).mkdir()
    (guidelines / "a" / "to-b").symlink_to("../b")
    (guidelines / "b" / "to-a").symlink_to("../a")
    code, found = findings(corpus, "guidelines/a")
    assert code == 1
    assert [(rule, file) for rule, file, _, _ in found] == [("YML012", "guidelines/a/to-b/to-a")]
    assert found[0][3].startswith("symbolic link loop: 'to-a' points to ")


def test_a_linked_folder_inside_the_project_is_read(corpus: Path) -> None:
    (corpus / "shared").mkdir()
    (corpus / "shared" / "more.yaml").write_text(BASE.replace("demo-topic", "more-topic"), encoding="utf-8")
    (corpus / "guidelines" / "topics" / "shared").symlink_to(corpus / "shared")
    code, found = findings(corpus)
    assert (code, found) == (0, [])


def test_a_fifo_swapped_in_after_the_check_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is opened non-blocking and its type asked again once open: a race cannot make the read hang."""
    os.mkfifo(tmp_path / "late.yaml")
    monkeypatch.setattr(files, "reason_not_read", lambda path, root: None)
    with deadline(10):
        doc = read_bytes(tmp_path / "late.yaml", "late.yaml")
    assert not isinstance(doc, bytes)
    assert [(f.rule, f.message) for f in doc.findings] == [
        ("YML012", "not a regular file: FIFO (named pipe); it is not read")]


def test_a_character_device_is_not_opened(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "zero.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero: endless if read
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    with deadline(10):
        doc = read_bytes(tmp_path / "zero.yaml", "zero.yaml", root=tmp_path)
    assert not isinstance(doc, bytes)
    assert [f.message for f in doc.findings] == ["not a regular file: character device; it is not read"]


def _contents(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """folder and everything under it read-only. Root ignores permission bits, so as root it is a read-only
    bind mount of the folder on itself (skipped where mounting is not allowed); otherwise chmod."""
    if os.geteuid() != 0:
        folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
        for path in folders:
            path.chmod(0o555)
        try:
            yield
        finally:
            for path in folders:
                path.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot bind-mount read-only: {mounted.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder), str(folder)], capture_output=True,
                       check=True)
        assert not os.access(folder, os.W_OK)
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=True)


def _write_command(case_id: str, tmp_path: Path) -> tuple[Path, tuple[str, ...], dict[str, str] | None]:
    if case_id == "import-read-only":
        return make_project(tmp_path / "project"), ("import", str(ARTICLE), "--topic", "aspirin"), None
    root = make_repo(tmp_path / "project")
    set_state(root, "draft")
    return root, ("submit", TOPIC), as_user(EDITOR)


@pytest.mark.parametrize("case", WRITE_CASES, ids=[c.id for c in WRITE_CASES])
def test_a_read_only_corpus_is_refused_with_exit_2(case: WriteCase, tmp_path: Path) -> None:
    root, command, env = _write_command(case.id, tmp_path)
    guidelines = root / "guidelines"
    before = _contents(guidelines)
    with read_only(guidelines):
        result = run_cli(*command, cwd=root, env=env)
    assert result.returncode == case.exit, result.stdout + result.stderr
    first, hint = result.stderr.splitlines()[:2]
    expected = case.message.replace("{root}", str(root))
    # The reason is the file system's: "Read-only file system" under a mount, "Permission denied" under chmod.
    assert first.startswith("guideline: error: " + expected.split(": ")[0] + ": ")
    if os.geteuid() == 0:
        assert first == f"guideline: error: {expected}"
        assert hint == f"  hint: {case.hint.replace('{root}', str(root))}"
    assert "Traceback" not in result.stderr
    assert _contents(guidelines) == before
