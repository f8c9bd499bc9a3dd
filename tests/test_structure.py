"""Structure rules (checks/structure.py and FIL001): each with a file that passes and one that fails.

Each failing case asserts every hit of its rule as (file, line, record); the passing case asserts none.
Runs the engine in-process (the CLI path is covered by test_cli.py and test_loader.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from guideline.corpus.project import load_project
from guideline.engine.pipeline import validate

TOPIC = """\
topic:
  id: demo-topic
  title: Demo topic
  question: What helps?
  summary: demo-topic-00
  audience:
    - clinicians
  last_updated: "2026-01-02"
  review_state: draft
  sections:
    - id: acute
      title: Acute
      groups:
        - id: first-days
          lead: "In the first days:"
recommendations:
  - id: demo-topic-00
    section: summary
    statement: Assess pain at every visit.
    statement_type: good-practice
    citations: []
    review_state: draft
  - id: demo-topic-01
    section: acute
    group: first-days
    statement: Offer supervised exercise rather than bed rest.
    statement_type: recommendation
    direction: for
    strength:
      scheme: AAOS
      version: "2010"
      grade: Weak
      class: conditional
    certainty: low
    population:
      condition:
        - osteoporotic-vertebral-compression-fracture
    intervention:
      - exercise-program
    comparator:
      - conservative-management
    citations: []
    review_state: draft
"""
TOPIC_FILE = "guidelines/topics/demo.yaml"
Hit = tuple[str, int, str | None]


def edit(old: str, new: str, text: str = TOPIC) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture
def check(project: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, list[Hit]]]:
    """Write files into the project, validate it, return {rule: [(file, line, record)]}."""
    monkeypatch.chdir(project)

    def run(files: dict[str, str]) -> dict[str, list[Hit]]:
        for name, content in files.items():
            path = project / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        result = validate([project / "guidelines"], load_project(project), today=date(2026, 11, 25))
        hits: dict[str, list[Hit]] = {}
        for finding in result.findings:
            hits.setdefault(finding.rule, []).append((finding.file, finding.line, finding.record))
        return hits

    return run


def test_valid_topic_has_no_structure_findings(check: Callable[..., dict[str, list[Hit]]]) -> None:
    hits = check({TOPIC_FILE: TOPIC})
    for rule in ("ID001", "TOP001", "TOP002", "VOC001", "VOC002", "GRD001", "GRD002", "GRD003", "FIL001"):
        assert hits.get(rule, []) == [], rule


# (rule, files to write, expected hits of that rule)
FAILING: dict[str, tuple[str, dict[str, str], list[Hit]]] = {
    "duplicate-recommendation-id-across-files": ("ID001", {
        TOPIC_FILE: TOPIC,
        "guidelines/topics/other.yaml": edit("id: demo-topic\n", "id: other-topic\n")
        .replace("summary: demo-topic-00", "summary: other-topic-00").replace("id: demo-topic-00", "id: other-topic-00")
    }, [("guidelines/topics/other.yaml", 23, "demo-topic-01")]),
    "duplicate-id-in-one-file": ("ID001", {
        TOPIC_FILE: edit("  - id: demo-topic-01\n    section: acute\n",
                         "  - id: demo-topic-00\n    section: acute\n"),
    }, [(TOPIC_FILE, 23, "demo-topic-00")]),
    "duplicate-topic-id": ("ID001", {
        TOPIC_FILE: TOPIC,
        "guidelines/topics/again.yaml": "topic:\n  id: demo-topic\n  title: Again\n  question: Q?\n"
                                        "  summary: x-00\n  audience: [clinicians]\n  last_updated: '2026-01-02'\n"
                                        "  review_state: draft\n  sections: []\nrecommendations: []\n",
    }, [(TOPIC_FILE, 2, "demo-topic")]),
    "duplicate-reference-id": ("ID001", {
        "guidelines/references/refs.yaml": "references:\n"
                                           "  - {id: ref-1, type: guideline, title: One, year: 2020}\n"
                                           "  - {id: ref-1, type: guideline, title: Two, year: 2021}\n",
    }, [("guidelines/references/refs.yaml", 3, "ref-1")]),
    "unknown-section": ("TOP001", {
        TOPIC_FILE: edit("    section: acute\n", "    section: acute-phase\n"),
    }, [(TOPIC_FILE, 24, "demo-topic-01")]),
    "unknown-group": ("TOP001", {
        TOPIC_FILE: edit("    group: first-days\n", "    group: first-day\n"),
    }, [(TOPIC_FILE, 25, "demo-topic-01")]),
    "summary-is-not-a-recommendation": ("TOP002", {
        TOPIC_FILE: edit("  summary: demo-topic-00\n", "  summary: demo-topic-99\n"),
    }, [(TOPIC_FILE, 5, "demo-topic")]),
    "summary-not-in-summary-section": ("TOP002", {
        TOPIC_FILE: edit("  summary: demo-topic-00\n", "  summary: demo-topic-01\n"),
    }, [(TOPIC_FILE, 5, "demo-topic")]),
    "unknown-intervention": ("VOC001", {
        TOPIC_FILE: edit("      - exercise-program\n", "      - exercise-programme\n"),
    }, [(TOPIC_FILE, 39, "demo-topic-01")]),
    "unknown-comparator-and-condition": ("VOC001", {
        TOPIC_FILE: edit("      - conservative-management\n", "      - usual-care\n")
        .replace("        - osteoporotic-vertebral-compression-fracture\n", "        - ovcf\n"),
    }, [(TOPIC_FILE, 37, "demo-topic-01"), (TOPIC_FILE, 41, "demo-topic-01")]),
    "unknown-dosing-agent": ("VOC001", {
        TOPIC_FILE: edit("    statement_type: good-practice\n",
                         "    statement_type: good-practice\n    dosing:\n      - agent: calcium-carbonate\n        dose: 1000\n"
                         "        unit: mg\n"),
    }, [(TOPIC_FILE, 22, "demo-topic-00")]),
    "unknown-grading-scheme": ("GRD001", {
        TOPIC_FILE: edit("      scheme: AAOS\n", "      scheme: AAOS-2010\n"),
    }, [(TOPIC_FILE, 30, "demo-topic-01")]),
    "unknown-scheme-version": ("GRD001", {
        TOPIC_FILE: edit('      version: "2010"\n', '      version: "2015"\n'),
    }, [(TOPIC_FILE, 31, "demo-topic-01")]),
    "scheme-version-missing": ("GRD001", {
        TOPIC_FILE: edit('      version: "2010"\n', ""),
    }, [(TOPIC_FILE, 30, "demo-topic-01")]),
    "grade-not-in-scheme-version": ("GRD002", {
        TOPIC_FILE: edit("      grade: Weak\n", "      grade: Limited\n"),
    }, [(TOPIC_FILE, 32, "demo-topic-01")]),
    "class-does-not-match-grade": ("GRD003", {
        TOPIC_FILE: edit("      class: conditional\n", "      class: strong\n"),
    }, [(TOPIC_FILE, 33, "demo-topic-01")]),
    "unrecognised-file": ("FIL001", {
        "guidelines/topics/notes.yaml": "notes:\n  - remember to ask the board\n",
    }, [("guidelines/topics/notes.yaml", 1, None)]),
}


@pytest.mark.parametrize("name", FAILING)
def test_rule_fires(name: str, check: Callable[..., dict[str, list[Hit]]]) -> None:
    rule, files, expected = FAILING[name]
    assert check(files).get(rule, []) == expected


def test_dosing_agent_passes_when_known(check: Callable[..., dict[str, list[Hit]]]) -> None:
    hits = check({TOPIC_FILE: edit("    statement_type: good-practice\n",
                                   "    statement_type: good-practice\n    dosing:\n      - agent: calcium\n"
                                   "        dose: 1000\n        unit: mg\n")})
    assert hits.get("VOC001", []) == []


def test_grade_matches_case_insensitively_and_single_version_needs_none(
        check: Callable[..., dict[str, list[Hit]]]) -> None:
    hits = check({TOPIC_FILE: edit('      scheme: AAOS\n      version: "2010"\n      grade: Weak\n',
                                   "      scheme: GRADE\n      grade: weak\n")})
    assert [hits.get(r, []) for r in ("GRD001", "GRD002", "GRD003")] == [[], [], []]


def test_hints_name_the_closest_known_value(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "guidelines/topics").mkdir(parents=True)
    (project / TOPIC_FILE).write_text(edit("      - exercise-program\n", "      - exercise-programme\n")
                                      .replace("    section: acute\n", "    section: acutte\n"), encoding="utf-8")
    result = validate([project / "guidelines"], load_project(project), today=date(2026, 11, 25))
    hints = {f.rule: f.hint for f in result.findings}
    assert hints["VOC001"] == "did you mean 'exercise-program'?"
    assert hints["TOP001"] == "did you mean 'acute'?"


VOCABULARY_TAIL = """
  - id: spine-procedure
    label: Spine procedure
    parents:
      - spine-operation
  - id: loop-a
    label: Loop A
    parents:
      - loop-b
  - id: loop-b
    label: Loop B
    parents:
      - loop-a
