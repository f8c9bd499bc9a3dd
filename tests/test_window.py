"""validate --changed-since on a window: exactly the full run's findings about what changed, without checking
the whole corpus; and a full run whenever a window cannot be trusted."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import git
import pytest
from guideline.corpus.cache import open_cache
from guideline.corpus.project import load_project
from guideline.engine import pipeline as engine
from guideline.engine.changes import describe_change, filter_findings, record_links
from guideline.engine.pipeline import ValidationResult, document_parser, file_checks
from guideline.engine.window import window_result
from guideline.render.findings_formats import finding_json
from helpers import GitRepo, run_cli
from helpers.generator import generate

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("window") / "project"
    generate.generate(root, 3000, seed=5)
    return root


@pytest.fixture
def corpus(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A committed generated corpus, validated once with the cache (which leaves the snapshot)."""
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    repo = GitRepo(root, identity=git.Actor("Editor", "editor@example.org"))
    repo.commit("generated corpus")
    monkeypatch.chdir(root)
    result = run_cli("validate", "--no-expectations", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    yield root
    repo.close()


def _window(root: Path, gx: bool = False) -> ValidationResult | None:
    project = load_project(root)
    cache = open_cache(root)
    checks = file_checks(project, TODAY)
    return window_result(project, describe_change(project, "HEAD", document_parser(cache, checks)), checks, cache=cache,
                         with_expectations=gx)


def _full(root: Path, gx: bool = False) -> list[dict[str, object]]:
    project = load_project(root)
    result = engine.validate([root / "guidelines"], project, today=TODAY, with_expectations=gx)
    change = describe_change(project, "HEAD")
    return [finding_json(f) for f in filter_findings(result.findings, change, record_links(result.corpus))]


def _assert_same_as_full(root: Path, *, gx: bool = False) -> ValidationResult:
    window = _window(root, gx)
    assert window is not None, "a window was expected here"
    assert [finding_json(f) for f in window.findings] == _full(root, gx)
    return window


def _blocks(path: Path) -> tuple[list[str], list[int]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines, [i for i, line in enumerate(lines) if line.startswith("  - id: ")]


def _edit_records(root: Path, count: int, seed: int, edit: Callable[[list[str], range], None]) -> None:
    rng = random.Random(seed)
    files = sorted((root / "guidelines" / "topics").glob("*.yaml"))
    for _ in range(count):
        path = rng.choice(files)
        lines, starts = _blocks(path)
        start = rng.choice(starts[1:])
        end = next((i for i in starts if i > start), len(lines))
        edit(lines, range(start, end))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _flip_direction(lines: list[str], block: range) -> None:
    for i in block:
        if lines[i].startswith("    direction: "):
            lines[i] = "    direction: " + ("against" if lines[i].endswith("for") else "for")
            return


def _change_dose(lines: list[str], block: range) -> None:
    for i in block:
        if re.match(r"\s+dose: \d", lines[i]):
            lines[i] = re.sub(r"dose: [\d.]+", "dose: 7777", lines[i])
            return


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_changes_match_the_full_run(corpus: Path, seed: int) -> None:
    generate.change_records(corpus, 10, seed=seed)
    window = _assert_same_as_full(corpus)
    assert window.findings, "the generated edits make findings"
    # Only the records the findings depend on are checked.
    assert len(window.corpus.recommendations) < 3000 / 2


def test_conflicts_and_doses_match_the_full_run(corpus: Path) -> None:
    _edit_records(corpus, 6, 7, _flip_direction)
    _edit_records(corpus, 6, 8, _change_dose)
    window = _assert_same_as_full(corpus)
    assert {f.rule for f in window.findings} & {"CON001", "CON002", "CON003", "CON005"}


def test_references_match_the_full_run(corpus: Path) -> None:
    bibliography = corpus / "guidelines" / "references" / "bibliography-001.yaml"
    text = bibliography.read_text(encoding="utf-8")
    dois = re.findall(r"doi: (\S+)", text)
    # Two works given one DOI, and the support of many strong recommendations weakened.
    text = text.replace(f"doi: {dois[3]}", f"doi: {dois[2]}", 1)
    text = text.replace("type: systematic-review", "type: narrative-review").replace("type: rct", "type: narrative-review")
    bibliography.write_text(text, encoding="utf-8")
    window = _assert_same_as_full(corpus)
    assert {"REF003", "EVD001"} <= {f.rule for f in window.findings}


def test_with_the_expectation_suite(corpus: Path) -> None:
    generate.change_records(corpus, 5, seed=4)
    _assert_same_as_full(corpus, gx=True)


def test_edits_committed_after_the_snapshot(corpus: Path) -> None:
    """Files changed since the snapshot but not since the revision are read again for their keys."""
    generate.change_records(corpus, 5, seed=5)
    repo = git.Repo(corpus)
    repo.git.add("-A")
    repo.index.commit("more edits")
    generate.change_records(corpus, 5, seed=6)
    _assert_same_as_full(corpus)


def test_no_window_without_a_snapshot_or_for_data_changes(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate.change_records(corpus, 3, seed=1)
    assert _window(corpus) is not None
    policy = corpus / "guidelines" / "policy.yaml"
    original = policy.read_text(encoding="utf-8")
    policy.write_text(original.replace("review_interval_days: 730", "review_interval_days: 700"), encoding="utf-8")
    assert _window(corpus) is None  # a data file changed: every record may be affected
    policy.write_text(original, encoding="utf-8")
    shutil.rmtree(corpus / ".guideline-cache")
    assert _window(corpus) is None  # no snapshot yet


def test_no_window_for_a_suite_that_compares_rows(corpus: Path) -> None:
    suite = corpus / "guidelines" / "expectations.yaml"
    suite.write_text(suite.read_text(encoding="utf-8").replace(
        "      column: certainty\n      value_set:", "      column: certainty\n      mostly: 0.5\n      value_set:", 1),
        encoding="utf-8")
    repo = git.Repo(corpus)
    repo.git.add("-A")
    repo.index.commit("suite with mostly")
    assert run_cli("validate", "--no-expectations", cwd=corpus).returncode in (0, 1)
    generate.change_records(corpus, 3, seed=1)
    assert _window(corpus, gx=True) is None
    assert _window(corpus) is not None


def test_no_window_when_a_check_declares_no_keys(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from guideline.checks import Check
    from guideline.engine import window
    generate.change_records(corpus, 3, seed=1)
    monkeypatch.setattr(window, "CHECKS", (*window.CHECKS, Check("undeclared", (), lambda ctx: iter(()))))
    assert _window(corpus) is None
