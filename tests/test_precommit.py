"""The shipped pre-commit hooks, run as pre-commit runs them, in a real throwaway repository: the hook's entry
with the staged files that match its `files` pattern appended (pre-commit itself is not needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, GitRepo, Result, make_project, run_cli
from helpers.workflow import EDITOR

TOPIC = """\
topic:
  id: {name}
  question: What helps?
  title: Demo topic {name}
  summary: {name}-00
  audience: [clinicians]
  last_updated: "2026-01-02"
  review_state: draft
  sections: [{{id: acute, title: Acute}}]
recommendations:
  - id: {name}-00
    section: summary
    statement: Assess pain at every visit.
    statement_type: good-practice
    citations: [{cites}]
    review_state: draft
"""
REFERENCES = """\
references:
  - id: demo-ref-1
    type: guideline
    title: A guideline on pain
    source: A society
    year: 2025
    listed_as: Guideline
"""


def _hook(name: str) -> dict[str, object]:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(hook for hook in hooks if hook["id"] == name)  # type: ignore[no-any-return]


def run_hook(repo: GitRepo, name: str) -> Result:
    """What `pre-commit run` does for this hook on the staged files (deleted files are never passed)."""
    hook = _hook(name)
    staged = repo.git("diff", "--cached", "--name-only", "--diff-filter=ACMRTUXB", "-z").split("\0")
    files = [path for path in staged if path and re.search(str(hook["files"]), path)]
    assert files, "pre-commit would skip the hook: no staged file matches"
    entry = str(hook["entry"]).split()
    assert entry[0] == "guideline"
    return run_cli(*entry[1:], *(files if hook.get("pass_filenames", True) else ()), cwd=repo.root)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: a topic with an error (a citation of nothing) and a clean topic that cites a reference."""
    root = make_project(tmp_path / "project")
    git = GitRepo(root, identity=EDITOR)
    git.commit("main, with an error already in it", {
        "guidelines/topics/broken.yaml": TOPIC.format(name="broken", cites="nowhere-ref"),
        "guidelines/topics/clean.yaml": TOPIC.format(name="clean", cites="demo-ref-1"),
        "guidelines/references/demo.yaml": REFERENCES,
    })
    return git


def _stage(repo: GitRepo, path: str, text: str) -> None:
    repo.write(path, text)
    repo.git("add", path)


def test_the_hook_passes_file_names() -> None:
    hook = _hook("guideline-validate")
    assert hook["pass_filenames"] is True
    assert "--changed-files" in str(hook["entry"])


def test_an_error_already_on_main_does_not_block_an_unrelated_commit(repo: GitRepo) -> None:
    assert run_cli("validate", cwd=repo.root).returncode == 1  # what the old whole-corpus hook blocked on
    _stage(repo, "guidelines/topics/clean.yaml",
           TOPIC.format(name="clean", cites="demo-ref-1").replace("every visit", "each visit"))
    result = run_hook(repo, "guideline-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout


def test_an_error_in_the_touched_file_blocks(repo: GitRepo) -> None:
    _stage(repo, "guidelines/topics/clean.yaml",
           TOPIC.format(name="clean", cites="demo-ref-1").replace("review_state: draft\n", "review_state: drafty\n"))
    result = run_hook(repo, "guideline-validate")
    assert result.returncode == 1
    assert "guidelines/topics/clean.yaml:" in result.stdout
    assert "SCH004" in result.stdout
    assert "broken.yaml" not in result.stdout


def test_a_new_file_with_an_error_blocks(repo: GitRepo) -> None:
    _stage(repo, "guidelines/topics/new.yaml", TOPIC.format(name="new", cites="nowhere-either"))
    result = run_hook(repo, "guideline-validate")
    assert result.returncode == 1
    assert re.search(r"guidelines/topics/new\.yaml:\d+:\d+: ERROR REF001", result.stdout), result.stdout


def test_a_change_in_one_file_is_checked_against_the_others(repo: GitRepo) -> None:
    """Only the bibliography is staged; the citation it breaks is in a topic the commit does not touch."""
    _stage(repo, "guidelines/references/demo.yaml", REFERENCES.replace("demo-ref-1", "demo-ref-one"))
    result = run_hook(repo, "guideline-validate")
    assert result.returncode == 1
    assert re.search(r"guidelines/topics/clean\.yaml:\d+:\d+: ERROR REF001 citation 'demo-ref-1'", result.stdout)
    assert "broken.yaml" not in result.stdout


def test_a_data_file_change_reports_everything(repo: GitRepo) -> None:
    """The vocabulary can change any record's findings, so the whole corpus's are reported."""
    policy = repo.root / "guidelines" / "vocabulary.yaml"
    _stage(repo, "guidelines/vocabulary.yaml", policy.read_text(encoding="utf-8") + "\n")
    result = run_hook(repo, "guideline-validate")
    assert result.returncode == 1
    assert "broken.yaml" in result.stdout


def test_changed_files_needs_file_names(repo: GitRepo) -> None:
    result = run_cli("validate", "--changed-files", cwd=repo.root)
    assert result.returncode == 2
    assert "--changed-files needs the changed files" in result.stderr


def test_the_fmt_hook_blocks_keys_out_of_order_and_passes_once_formatted(repo: GitRepo) -> None:
    text = TOPIC.format(name="clean", cites="demo-ref-1").replace("every visit", "each visit")
    _stage(repo, "guidelines/topics/clean.yaml", text)
    assert run_hook(repo, "guideline-fmt").returncode == 0
    _stage(repo, "guidelines/topics/clean.yaml", text.replace("  id: clean\n  question: What helps?\n",
                                                              "  question: What helps?\n  id: clean\n"))
    blocked = run_hook(repo, "guideline-fmt")
    assert blocked.returncode == 1
    assert "would reformat guidelines/topics/clean.yaml" in blocked.stdout
    assert run_cli("fmt", "guidelines/topics/clean.yaml", cwd=repo.root).returncode == 0
    repo.git("add", "guidelines/topics/clean.yaml")
    assert run_hook(repo, "guideline-fmt").returncode == 0


@pytest.mark.parametrize("doc", ["README.md", "docs/editing.md"])
def test_the_documented_local_hooks_run_what_the_shipped_hooks_run(doc: str) -> None:
    text = (REPO_ROOT / doc).read_text(encoding="utf-8")
    for name in ("guideline-validate", "guideline-fmt"):
        if f"id: {name}" not in text:
            continue
        block = text[text.index(f"id: {name}"):]
        entry = re.search(r"entry: \S*guideline (.+)", block)
        assert entry is not None
        assert f"guideline {entry.group(1).strip()}" == _hook(name)["entry"], (doc, name)
