"""The git layer (guideline.git): one runner, one error type with a hint, the same from every entry point."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from guideline.errors import EXIT_USAGE
from guideline.git.history import History
from guideline.git.objects import ObjectReader
from guideline.git.revisions import Repository
from guideline.git.runner import GitError, ShallowCloneError, commit_of, run_git, work_tree
from helpers import run_cli
from helpers.workflow import MEI, TOPIC_FILE, commit, edit, make_repo


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def plain_repo(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "a.txt").write_text("one\n", encoding="utf-8")
    _git(root, "add", "a.txt")
    _git(root, "-c", "user.name=A", "-c", "user.email=a@example.org", "commit", "-q", "-m", "first")
    return root


def test_a_failing_command_is_a_git_error_with_a_hint(plain_repo: Path) -> None:
    with pytest.raises(GitError) as caught:
        run_git(plain_repo, "-c", "core.quotePath=false", "cat-file", "-p", "HEAD:no-such-file")
    assert str(caught.value).startswith(f"git cat-file failed in {plain_repo}: ")
    assert caught.value.hint
    assert caught.value.exit_code == EXIT_USAGE


def test_a_failure_can_be_inspected_instead(plain_repo: Path) -> None:
    done = run_git(plain_repo, "merge-base", "--is-ancestor", "HEAD", "HEAD", check=False)
    assert done.code == 0
    assert run_git(plain_repo, "rev-parse", "--verify", "--quiet", "nope", check=False).code == 1
    assert commit_of(plain_repo, "HEAD") == _git(plain_repo, "rev-parse", "HEAD")
    assert commit_of(plain_repo, "nope") is None


def test_output_is_bytes_and_nul_safe(plain_repo: Path) -> None:
    name = "b\nc é.txt"
    (plain_repo / name).write_text("two\n", encoding="utf-8")
    out = run_git(plain_repo, "ls-files", "--others", "-z").stdout
    assert out.split(b"\0")[0].decode() == name


def test_a_folder_that_is_not_there_or_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="cannot run git in") as caught:
        run_git(tmp_path / "missing", "status")
    assert caught.value.hint
    assert work_tree(tmp_path) is None
    assert work_tree(tmp_path / "missing") is None


def test_shallow_clone_errors_are_git_errors() -> None:
    assert issubclass(ShallowCloneError, GitError)


def test_objects_and_commits_through_one_reader(plain_repo: Path) -> None:
    reader = ObjectReader(plain_repo)
    try:
        blob = _git(plain_repo, "rev-parse", "HEAD:a.txt")
        assert reader.blob(blob) == b"one\n"
        info = reader.commit(_git(plain_repo, "rev-parse", "HEAD"))
        assert (info.author_email, info.summary) == ("a@example.org", "first")
        with pytest.raises(GitError, match="is missing") as caught:
            reader.blob("1" * 40)
        assert caught.value.hint
        assert reader.blob(blob) == b"one\n"
    finally:
        reader.close()


@pytest.fixture
def corrupt(tmp_path: Path) -> tuple[Path, str]:
    """A project whose topic file was edited in the last commit, with the blob of the earlier version deleted."""
    root = make_repo(tmp_path / "corrupt")
    old = _git(root, "rev-parse", f"HEAD:{TOPIC_FILE}")
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000 mg/day\n")
    commit(root, MEI, "Lower the calcium dose")
    (root / ".git" / "objects" / old[:2] / old[2:]).unlink()
    return root, old


def _assert_git_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == EXIT_USAGE, result.stdout + result.stderr
    assert result.stderr.startswith("guideline: error: git "), result.stderr
    assert " failed in " in result.stderr and "  hint: " in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("validate", "--changed-since", "HEAD~1"), ("diff", "--base", "HEAD~1")])
def test_a_corrupt_repository_is_a_git_error_from_every_command(corrupt: tuple[Path, str], tmp_path: Path,
                                                                command: tuple[str, ...]) -> None:
    root, _ = corrupt
    extra = ("--output", str(tmp_path / "report.html")) if command[0] == "diff" else ()
    _assert_git_error(run_cli(*command, *extra, cwd=root))


def test_a_corrupt_repository_is_a_git_error_from_the_layer(corrupt: tuple[Path, str]) -> None:
    root, old = corrupt
    with Repository(root) as repo:
        files = repo.changed_files(repo.resolve("HEAD~1"), repo.resolve("HEAD"), "guidelines")
        assert [f.base_blob for f in files] == [old]
        with pytest.raises(GitError):
            repo.read_blobs([old])
    history = History.open(root)
    assert history is not None and history.problem is None
    try:
        with pytest.raises(GitError):
            history.read_blob(old)
        with pytest.raises(GitError, match="git blame failed"):
            history.blame(root / TOPIC_FILE)
    finally:
        history.close()
