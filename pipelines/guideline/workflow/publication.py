"""Publication: the gate on every chosen topic, then the articles (with what changed since the topic's earlier
publications: workflow/publication_log.py), and the records published in the review logs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from guideline.checks.approvals import Approvals
from guideline.corpus.article import ArticleStatus, Publication, load_publication, records_by_topic
from guideline.corpus.changelog import Changelog
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.corpus.reviews import LoggedTransition, load_review_log
from guideline.corpus.states import APPROVED_STATES, Workflow, load_workflow
from guideline.engine.pipeline import validate
from guideline.errors import UsageError
from guideline.fileio import write_atomic
from guideline.findings import Finding
from guideline.render.article import render_article
from guideline.workflow.gate import GateResult, gate
from guideline.workflow.governance import PendingChange, in_force
from guideline.workflow.publication_log import topic_history
from guideline.workflow.recording import append_review_log, set_states
from guideline.workflow.targets import reviewer_identity


@dataclass(frozen=True)
class PublishRequest:
    # Topic ids; none: every topic.
    topics: Sequence[str]
    today: date
    # Default: published/, or preview/ with preview.
    out: Path | None = None
    # Only topics the board approved; the others are left out, not refused.
    ready: bool = False
    # Render even what the gate refuses, marked as pending review; record nothing.
    preview: bool = False
    # Who publishes (default: git config user.email).
    by: str | None = None
    # The commit whose roster starts the chain of trust (default: the repository's first commit).
    trust_root: str | None = None


@dataclass(frozen=True)
class Published:
    topic: str
    written: list[Path]
    # Records moved to published in the review log and the topic file.
    transitions: int


@dataclass
class PublishOutcome:
    # Topics left out by `ready`.
    not_ready: list[Record] = field(default_factory=list)
    # The gate's verdict on each chosen topic.
    results: list[GateResult] = field(default_factory=list)
    published: list[Published] = field(default_factory=list)
    # A governance change that is not in force yet: the gate decided without it.
    pending_governance: PendingChange | None = None

    @property
    def refused(self) -> list[GateResult]:
        return [r for r in self.results if not r.ok]


def publish(project: Project, request: PublishRequest) -> PublishOutcome:
    """Gate every chosen topic; with preview, render them all; else, unless one is refused, render them and
    record their records as published."""
    outcome = PublishOutcome()
    if not request.preview:
        # The gate decides by the governance in force, not by whatever the working tree says.
        forced = in_force(project, request.trust_root)
        project = forced.project
        outcome.pending_governance = forced.governance.pending if forced.governance else None
    publication = load_publication(project)
    workflow = load_workflow(project)
    result = validate([project.root / CORPUS_DIR], project, today=request.today)
    corpus = result.corpus
    topics = _chosen(corpus, request.topics)
    if request.ready:
        outcome.not_ready = [t for t in topics if t.get("review_state") not in APPROVED_STATES]
        topics = [t for t in topics if t.get("review_state") in APPROVED_STATES]
        if not topics:
            return outcome
    approvals = Approvals.open(project, corpus)
    try:
        changes = _gate_all(topics, corpus, project, result.findings, approvals, request.today, outcome)
        out_dir = (request.out or project.root / ("preview" if request.preview else "published")).absolute()
        if request.preview:
            for item in outcome.results:
                _write(item, out_dir, publication, changes[item.topic.id], preview=True)
        elif not outcome.refused:
            # Asked of git once, when a first record is published.
            publisher = cache(lambda: reviewer_identity(approvals.history, request.by, "--by"))
            for item in outcome.results:
                changelog = changes[item.topic.id]
                written = _write(item, out_dir, publication, changelog, preview=False)
                count = _record_published(item, project, corpus, workflow, publisher, changelog.published)
                outcome.published.append(Published(item.topic.id, written, count))
    finally:
        approvals.close()
    return outcome


def _gate_all(topics: Sequence[Record], corpus: Corpus, project: Project, findings: Sequence[Finding],
              approvals: Approvals, today: date, outcome: PublishOutcome) -> dict[str, Changelog]:
    """The gate's verdict on each topic (a recommendation changed without a change note is refused too), and
    the changelog each article prints."""
    by_topic = records_by_topic(corpus)
    changes: dict[str, Changelog] = {}
    for topic in topics:
        recs = by_topic.get(topic.id, [])
        log = load_review_log(project, topic.id, corpus)
        item = gate(topic, corpus, project, findings, approvals, recs, log)
        history = topic_history(approvals.history, project, topic, recs, log, today)
        item.reasons.extend(history.missing_notes(recs))
        outcome.results.append(item)
        changes[topic.id] = history.changelog
    return changes


def _chosen(corpus: Corpus, wanted: Sequence[str]) -> list[Record]:
    unknown = [t for t in wanted if corpus.first("topic", t) is None]
    if unknown:
        raise UsageError(f"unknown topic: {', '.join(unknown)}", hint="`guideline status` lists the topics")
    topics = [t for t in (corpus.first("topic", i) for i in dict.fromkeys(wanted)) if t] or corpus.topics
    if not topics:
        raise UsageError("no topics to publish", hint=f"topic files live under {CORPUS_DIR}/topics/")
    return topics


def _record_published(item: GateResult, project: Project, corpus: Corpus, workflow: Workflow,
                      publisher: Callable[[], str], day: date) -> int:
    """Move the topic's records to published in its review log and topic file, dated with the publication's
    date (the article's "Last updated", read back from the log by later publications); how many moved."""
    transitions = []
    for record_id, status in item.statuses.items():
        target = workflow.target("publish", status.state)
        if target is not None and target != status.state:
            transitions.append(LoggedTransition(record_id, "publish", status.state, target, publisher(),
                                                day.isoformat(), None, status.content_hash))
    if transitions:
        log = load_review_log(project, item.topic.id, corpus)
        append_review_log(log.path, item.topic.id, transitions=transitions, shown=project.display(log.path))
        set_states(project.located(item.topic.file), {t.record: t.target for t in transitions},
                   shown=item.topic.file)
    return len(transitions)


def _write(item: GateResult, out_dir: Path, publication: Publication, changes: Changelog, *,
           preview: bool) -> list[Path]:
    topic = item.topic
    state = "published" if not preview else str(topic.get("review_state") or "draft")
    status = ArticleStatus(state, () if preview else item.reviewers())
    markdown, html = render_article(topic, item.corpus, item.numbering, recommendations=item.recommendations,
                                    publication=publication, status=status, preview=preview, changes=changes)
    paths = [out_dir / f"{topic.id}.md", out_dir / f"{topic.id}.html"]
    write_atomic(paths[0], markdown.encode("utf-8"))
    write_atomic(paths[1], html.encode("utf-8"))
    return paths
