"""Submission: move a topic (with its recommendations) or one recommendation to 'submitted' and record it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from guideline.checks.approvals import Approvals
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.corpus.reviews import LoggedTransition, reviews_path
from guideline.corpus.states import load_workflow
from guideline.engine.pipeline import load_corpus
from guideline.git.history import History
from guideline.workflow.recording import append_review_log, set_states
from guideline.workflow.targets import find_target, reviewer_identity


@dataclass(frozen=True)
class SubmitRequest:
    target: str
    today: date
    message: str | None = None
    by: str | None = None


@dataclass
class SubmitOutcome:
    topic: str
    by: str
    log: Path
    transitions: list[LoggedTransition] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    explicit: bool = False
    sources: list[str] = field(default_factory=list)


def submit(project: Project, request: SubmitRequest) -> SubmitOutcome:
    """Record the submit transitions the workflow allows; records in other states are left as they are."""
    workflow = load_workflow(project)
    corpus = load_corpus([project.root / CORPUS_DIR], project)
    target = find_target(corpus, request.target)
    history = History.open(project.root)
    try:
        by = reviewer_identity(history, request.by, "--by")
    finally:
        if history is not None:
            history.close()
    outcome = SubmitOutcome(target.topic.id, by, reviews_path(project, target.topic.id),
                            explicit=len(target.records) == 1, sources=workflow.sources("submit"))
    approvals = Approvals.open(project, corpus)
    try:
        for record in target.records:
            state = str(record.get("review_state") or "draft")
            new_state = workflow.target("submit", state)
            if new_state is None:
                outcome.skipped.append(f"{record.id} is {state}")
                continue
            content = approvals.hashes(record, target.recommendations)[0]
            outcome.transitions.append(LoggedTransition(record.id, "submit", state, new_state, by,
                                                        request.today.isoformat(), request.message, content))
    finally:
        approvals.close()
    if outcome.transitions:
        append_review_log(outcome.log, target.topic.id, transitions=outcome.transitions,
                          shown=project.display(outcome.log))
        set_states(project.located(target.topic.file), {t.record: t.target for t in outcome.transitions},
                   shown=target.topic.file)
    return outcome
