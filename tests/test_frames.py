"""The corpus as DataFrames: key columns that map rows back to file, line and record, and derived columns."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from guideline.checks.frames import COLUMNS, Frames, build_frames, grade_key, known_grade_keys
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from helpers import REPO_ROOT, make_project

TODAY = date(2026, 11, 25)

TOPIC = """\
topic:
  id: alpha
  question: How to treat alpha?
  title: Alpha treatment
  summary: alpha-00
  audience: [clinicians]
  last_updated: "2026-06-01"
  review_state: draft
  sections:
    - id: treatment
      title: Treatment
recommendations:
  - id: alpha-00
    section: summary
    statement: "  Treat  Alpha with calcium.  "
    statement_type: good-practice
    citations: []
    review_state: draft
  - id: alpha-01
    section: treatment
    statement: Give calcium to adults with alpha.
    statement_type: recommendation
    direction: for
    strength:
      scheme: AAOS
      version: "2010"
      grade: Moderate
    certainty: low
    dosing:
      - agent: calcium
        dose: 1000
        dose_max: 1200
        unit: mg
        frequency: daily
      - agent: vitamin-d
        dose: 800
        unit: IU
    citations:
      - ref-a
      - ref-missing
    review_state: draft
    last_reviewed: "2026-11-30"
  - id: alpha-02
    section: treatment
    statement: Strong advice resting on low evidence.
    statement_type: recommendation
    direction: for
    strength: {scheme: GRADE, grade: Strong, class: strong}
    certainty: very-low
    citations: [ref-a]
    review_state: draft
  - id: alpha-03
    section: treatment
    statement: Strong advice resting on high evidence.
    statement_type: recommendation
    direction: for
    strength: {scheme: GRADE, grade: Strong, class: strong}
    certainty: high
    citations: [ref-a]
    review_state: draft
  - id: alpha-bad
    section: treatment
    statement: This record has an unknown field and is left out.
    statement_type: information
    citations: []
    review_state: draft
    colour: blue
"""

REFERENCES = """\
references:
  - id: ref-a
    type: rct
    title: "  Calcium in alpha "
    source: Journal of Alpha
    year: 2016
    identifiers:
      pmid: "123"
      doi: " "
  - id: ref-b
    type: other
    title: Uncited
    source: Somewhere
    year: 2025