"""


def test_vocabulary_structure(project: Path, check: Callable[..., dict[str, list[Hit]]]) -> None:
    vocabulary = project / "guidelines/vocabulary.yaml"
    lines = vocabulary.read_text(encoding="utf-8").count("\n")
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + VOCABULARY_TAIL, encoding="utf-8")
    hits = check({TOPIC_FILE: TOPIC})
    assert hits["VOC002"] == [("guidelines/vocabulary.yaml", lines + 2, "spine-procedure"),
                              ("guidelines/vocabulary.yaml", lines + 6, "loop-a"),
                              ("guidelines/vocabulary.yaml", lines + 10, "loop-b")]


def test_shipped_vocabulary_is_a_clean_hierarchy(check: Callable[..., dict[str, list[Hit]]]) -> None:
    assert check({TOPIC_FILE: TOPIC}).get("VOC002", []) == []


def test_duplicate_concept_id(project: Path, check: Callable[..., dict[str, list[Hit]]]) -> None:
    vocabulary = project / "guidelines/vocabulary.yaml"
    text = vocabulary.read_text(encoding="utf-8")
    lines = text.count("\n")
    vocabulary.write_text(text + "  - id: osteoporosis\n    label: Osteoporosis again\n", encoding="utf-8")
    hits = check({TOPIC_FILE: TOPIC})
    assert hits["ID001"] == [("guidelines/vocabulary.yaml", lines + 1, "osteoporosis")]


def test_a_value_the_schema_rejects_is_reported_once(check: Callable[..., dict[str, list[Hit]]]) -> None:
    hits = check({TOPIC_FILE: edit("    section: acute\n", "    section: Acute Phase\n")
                  .replace("      - exercise-program\n", "      - Exercise\n")})
    assert hits["SCH004"] == [(TOPIC_FILE, 24, "demo-topic-01"), (TOPIC_FILE, 39, "demo-topic-01")]
    assert "TOP001" not in hits and "VOC001" not in hits
