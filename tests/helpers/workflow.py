"""The small workflow project: one submitted topic ("supplements") in git, committed by distinct people.

Shared by the workflow, review command, tampering, publication and git-fault tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import git
from git import Actor
from guideline.corpus import materiality
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.project import Project, load_project
from guideline.corpus.reviews import Comment, Decision, reviews_path
from guideline.corpus.views import view_of
from guideline.engine.pipeline import load_corpus
from guideline.workflow.recording import append_review_log

from helpers import REPO_ROOT, GitRepo, make_project

EDITOR = Actor("Priya Lindqvist", "priya.lindqvist@example.org")
EDITOR_2 = Actor("Samuel Adeyemi", "samuel.adeyemi@example.org")
CHAIR = Actor("Ingrid Halvorsen", "ingrid.halvorsen@example.org")
TOMAS = Actor("Tomas Okafor", "tomas.okafor@example.org")
MEI = Actor("Mei-Lin Castellanos", "mei-lin.castellanos@example.org")
RAFAEL = Actor("Rafael Nakamura", "rafael.nakamura@example.org")
OUTSIDER = Actor("Olle Outsider", "olle.outsider@example.org")
TODAY = "2026-11-25"
TOPIC = "supplements"
REC = "supplements-01"
TOPIC_FILE = f"guidelines/topics/{TOPIC}.yaml"
REVIEWS_FILE = f"guidelines/reviews/{TOPIC}.yaml"

TOPIC_YAML = """\
# yaml-language-server: $schema=../../schemas/topic-file.schema.json
topic:
  id: supplements
  question: Which supplements do patients with an osteoporotic spine fracture need?
  title: Supplements After Osteoporotic Spine Fractures
  summary: supplements-00
  audience:
    - clinicians
  last_updated: "2026-01-02"
  review_state: submitted
  sections:
    - id: essential-adjunctive-therapy
      title: Essential Adjunctive Therapy
      groups:
        - id: all-patients
          lead: "All patients require:"

recommendations:
  - id: supplements-00
    section: summary
    statement: All patients with an osteoporotic vertebral compression fracture need calcium 1000-1200 mg/day and vitamin D 800 IU/day.
    statement_type: recommendation
    direction: for
    strength:
      scheme: UNGRADED
      grade: Not graded
      class: not-graded
    certainty: not-rated
    population:
      description: All patients with an osteoporotic vertebral compression fracture
      condition:
        - osteoporotic-vertebral-compression-fracture
    intervention:
      - calcium
      - vitamin-d
    dosing:
      - agent: calcium
        dose: 1000
        dose_max: 1200
        unit: mg
        route: oral
        frequency: daily
      - agent: vitamin-d
        dose: 800
        unit: IU
        route: oral
        frequency: daily
    citations:
      - supplements-ref-1
    review_state: submitted

  - id: supplements-01
    section: essential-adjunctive-therapy
    group: all-patients
    statement: Calcium 1000-1200 mg/day
    statement_type: recommendation
    direction: for
    strength:
      scheme: UNGRADED
      grade: Not graded
      class: not-graded
    certainty: not-rated
    population:
      description: All patients with an osteoporotic vertebral compression fracture
      condition:
        - osteoporotic-vertebral-compression-fracture
    intervention:
      - calcium
    dosing:
      - agent: calcium
        dose: 1000
        dose_max: 1200
        unit: mg
        route: oral
        frequency: daily
    citations:
      - supplements-ref-1
      - supplements-ref-2
    review_state: submitted

  - id: supplements-02
    section: essential-adjunctive-therapy
    group: all-patients
    statement: Vitamin D 800 IU/day
    statement_type: recommendation
    direction: for
    strength:
      scheme: UNGRADED
      grade: Not graded
      class: not-graded
    certainty: not-rated
    population:
      description: All patients with an osteoporotic vertebral compression fracture
      condition:
        - osteoporotic-vertebral-compression-fracture
    intervention:
      - vitamin-d
    dosing:
      - agent: vitamin-d
        dose: 800
        unit: IU
        route: oral
        frequency: daily
    citations:
      - supplements-ref-2
    review_state: submitted
    notes: Dose as in the source article.