"""


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    root = make_project(tmp_path_factory.mktemp("frames") / "project")
    (root / "guidelines" / "topics").mkdir()
    (root / "guidelines" / "references").mkdir()
    (root / "guidelines" / "topics" / "alpha.yaml").write_text(TOPIC, encoding="utf-8")
    (root / "guidelines" / "references" / "refs.yaml").write_text(REFERENCES, encoding="utf-8")
    project = load_project(root)
    corpus = load_corpus([root / "guidelines" / "topics", root / "guidelines" / "references"], project)
    return build_frames(corpus, TODAY)


def rows(frames: Frames, name: str) -> dict[str, dict[str, Any]]:
    """Rows by record id, each with the line its anchor gives (what a finding on the row would point at)."""
    table = frames.tables[name]
    return {f"{row['record']}#{row['row']}" if name in ("dosing", "citations") else row["record"]:
            {**row, "line": _anchor_line(frames, name, row)} for row in table.to_dict("records")}


def _anchor_line(frames: Frames, name: str, row: dict[str, Any]) -> int:
    doc, path = frames.anchors[name][row["row"]]
    return doc.position(path)[0]


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_every_frame_has_exactly_the_documented_columns(frames: Frames) -> None:
    assert set(frames.tables) == set(COLUMNS)
    for name, table in frames.tables.items():
        assert list(table.columns) == list(COLUMNS[name])
        assert list(table["row"]) == list(range(len(table)))
        assert len(frames.anchors[name]) == len(table)


def test_rows_keep_file_record_and_the_line_of_their_anchor(frames: Frames) -> None:
    recs = rows(frames, "recommendations")
    assert sorted(recs) == ["alpha-00", "alpha-01", "alpha-02", "alpha-03"]  # the invalid record is left out
    assert recs["alpha-01"]["file"].endswith("guidelines/topics/alpha.yaml")
    assert recs["alpha-01"]["line"] == line_of(TOPIC, "id: alpha-01")
    assert recs["alpha-01"]["topic"] == "alpha"
    topics = rows(frames, "topics")
    assert topics["alpha"]["line"] == line_of(TOPIC, "topic:")
    refs = rows(frames, "references")
    assert refs["ref-b"]["line"] == line_of(REFERENCES, "id: ref-b")


def test_dosing_and_citation_rows_point_at_their_entries(frames: Frames) -> None:
    dosing = [{**d, "line": _anchor_line(frames, "dosing", d)} for d in frames.tables["dosing"].to_dict("records")]
    assert [(d["record"], d["line"], d["agent"]) for d in dosing] == [
        ("alpha-01", line_of(TOPIC, "agent: calcium"), "calcium"),
        ("alpha-01", line_of(TOPIC, "agent: vitamin-d"), "vitamin-d")]
    assert dosing[0]["dose"] == 1000 and dosing[0]["dose_max"] == 1200 and dosing[0]["frequency"] == "daily"
    assert missing(dosing[1]["dose_max"]) and missing(dosing[1]["frequency"])
    citations = [{**c, "line": _anchor_line(frames, "citations", c)}
                 for c in frames.tables["citations"].to_dict("records")]
    by_ref = {(c["record"], c["reference"]): c for c in citations}
    assert by_ref[("alpha-01", "ref-missing")]["line"] == line_of(TOPIC, "- ref-missing")
    assert by_ref[("alpha-01", "ref-missing")]["reference_found"] is False
    assert by_ref[("alpha-01", "ref-a")]["reference_found"] is True
    assert len(citations) == 4


def test_derived_recommendation_columns(frames: Frames) -> None:
    recs = rows(frames, "recommendations")
    summary, graded, strong_low, strong_high = (recs[i] for i in ("alpha-00", "alpha-01", "alpha-02", "alpha-03"))
    assert summary["statement_length"] == len("Treat  Alpha with calcium.")
    assert summary["statement_key"] == "treat alpha with calcium."
    assert missing(summary["grade_key"]) and summary["citation_count"] == 0
    assert graded["grade_key"] == "AAOS 2010: moderate"
    assert graded["citation_count"] == 2 and graded["dose_count"] == 2
    assert graded["last_reviewed"] == "2026-11-30" and graded["last_reviewed_days_ago"] == -5
    assert missing(summary["last_reviewed_days_ago"])
    assert missing(graded["low_certainty_if_strong"])  # not strong: left out of the share
    assert strong_low["low_certainty_if_strong"] == 1.0
    assert strong_high["low_certainty_if_strong"] == 0.0
    assert frames.tables["recommendations"]["low_certainty_if_strong"].mean() == 0.5


def test_derived_topic_and_reference_columns(frames: Frames) -> None:
    topic = rows(frames, "topics")["alpha"]
    assert topic["last_updated_days_ago"] == (TODAY - date(2026, 6, 1)).days
    assert topic["days_since_review"] == topic["last_updated_days_ago"]  # never reviewed: since the update
    assert topic["recommendation_count"] == 4 and topic["section_count"] == 1
    refs = rows(frames, "references")
    assert refs["ref-a"]["title_length"] == len("Calcium in alpha")
    assert refs["ref-a"]["identifier_count"] == 1  # a blank doi does not count
    assert refs["ref-a"]["age_years"] == 10 and refs["ref-a"]["times_cited"] == 3
    assert refs["ref-b"]["identifier_count"] == 0 and refs["ref-b"]["times_cited"] == 0


def test_grade_keys_cover_versions_and_single_version_schemes() -> None:
    project = load_project(REPO_ROOT)
    keys = set(known_grade_keys(project.grading))
    assert grade_key("AAOS", "2010", "Weak") in keys
    assert grade_key("AAOS", "2018", "Weak") not in keys
    assert grade_key("AAOS", None, "Weak") not in keys  # two AAOS versions: the version must be named
    assert grade_key("GRADE", None, "Strong") in keys
    assert grade_key("OCEBM", None, "A") in keys and grade_key("OCEBM", "2009", "A") in keys


def test_empty_corpus_gives_empty_frames_with_columns(tmp_path: Path) -> None:
    root = make_project(tmp_path / "empty")
    project = load_project(root)
    corpus = load_corpus([root / "guidelines" / "policy.yaml"], project)
    frames = build_frames(corpus, TODAY)
    for name, table in frames.tables.items():
        assert table.empty and list(table.columns) == list(COLUMNS[name])
