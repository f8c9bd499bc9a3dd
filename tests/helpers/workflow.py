"""The small workflow project: one submitted topic ("supplements") in git, and the people who work on it,
each with a real SSH key (ssh-keygen, made once per test process) on the project's roster.

Identity is a signature: `commit` signs as the person named, `as_user` is the environment under which git,
and so `guideline`, signs as them. The repository's own config is the editor's (her clone): uncommitted edits
are hers unless a test says otherwise (`act_as`). Shared by the workflow, review command, tampering,
publication and git-fault tests."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guideline.checks.approvals import Approvals
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.project import Project, load_project
from guideline.corpus.reviews import Comment, Decision, reviews_path
from guideline.engine.pipeline import load_corpus
from guideline.workflow.recording import append_review_log

from helpers import REPO_ROOT, make_project
from helpers.signing import Person, act_as, git, make_people, with_keys

# ssh-keygen once per test process, not once per test.
_KEYS = Path(tempfile.mkdtemp(prefix="guideline-test-keys-"))
atexit.register(shutil.rmtree, _KEYS, True)
PEOPLE = make_people(_KEYS)

EDITOR = PEOPLE["priya-lindqvist"]
EDITOR_2 = PEOPLE["samuel-adeyemi"]
CHAIR = PEOPLE["ingrid-halvorsen"]
TOMAS = PEOPLE["tomas-okafor"]
MEI = PEOPLE["mei-lin-castellanos"]
RAFAEL = PEOPLE["rafael-nakamura"]
# Has a key, but nobody put it on the roster.
OUTSIDER = PEOPLE["olle-outsider"]
TODAY = "2026-11-25"
TOPIC = "supplements"
REC = "supplements-01"
TOPIC_FILE = f"guidelines/topics/{TOPIC}.yaml"
REVIEWS_FILE = f"guidelines/reviews/{TOPIC}.yaml"
BOARD_FILE = "guidelines/board.yaml"

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


def as_user(who: Person) -> dict[str, str]:
    """The environment under which git, and so `guideline`, acts as who and signs with their key (git's
    GIT_CONFIG_* settings, which outrank the repository's config)."""
    config = {"user.name": who.name, "user.email": who.email, "gpg.format": "ssh",
              "user.signingkey": str(who.key)}
    env = {"GIT_CONFIG_COUNT": str(len(config))}
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def commit(root: Path, who: Person | None, message: str, *, sign: bool = True,
           paths: Sequence[str] | None = None, claimed: Person | None = None, allow_empty: bool = False) -> str:
    """Commit everything (or only paths) signed by who (None or sign=False: unsigned, authored as the
    repository's config says); claimed: the name and e-mail the commit states as author and committer."""
    env = {**os.environ, **(as_user(who) if who is not None else {})}
    if claimed is not None:
        for role in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = claimed.name, claimed.email
    selected = ["--", *paths] if paths is not None else []

    def run(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
        return done.stdout.strip()

    run("add", *(selected or ["-A"]))
    run("commit", "-q", "-S" if sign and who is not None else "--no-gpg-sign",
        *(["--allow-empty"] if allow_empty else []), "-m", message, *selected)
    return run("rev-parse", "HEAD")


def make_repo(target: Path, *, with_git: bool = True) -> Path:
    """A project with the small topic and a roster listing everyone's keys, committed (signed) by the editor,
    whose clone it is."""
    root = make_project(target)
    for name in WORKFLOW_DATA:
        shutil.copy(REPO_ROOT / "guidelines" / name, root / "guidelines" / name)
    board = root / BOARD_FILE
    board.write_text(with_keys(board.read_text(encoding="utf-8"), PEOPLE), encoding="utf-8")
    (root / "guidelines" / "topics").mkdir()
    (root / "guidelines" / "references").mkdir()
    (root / TOPIC_FILE).write_text(TOPIC_YAML, encoding="utf-8")
    (root / "guidelines" / "references" / f"{TOPIC}.yaml").write_text(REFERENCES_YAML, encoding="utf-8")
    if with_git:
        git(root, "init", "-q", "-b", "main")
        act_as(root, EDITOR)
        commit(root, EDITOR, "Import the supplements topic")
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


def write_decision(root: Path, record_ids: list[str] | None, who: Person, decision: str = "approve") -> None:
    """Write who's decisions on the records' current content straight into the log, as a hand edit would,
    without committing them."""
    project, corpus = corpus_of(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    recs = records_by_topic(corpus)[TOPIC]
    records = [r for r in topic_records(topic, recs) if record_ids is None or r.id in record_ids]
    approvals = Approvals.open(project, corpus)
    try:
        decisions = [Decision(r.id, who.email, decision, TODAY, *approvals.hashes(r, recs)) for r in records]
    finally:
        approvals.close()
    append_review_log(reviews_path(project, TOPIC), TOPIC, decisions=decisions)


def record_decision(root: Path, record_ids: list[str] | None, who: Person, decision: str = "approve", *,
                    signer: Person | None = None, sign: bool = True) -> str:
    """who's decisions written into the log by hand and committed on their own, signed by who (or by signer,
    or unsigned with sign=False): only who's own signature makes them count. The commit's id."""
    write_decision(root, record_ids, who, decision)
    return commit(root, signer or who, f"Decision by {who.name}", sign=sign, paths=[REVIEWS_FILE])


def add_comment(root: Path, record_id: str, who: Person, text: str, comment_id: str = f"{TOPIC}-c1") -> None:
    project, _ = corpus_of(root)
    append_review_log(reviews_path(project, TOPIC), TOPIC,
                      comments=[Comment(comment_id, record_id, who.email, TODAY, text, "unresolved")])


def line_of(root: Path, record_id: str, key: str, path: str = TOPIC_FILE) -> int:
    """1-based line of `key:` inside the record with this id."""
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() in (f"- id: {record_id}", f"id: {record_id}"))
    return next(i + 1 for i in range(start, len(lines)) if lines[i].strip().startswith(f"{key}:"))
