"""Git faults for the commands that read history (diff, review approve, status, publish, validate
--changed-since): a clear message, never a traceback, and the documented exit code."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from helpers import run_cli
from helpers.workflow import (
    EDITOR,
    MEI,
    REC,
    REVIEWS_FILE,
    TOMAS,
    TOPIC,
    TOPIC_FILE,
    as_user,
    commit,
    edit,
    make_repo,
)

# Tomas signs with his key (on the roster) wherever the command runs, clones included.
TOMAS_ENV = as_user(TOMAS)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One repository per fault, made once for the module (no test writes into them)."""
    base = tmp_path_factory.mktemp("git-faults")
    made: dict[str, Path] = {"not-a-repo": make_repo(base / "not-a-repo", with_git=False)}
    unborn = make_repo(base / "unborn", with_git=False)
    git.Repo.init(unborn)
    made["unborn"] = unborn
    source = make_repo(base / "source")
    edit(source, "Calcium 1000-1200 mg/day\n", "Calcium 1000 mg/day\n")
    commit(source, MEI, "Lower the calcium dose")
    commit(source, EDITOR, "Nothing", allow_empty=True)
    made["source"] = source
    made["shallow"] = Path(git.Repo.clone_from(source.as_uri(), base / "shallow", depth=1).working_dir)
    detached = git.Repo.clone_from(source.as_uri(), base / "detached")
    detached.git.checkout("HEAD~1")
    made["detached"] = Path(detached.working_dir)
    dirty = git.Repo.clone_from(source.as_uri(), base / "dirty")
    made["dirty"] = Path(dirty.working_dir)
    edit(made["dirty"], "Vitamin D 800 IU/day\n", "Vitamin D 1000 IU/day\n")
    return made


# (fault, command, exit code, what stderr must say)
CASES = [
    ("not-a-repo", ("diff",), 2, "is not inside a git repository"),
    ("not-a-repo", ("review", "approve", TOPIC), 2,
     "decisions are signed git commits: approvals can only be verified in a git repository"),
    ("not-a-repo", ("review", "approve", TOPIC, "--reviewer", "tomas.okafor@example.org"), 2,
     "guideline review acts only as you: it cannot record a decision for tomas.okafor@example.org"),
    ("not-a-repo", ("status",), 0, "approvals can only be verified in a git repository; no approval can count"),
    ("not-a-repo", ("publish",), 1, f"publish refused for {TOPIC}"),
    ("not-a-repo", ("validate", "--changed-since", "HEAD"), 2, "is not in a git repository"),
    ("unborn", ("diff",), 2, "the repository has no commit yet"),
    ("unborn", ("review", "approve", TOPIC), 2,
     "decisions are signed git commits: the repository has no commits yet"),
    ("unborn", ("status",), 0, "the repository has no commits yet; no approval can count"),
    ("unborn", ("publish",), 1, f"publish refused for {TOPIC}"),
    ("shallow", ("diff",), 2, "git fetch --unshallow"),
    ("shallow", ("diff", "--base", "HEAD~1"), 2, "git fetch --unshallow"),
    ("shallow", ("review", "approve", TOPIC), 2, "decisions are signed git commits: the clone is shallow"),
    ("shallow", ("status",), 0, "the clone is shallow"),
    ("shallow", ("publish",), 1, f"publish refused for {TOPIC}"),
    ("detached", ("diff", "--base", "no-such-branch"), 2, "unknown revision 'no-such-branch'"),
    ("detached", ("review", "approve", REC), 0, "approved"),
    ("detached", ("status",), 0, ""),
    ("dirty", ("diff", "--base", "HEAD", "--head", "no-such-tag"), 2, "unknown revision 'no-such-tag'"),
    ("dirty", ("validate", "--changed-since", "no-such-rev"), 2, "unknown revision 'no-such-rev'"),
    ("dirty", ("publish",), 1, f"publish refused for {TOPIC}"),
]


@pytest.mark.parametrize("fault, command, code, message", CASES,
                         ids=[f"{c[0]}-{'-'.join(c[1][:2])}-{c[2]}" for c in CASES])
def test_git_fault(repos: dict[str, Path], tmp_path: Path, fault: str, command: tuple[str, ...], code: int,
                   message: str) -> None:
    root = repos[fault]
    writes = command[0] == "review" and code == 0
    if writes:
        # Approving writes the review log: work on a copy so the shared repository stays as made.
        copy = git.Repo.clone_from(repos["source"].as_uri(), tmp_path / "copy")
        copy.git.checkout("HEAD~1")
        root = Path(copy.working_dir)
    extra = ("--output", str(tmp_path / "report.html")) if command[0] == "diff" else ()
    result = run_cli(*command, *extra, cwd=root, env=TOMAS_ENV)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr + result.stdout
    if code == 2:
        assert result.stderr.startswith("guideline: error: ") and "  hint: " in result.stderr
    if command[:2] == ("review", "approve") and code != 0:
        assert not (root / REVIEWS_FILE).exists()
    if writes:
        # The approval is its own commit, signed by Tomas: nothing is left to commit.
        assert not git.Repo(root).is_dirty(untracked_files=True)
        assert git.Repo(root).head.commit.author.email == TOMAS.email
    if command[0] == "publish":
        assert not (root / "published").exists()


def test_detached_head_diff_compares_with_the_parent(repos: dict[str, Path]) -> None:
    result = run_cli("diff", "--format", "json", "--output", "-", cwd=repos["detached"])
    assert result.returncode == 0, result.stderr
    assert REC in result.stdout


def test_uncommitted_changes_are_the_head_of_the_diff(repos: dict[str, Path]) -> None:
    result = run_cli("diff", "--base", "HEAD", "--format", "json", "--output", "-", "--no-findings",
                           cwd=repos["dirty"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "supplements-02" in json.dumps(report) and REC not in json.dumps(report.get("records", report))
    assert (repos["dirty"] / TOPIC_FILE).read_text(encoding="utf-8").count("Vitamin D 1000 IU/day") == 1
