"""Source fidelity (SRC001-SRC005): records that restate a source guideline (guidelines/sources/) say what it
says. The rule examples cover each rule; these tests pin the shipped corpus and the loading of sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from guideline.checks import fidelity
from guideline.corpus.project import load_project
from guideline.corpus.sources import load_sources
from helpers import make_project
from helpers.fixture_topics import SHIPPED, line_of, run_checks

AAOS = "aaos-2010-osteoporotic-spinal-compression-fractures"


def test_shipped_sources_load(repo_root: Path) -> None:
    sources = load_sources(load_project(repo_root))
    aaos = sources[AAOS]
    assert aaos.label == "AAOS 2010" and (aaos.scheme, aaos.version) == ("AAOS", "2010")
    assert aaos.recommendations["2"].interventions == ("ibandronate", "strontium-ranelate")
    # The 2010 guideline's tally: 11 recommendations, 1 strong, 1 moderate, 3 weak, 6 inconclusive (6-11
    # transcribed as two questions).
    grades = [r.grade for r in aaos.recommendations.values()]
    assert (grades.count("Strong"), grades.count("Moderate"), grades.count("Weak")) == (1, 1, 3)


def test_shipped_corpus_finds_the_risedronate_discrepancy(shipped_project: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    findings = run_checks(shipped_project, fidelity.CHECKS, monkeypatch)
    topic = shipped_project / SHIPPED
    by_rule = {(f.rule, f.record) for f in findings}
    assert ("SRC002", "osteoporotic-spine-fracture-11") in by_rule
    src002 = next(f for f in findings if f.rule == "SRC002")
    assert src002.line == line_of(topic, "osteoporotic-spine-fracture-11", "intervention")
    assert "risedronate" in src002.message and "ibandronate and strontium-ranelate" in src002.message
    # The article drops "neurologically intact" (AAOS 2010 recommendations 3-5) and, for the Inconclusive
    # statement on any treatment, "not neurologically intact".
    assert {record for rule, record in by_rule if rule == "SRC005"} == {
        f"osteoporotic-spine-fracture-{n}" for n in ("09", "15", "16", "18", "31")}
    # Calcitonin (01) and bracing/exercise (10) say what the source says.
    assert not {r for _, r in by_rule} & {"osteoporotic-spine-fracture-01", "osteoporotic-spine-fracture-10"}
    assert {rule for rule, _ in by_rule} == {"SRC002", "SRC005"}


def test_a_project_without_sources_reports_unknown_sources(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project", with_corpus=True)
    for path in (root / "guidelines" / "sources").iterdir():
        path.unlink()
    findings = run_checks(root, fidelity.CHECKS, monkeypatch)
    assert findings and {f.rule for f in findings} == {"SRC001"}


def test_a_source_file_is_schema_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from guideline.engine.pipeline import validate

    root = make_project(tmp_path / "project")
    folder = root / "guidelines" / "sources"
    folder.mkdir()
    (folder / "bad.yaml").write_text("source:\n  id: x\n  label: X\n  title: X\n  grading: {scheme: AAOS}\n"
                                     "recommendations:\n  - {id: '1', number: '1', direction: maybe, grade: Weak}\n",
                                     encoding="utf-8")
    monkeypatch.chdir(root)
    found = {f.rule for f in validate([root / "guidelines"], load_project(root)).findings}
    assert "SCH004" in found and "FIL001" not in found