"""

REFERENCES_YAML = """\
# yaml-language-server: $schema=../../schemas/references-file.schema.json
references:
  - id: supplements-ref-1
    type: guideline
    title: First-Line Pharmacologic Therapy for Symptomatic Compression Fractures
    source: "Praxis Medical Insights: Practical Summaries of Clinical Guidelines"
    year: 2025
    listed_as: Guideline

  - id: supplements-ref-2
    type: guideline
    title: Calcitonin Therapy for Osteoporotic Fractures
    source: "Praxis Medical Insights: Practical Summaries of Clinical Guidelines"
    year: 2025
    listed_as: Guideline
"""

WORKFLOW_DATA = ("board.yaml", "workflow.yaml", "publication.yaml")


def commit(root: Path, who: Actor, message: str) -> str:
    repo = git.Repo(root)
    repo.git.add(A=True)
    return repo.index.commit(message, author=who, committer=who).hexsha


def make_repo(target: Path, *, with_git: bool = True) -> Path:
    """A project with the small topic, committed by the editor."""
    root = make_project(target)
    for name in WORKFLOW_DATA:
        shutil.copy(REPO_ROOT / "guidelines" / name, root / "guidelines" / name)
    (root / "guidelines" / "topics").mkdir()
    (root / "guidelines" / "references").mkdir()
    (root / TOPIC_FILE).write_text(TOPIC_YAML, encoding="utf-8")
    (root / "guidelines" / "references" / f"{TOPIC}.yaml").write_text(REFERENCES_YAML, encoding="utf-8")
    if with_git:
        GitRepo(root).commit("Import the supplements topic", author=EDITOR)
    return root


def edit(root: Path, old: str, new: str, path: str = TOPIC_FILE) -> None:
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")


def set_state(root: Path, state: str) -> None:
    file = root / TOPIC_FILE
    file.write_text(file.read_text(encoding="utf-8").replace("review_state: submitted", f"review_state: {state}"),
                    encoding="utf-8")


def corpus_of(root: Path) -> tuple[Project, Any]:
    project = load_project(root, shown_from=Path.cwd())
    corpus = load_corpus([root / "guidelines"], project)
    return project, corpus


def record_decision(root: Path, record_ids: list[str] | None, who: Actor, decision: str = "approve") -> None:
    """Write decisions on the records' current content straight into the log, as a hand edit would."""
    project, corpus = corpus_of(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    recs = records_by_topic(corpus)[TOPIC]
    records = [r for r in topic_records(topic, recs) if record_ids is None or r.id in record_ids]
    decisions = []
    for record in records:
        view = view_of(record, recs)
        decisions.append(Decision(record.id, who.email, decision, TODAY, materiality.content_hash(view),
                                  materiality.presentation_hash(view)))
    append_review_log(reviews_path(project, TOPIC), TOPIC, decisions=decisions)


def add_comment(root: Path, record_id: str, who: Actor, text: str, comment_id: str = f"{TOPIC}-c1") -> None:
    project, _ = corpus_of(root)
    append_review_log(reviews_path(project, TOPIC), TOPIC,
                      comments=[Comment(comment_id, record_id, who.email, TODAY, text, "unresolved")])


def line_of(root: Path, record_id: str, key: str, path: str = TOPIC_FILE) -> int:
    """1-based line of `key:` inside the record with this id."""
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() in (f"- id: {record_id}", f"id: {record_id}"))
    return next(i + 1 for i in range(start, len(lines)) if lines[i].strip().startswith(f"{key}:"))


def as_user(who: Any) -> dict[str, str]:
    """The environment under which git, and so `guideline`, takes who as the author."""
    return {"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email}
