"""guideline diff when things are wrong: shallow clones, unknown revisions, unreadable files, no git at all."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import git
from helpers import run_cli
from helpers.diffs import (
    DATA_FILES,
    HEAD_DATE,
    TOPIC,
    GitProject,
    change_of,
        standard_corpus,
)


def _usage_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stderr
    stderr = result.stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in stderr, stderr
    return stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    for path, text in DATA_FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    result = run_cli("diff", "--base", "main", cwd=root)
    _usage_error(result, "not inside a git repository", "guideline validate")


def test_unknown_revision(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    gitproject.commit("base")
    _usage_error(run_cli("diff", "--base", "no-such-branch", cwd=gitproject.root),
                 "unknown revision 'no-such-branch'")
    # A revision that looks like an option never reaches git as one.
    _usage_error(run_cli("diff", "--base", "main", "--head=--output=x", cwd=gitproject.root),
                 "unknown revision '--output=x'")


def test_repository_without_commits(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    _usage_error(run_cli("diff", cwd=gitproject.root), "no commit yet")


def test_shallow_clone_without_the_base(gitproject: GitProject, tmp_path: Path) -> None:
    standard_corpus(gitproject)
    first = gitproject.commit("base")
    (gitproject.root / TOPIC).write_text((gitproject.root / TOPIC).read_text().replace("200 IU", "100 IU"))
    gitproject.commit("edit", date=HEAD_DATE)
    clone_dir = tmp_path / "shallow"
    shallow = git.Repo.clone_from(f"file://{gitproject.root}", clone_dir, depth=1)
    shallow.close()
    for args in (("--base", first), ()):
        stderr = _usage_error(run_cli("diff", *args, cwd=clone_dir), "git fetch --unshallow",
                              "fetch-depth: 0")
        assert "shallow clone" in stderr


def test_shallow_clone_with_the_base_works(gitproject: GitProject, tmp_path: Path) -> None:
    standard_corpus(gitproject)
    gitproject.commit("base")
    (gitproject.root / TOPIC).write_text((gitproject.root / TOPIC).read_text().replace("200 IU", "100 IU"))
    gitproject.commit("edit", date=HEAD_DATE)
    clone_dir = tmp_path / "shallow"
    shallow = git.Repo.clone_from(f"file://{gitproject.root}", clone_dir, depth=2)
    shallow.close()
    result = run_cli("diff", "--format", "json", "--output", "-", cwd=clone_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [c["id"] for c in report["changes"]] == ["spine-01"]


def test_file_that_does_not_parse_at_head(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    gitproject.commit("base", tag="base")
    text = (gitproject.root / TOPIC).read_text(encoding="utf-8")
    broken = text.replace("  - id: spine-02\n", "  - id: spine-02\n   bad: [unclosed\n")
    gitproject.write(TOPIC, broken)
    result = run_cli("diff", "--base", "base", "--format", "json", "--output", "-", cwd=gitproject.root)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    entry = report["files"][0]
    assert (entry["path"], entry["status"]) == (TOPIC, "modified")
    assert [(f["rule"], f["file"]) for f in entry["head_problems"]] == [("YML001", TOPIC)]
    assert entry["head_problems"][0]["line"] in (gitproject.line_of(TOPIC, "bad: [unclosed"),
                                                 gitproject.line_of(TOPIC, "bad: [unclosed") + 1)
    assert entry["base_problems"] == []
    assert entry["not_compared"] == ["spine", "spine-00", "spine-01", "spine-02", "spine-03", "spine-04"]
    # Nothing is reported as removed just because the file cannot be read...
    assert report["changes"] == [] or all(c["kind"] == "reference" for c in report["changes"])
    # ...and the parse problem is a finding the change introduced.
    introduced = [(f["rule"], f["file"]) for e in report["elsewhere"] for f in e["introduced"]]
    assert ("YML001", TOPIC) in introduced


def test_file_that_did_not_parse_at_base(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    good = (gitproject.root / TOPIC).read_text(encoding="utf-8")
    gitproject.write(TOPIC, good.replace("topic:\n", "topic:\n\tid: tab\n", 1))
    gitproject.commit("broken base", tag="base")
    gitproject.write(TOPIC, good)
    report = gitproject.report()
    entry = report["files"][0]
    assert [f["rule"] for f in entry["base_problems"]] == ["YML001"] and entry["head_problems"] == []
    resolved = [(f["rule"], f["file"]) for e in report["elsewhere"] for f in e["resolved"]]
    assert ("YML001", TOPIC) in resolved


def test_corpus_that_did_not_exist_at_base(tmp_path: Path) -> None:
    project = GitProject(tmp_path / "repo")
    shutil.rmtree(project.root / "guidelines")
    project.write("README.md", "empty for now\n")
    project.commit("start", tag="base")
    for path, text in DATA_FILES.items():
        project.write(path, text)
    standard_corpus(project)
    report = project.report()
    project.close()
    assert report["notes"] == []
    assert change_of(report, "spine-01")["change"] == "added"
    assert report["summary"]["added"] == 9 and report["summary"]["removed"] == 0
