"""Review logs (guidelines/reviews/<topic>.yaml): the transitions, decisions and comments of a topic's records,
as recorded by the workflow commands. Reading only; workflow/recording.py appends to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideline.corpus.loader import Document, PathKey
from guideline.corpus.model import Corpus
from guideline.corpus.project import Project
from guideline.corpus.states import APPROVED_STATES
from guideline.findings import Location
from guideline.git.history import normalise_email

DISPOSITIONS = ("unresolved", "not-persuasive", "persuasive", "persuasive-with-modification",
                "not-persuasive-with-modification")
UNRESOLVED = "unresolved"
REVIEWS_DIR = "reviews"
NOTICE_REVIEW = "reviewed-notice"


@dataclass(frozen=True)
class Decision:
    record: str
    reviewer: str
    decision: str
    date: str
    content_hash: str
    presentation_hash: str | None = None
    comment: str | None = None
    location: Location | None = None
    lines: frozenset[int] = frozenset()
    # The safety notice a reviewed-notice decision is about.
    notice: str | None = None


@dataclass(frozen=True)
class Comment:
    id: str
    record: str
    author: str
    date: str
    text: str
    disposition: str
    location: Location | None = None
    lines: frozenset[int] = frozenset()
    # Who the log says resolved it, and the lines of that resolution (blame tells who really did).
    resolved_by: str | None = None
    resolution_lines: frozenset[int] = frozenset()


@dataclass(frozen=True)
class LoggedTransition:
    record: str
    action: str
    source: str
    target: str
    by: str
    date: str
    message: str | None = None
    content_hash: str | None = None
    location: Location | None = None
    lines: frozenset[int] = frozenset()


@dataclass
class ReviewLog:
    topic: str
    path: Path
    doc: Document | None = None
    transitions: list[LoggedTransition] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """The log's file as findings name it."""
        return self.doc.path if self.doc else self.path.as_posix()

    def unresolved(self, record_ids: set[str]) -> list[Comment]:
        return [c for c in self.comments if c.disposition == UNRESOLVED and c.record in record_ids]

    def latest_decisions(self, record_id: str, extra: Sequence[Decision] = ()) -> list[Decision]:
        """Each reviewer's last approve or request-changes decision on the record, in the order reviewers first
        decided (notice reviews are kept apart: notice_reviews)."""
        latest: dict[str, Decision] = {}
        for decision in [*self.decisions, *extra]:
            if decision.record == record_id and decision.decision != NOTICE_REVIEW:
                latest[decision.reviewer] = decision
        return list(latest.values())

    def notice_reviews(self, record_id: str, notice_id: str) -> list[Decision]:
        return [d for d in self.decisions
                if d.record == record_id and d.decision == NOTICE_REVIEW and d.notice == notice_id]

    def baseline_hash(self, record_id: str, current: str,
                      trusted: Callable[[LoggedTransition], bool] = lambda _: True) -> str | None:
        """Content hash last recorded as approved or published, when it differs from the current content;
        only transitions the caller trusts (recorded in a signed commit) count."""
        for transition in reversed(self.transitions):
            if (transition.record == record_id and transition.target in APPROVED_STATES
                    and transition.content_hash and transition.content_hash != current and trusted(transition)):
                return transition.content_hash
        return None


def reviews_path(project: Project, topic_id: str) -> Path:
    return project.data_dir / REVIEWS_DIR / f"{topic_id}.yaml"


def load_review_log(project: Project, topic_id: str, corpus: Corpus | None = None) -> ReviewLog:
    path = reviews_path(project, topic_id)
    doc = None
    if corpus is not None:
        shown = project.display(path)
        doc = next((d for d in corpus.documents if d.path == shown), None)
    doc = doc or project.data_document(f"{REVIEWS_DIR}/{topic_id}.yaml")
    return review_log_of(doc, topic_id, path)


def review_log_of(doc: Document | None, topic_id: str, path: Path) -> ReviewLog:
    log = ReviewLog(topic_id, path, doc)
    body = doc.data.get("reviews") if doc and isinstance(doc.data, dict) else None
    if not isinstance(body, dict) or doc is None:
        return log
    lines = _entry_lines(doc)
    for key, item in _items(body, "transitions"):
        log.transitions.append(LoggedTransition(
            item["record"], _text(item, "action"), _text(item, "from"), _text(item, "to"),
            normalise_email(_text(item, "by")), _text(item, "date"), item.get("message"),
            item.get("content_hash"), doc.location(key, item["record"]), frozenset(lines.get(key, ()))))
    for key, item in _items(body, "decisions"):
        log.decisions.append(Decision(
            item["record"], normalise_email(_text(item, "reviewer")), _text(item, "decision"),
            _text(item, "date"), _text(item, "content_hash"), item.get("presentation_hash"), item.get("comment"),
            doc.location(key, item["record"]), frozenset(lines.get(key, ())),
            str(item["notice"]) if item.get("notice") is not None else None))
    for key, item in _items(body, "comments"):
        resolution = item.get("resolution")
        resolved_by = normalise_email(_text(resolution, "by")) if isinstance(resolution, dict) else None
        log.comments.append(Comment(
            _text(item, "id"), item["record"], normalise_email(_text(item, "author")), _text(item, "date"),
            _text(item, "text"), _text(item, "disposition") or UNRESOLVED, doc.location(key, item["record"]),
            frozenset(lines.get(key, ())) - frozenset(lines.get((*key, "resolution"), ())) -
            frozenset(lines.get((*key, "disposition"), ())),
            resolved_by, frozenset(lines.get((*key, "resolution"), ())) | frozenset(lines.get((*key, "disposition"), ()))))
    return log


def _items(body: dict[str, Any], name: str) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    """The well-formed entries of one section: schema findings report the others."""
    for index, item in enumerate(body.get(name) or [] if isinstance(body.get(name), list) else []):
        if isinstance(item, dict) and isinstance(item.get("record"), str):
            yield ("reviews", name, index), item


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    return str(value) if value is not None else ""


def _entry_lines(doc: Document) -> dict[PathKey, set[int]]:
    """The lines of each entry (and of each comment's disposition and resolution): blame tells from them which
    commit recorded it, and the commit's signature who did."""
    lines: dict[PathKey, set[int]] = defaultdict(set)
    for position, (line, _) in doc.positions.items():
        if len(position) >= 3:
            lines[position[:3]].add(line)
            if len(position) >= 4 and position[1] == "comments" and position[3] in ("resolution", "disposition"):
                lines[position[:4]].add(line)
    return lines
