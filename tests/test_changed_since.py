"""validate --changed-since REV: the findings a change can affect, identical to a full run's."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import git
import pytest
from guideline.corpus.project import load_project
from guideline.engine import pipeline as engine
from guideline.engine.changes import describe_change, filter_findings, record_links
from guideline.render.findings_formats import finding_json
from helpers import GitRepo, run_cli, validate_json
from helpers.generator import generate

NO_GX = ("--no-expectations",)
FULL = ("--no-cache", *NO_GX)


def _commit_all(repo: git.Repo, message: str) -> None:
    repo.git.add("-A")
    repo.index.commit(message)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, git.Repo]]:
    root = tmp_path / "project"
    generate.generate(root, 400, seed=11)
    repo = GitRepo(root, identity=git.Actor("Editor", "editor@example.org"))
    repo.commit("generated corpus")
    monkeypatch.chdir(root)
    yield root, repo.repo
    repo.close()


def _rows(report: dict[str, Any]) -> list[str]:
    return [json.dumps(f, sort_keys=True) for f in report["findings"]]


def _since(root: Path, rev: str = "HEAD") -> dict[str, Any]:
    return validate_json(root, extra=("--changed-since", rev, *NO_GX))


def _hits(report: dict[str, Any], rule: str) -> set[tuple[str, str | None]]:
    return {(f["file"], f["record"]) for f in report["findings"] if f["rule"] == rule}


def test_generated_changes_give_the_full_runs_findings(corpus: tuple[Path, git.Repo]) -> None:
    root, _ = corpus
    base = validate_json(root, extra=FULL)
    validate_json(root, extra=NO_GX)  # fills the cache, as the run on the base commit did in CI
    changed = generate.change_records(root, 10, seed=3)
    since = _since(root)
    full = validate_json(root, extra=FULL)

    # Every reported finding is one of the full run's, unchanged.
    assert set(_rows(since)) <= set(_rows(full))
    # Every finding the change brought is reported.
    before = {f["fingerprint"] for f in base["findings"]}
    new = [row for row, f in zip(_rows(full), full["findings"]) if f["fingerprint"] not in before]
    assert new and set(new) <= set(_rows(since))
    # Only what the change can affect: the planted defects elsewhere are left out.
    assert len(since["findings"]) < len(full["findings"])
    # The same selection, made in process from an uncached full run.
    project = load_project(root)
    result = engine.validate([root / "guidelines"], project, today=date(2026, 11, 25), with_expectations=False)
    expected = filter_findings(result.findings, describe_change(project, "HEAD"), record_links(result.corpus))
    assert [finding_json(f) for f in expected] == since["findings"]

    # The kinds of edit change_records makes, each seen where it was made.
    edited = {record for _, record in changed}
    assert {record for _, record in _hits(since, "VOC001")} & edited
    assert {record for _, record in _hits(since, "ID001")} & edited
    assert any("ref-gone-" in f["message"] for f in since["findings"] if f["rule"] == "REF001")


def test_a_removed_reference_is_reported_in_files_that_were_not_edited(corpus: tuple[Path, git.Repo]) -> None:
    root, _ = corpus
    bibliography = root / "guidelines" / "references" / "bibliography-001.yaml"
    lines = bibliography.read_text().splitlines()
    start = lines.index("  - id: ref-0000042")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: "))
    bibliography.write_text("\n".join(lines[:start] + lines[end:]) + "\n")
    since = _since(root)
    citing = {(f["file"], f["record"]) for f in since["findings"]
              if f["rule"] == "REF001" and "'ref-0000042'" in f["message"]}
    assert citing and all(path.startswith("guidelines/topics/") for path, _ in citing)
    full = validate_json(root, extra=FULL)
    assert citing == {(f["file"], f["record"]) for f in full["findings"]
                      if f["rule"] == "REF001" and "'ref-0000042'" in f["message"]}


def test_nothing_changed_nothing_reported(corpus: tuple[Path, git.Repo]) -> None:
    root, _ = corpus
    result = run_cli("validate", "--changed-since", "HEAD", *NO_GX, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout


def test_uncommitted_and_untracked_files_count(corpus: tuple[Path, git.Repo]) -> None:
    root, repo = corpus
    topic = sorted((root / "guidelines" / "topics").glob("*.yaml"))[2]
    copy = root / "guidelines" / "topics" / "zz-new-topic.yaml"
    text = topic.read_text()
    first_id = text.split("  - id: ", 1)[1].split("\n", 1)[0]
    copy.write_text(text.replace(first_id, "zz-new-record", 1))
    since = _since(root)
    assert any(f["file"] == "guidelines/topics/zz-new-topic.yaml" for f in since["findings"])
    _commit_all(repo, "new topic")
    assert _since(root)["findings"] == []
    assert {f["file"] for f in _since(root, "HEAD~1")["findings"]} >= {"guidelines/topics/zz-new-topic.yaml"}


def test_a_data_file_change_reports_everything(corpus: tuple[Path, git.Repo]) -> None:
    root, _ = corpus
    policy = root / "guidelines" / "policy.yaml"
    policy.write_text(policy.read_text().replace("review_interval_days: 730", "review_interval_days: 700"))
    assert _rows(_since(root)) == _rows(validate_json(root, extra=FULL))


def test_a_file_that_no_longer_parses(corpus: tuple[Path, git.Repo]) -> None:
    root, _ = corpus
    topic = sorted((root / "guidelines" / "topics").glob("*.yaml"))[4]
    topic.write_text(topic.read_text().replace("recommendations:\n", "recommendations:\n\t- broken\n", 1))
    rel = topic.relative_to(root).as_posix()
    since = _since(root)
    assert (rel, None) in _hits(since, "YML001")
    assert set(_rows(since)) <= set(_rows(validate_json(root, extra=FULL)))


def test_a_deleted_file(corpus: tuple[Path, git.Repo]) -> None:
    root, _ = corpus
    shutil.rmtree(root / "guidelines" / "references")
    since = _since(root)
    assert _hits(since, "REF001")
    assert set(_rows(since)) <= set(_rows(validate_json(root, extra=FULL)))


def test_bad_revision_and_no_repository(corpus: tuple[Path, git.Repo], tmp_path: Path) -> None:
    root, _ = corpus
    result = run_cli("validate", "--changed-since", "no-such-branch", cwd=root)
    assert result.returncode == 2
    assert "unknown revision 'no-such-branch'" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("validate", "--changed-since", "--upload-pack=x", cwd=root)
    assert result.returncode == 2
    outside = tmp_path / "plain"
    shutil.copytree(root / "guidelines", outside / "guidelines")
    result = run_cli("validate", "--changed-since", "HEAD", cwd=outside)
    assert result.returncode == 2
    assert "not in a git repository" in result.stderr
