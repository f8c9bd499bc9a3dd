"""What the pages show, computed by the same workflow functions `guideline status` and `guideline review`
use, kept per topic file and refreshed when a file (or HEAD) changes: a 10,000-record project is parsed once,
and a decision on one topic recomputes that topic only."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from guideline.checks.approvals import Approvals, RecordStatus
from guideline.corpus.article import topic_records
from guideline.corpus.cache import open_cache
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import CORPUS_DIR, YAML_SUFFIXES, Project, load_project
from guideline.corpus.reviews import Comment, ReviewLog, load_review_log, reviews_path
from guideline.corpus.roster import BOARD_FILE, Member, Roster, load_roster
from guideline.corpus.states import APPROVED_STATES
from guideline.engine.pipeline import load_corpus
from guideline.git.runner import run_git

WAITING_STATES = ("submitted", "under-review")
GOVERNANCE = (BOARD_FILE, "policy.yaml", "workflow.yaml", "vocabulary.yaml", "grading-schemes.yaml")
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def snapshot_hash(pairs: Sequence[tuple[str, str]]) -> str:
    """One hash for what a topic page shows: every record's id and content hash. A form carries it, and the
    server refuses a decision when it no longer matches."""
    text = "\n".join(f"{record_id} {content}" for record_id, content in pairs)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TopicView:
    topic: Record
    recommendations: list[Record]
    statuses: list[RecordStatus]
    log: ReviewLog
    file: Path

    @property
    def id(self) -> str:
        return self.topic.id

    @property
    def snapshot(self) -> str:
        return snapshot_hash([(s.record.id, s.content_hash) for s in self.statuses])

    @property
    def waiting(self) -> list[RecordStatus]:
        return [s for s in self.statuses if s.state in WAITING_STATES]

    @property
    def unresolved(self) -> list[Comment]:
        return self.log.unresolved({s.record.id for s in self.statuses})

    def status_of(self, record_id: str) -> RecordStatus | None:
        return next((s for s in self.statuses if s.record.id == record_id), None)

    def approved_by(self, email: str) -> bool:
        """The member's approval counts on every waiting record."""
        return all(any(c.decision.reviewer == email for c in s.valid) for s in self.waiting)

    def valid_counts(self) -> tuple[int, int]:
        """(fewest valid approvals on a waiting record, records waiting)."""
        waiting = self.waiting
        return (min((len(s.valid) for s in waiting), default=0), len(waiting))


@dataclass(frozen=True)
class QueueEntry:
    view: TopicView
    mine: bool


def _stat(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except FileNotFoundError:
        return (0, -1)
    return (info.st_mtime_ns, info.st_size)


def head_commit(root: Path) -> str:
    return run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).text


class Board:
    """The app's read model of the repository. Thread-safe; every page asks it, decisions invalidate it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.RLock()
        self._governance: tuple[Any, ...] | None = None
        self._project: Project | None = None
        self._roster: Roster | None = None
        self._approvals: tuple[str, Approvals] | None = None
        self._files: dict[Path, tuple[tuple[Any, ...], list[TopicView]]] = {}
        self._reports: dict[str, tuple[str, str]] = {}
        self._report_lock = threading.Lock()

    @property
    def data_dir(self) -> Path:
        return self.root / CORPUS_DIR

    def project(self) -> Project:
        with self._lock:
            key = tuple(_stat(self.data_dir / name) for name in GOVERNANCE)
            if self._project is None or key != self._governance:
                self._project = load_project(self.root, open_cache(self.root))
                self._roster = load_roster(self._project)
                self._governance = key
                self._files.clear()
            return self._project

    def roster(self) -> Roster:
        self.project()
        assert self._roster is not None
        return self._roster

    def member(self, member_id: str) -> Member | None:
        return self.roster().by_id(member_id)

    def areas(self, member: Member) -> list[str]:
        doc = self.roster().doc
        body = doc.data.get("board") if doc is not None and isinstance(doc.data, dict) else None
        for item in body.get("members") or [] if isinstance(body, dict) else []:
            if isinstance(item, dict) and item.get("id") == member.id and isinstance(item.get("areas"), list):
                return [str(a) for a in item["areas"]]
        return []

    def approvals(self) -> Approvals:
        """One Approvals (git history included) per HEAD commit: a new commit may change whose approval counts."""
        head = head_commit(self.root)
        with self._lock:
            if self._approvals is None or self._approvals[0] != head:
                if self._approvals is not None:
                    self._approvals[1].close()
                # Cached topics stay: a commit that touched none of a topic's files changes none of its statuses.
                self._approvals = (head, Approvals.open(self.project(), self.references(), self.roster()))
            return self._approvals[1]

    def references(self) -> Corpus:
        """The bibliography: what an approval covers includes the references a record cites."""
        folder = self.data_dir / "references"
        return load_corpus([folder], self.project()) if folder.is_dir() else Corpus()

    def topic_files(self) -> list[Path]:
        folder = self.data_dir / "topics"
        return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())

    def _file_views(self, path: Path) -> list[TopicView]:
        project = self.project()
        with self._lock:
            cached = self._files.get(path)
            logs = [reviews_path(project, v.id) for v in cached[1]] if cached else []
            key = (_stat(path), *(_stat(log) for log in logs))
            if cached is not None and cached[0] == key:
                return cached[1]
            # Only a file that changed asks git (HEAD, history): an unchanged topic costs a few stat calls.
            approvals = self.approvals()
            corpus = load_corpus([path], project)
            views = []
            for topic in corpus.topics:
                recs = [r for r in corpus.recommendations if r.topic == topic.id]
                log = fresh_log(project, topic.id)
                statuses = [approvals.status(r, recs, log, with_authors=r.get("review_state") in WAITING_STATES)
                            for r in topic_records(topic, recs)]
                views.append(TopicView(topic, recs, statuses, log, path))
            key = (_stat(path), *(_stat(reviews_path(project, v.id)) for v in views))
            self._files[path] = (key, views)
            return views

    def topics(self) -> list[TopicView]:
        return [view for path in self.topic_files() for view in self._file_views(path)]

    def topic(self, topic_id: str) -> TopicView | None:
        with self._lock:
            for path, (_, views) in list(self._files.items()):
                if any(v.id == topic_id for v in views):
                    return next((v for v in self._file_views(path) if v.id == topic_id), None)
        return next((v for v in self.topics() if v.id == topic_id), None)

    def queue(self, member: Member) -> list[QueueEntry]:
        """Topics with records waiting on the board; `mine` when the topic is in one of the member's areas."""
        areas = self.areas(member)
        entries = []
        for view in self.topics():
            if view.waiting or view.unresolved or (not member.approver and view.statuses[0].state not in
                                                   APPROVED_STATES):
                entries.append(QueueEntry(view, _in_areas(view, areas)))
        return sorted(entries, key=lambda e: (not e.mine, e.view.id))

    def report(self, topic_id: str) -> tuple[str, str] | None:
        """The board report (as `guideline diff` renders it) narrowed to the topic, and its CSP; computed once
        per HEAD commit, one computation at a time."""
        from guideline.render import report_html
        from guideline.report.compare import compare

        head = head_commit(self.root)
        with self._report_lock:
            if topic_id not in self._reports or self._reports[topic_id][0] != head:
                report = compare(self.root)
                for tid in {t for c in report.changes for t in c.topics} | {topic_id}:
                    narrowed = replace(report, changes=tuple(c for c in report.changes if tid in c.topics),
                                       elsewhere=tuple(e for e in report.elsewhere if e.topic == tid))
                    self._reports[tid] = (head, report_html.render(narrowed))
            html = self._reports[topic_id][1]
        match = _CSP_META.search(html)
        csp = (match.group(1) if match else "default-src 'none'") + "; frame-ancestors 'self'"
        return html, csp

    def forget(self, path: Path) -> None:
        """After a decision on the topic of this file: its next page reads it again (a stat key alone may miss
        a same-size rewrite within the file system's timestamp resolution)."""
        with self._lock:
            if path in self._files:
                self._files[path] = ((), self._files[path][1])


def fresh_log(project: Project, topic_id: str) -> ReviewLog:
    """The review log as it is on disk now: the project keeps every data file it parsed, and logs change."""
    project.data_documents.pop(reviews_path(project, topic_id), None)
    return load_review_log(project, topic_id)


def _in_areas(view: TopicView, areas: list[str]) -> bool:
    words = {view.id, *(str(c) for r in view.recommendations for c in _conditions(r))}
    return any(area in word for area in areas for word in words)


def _conditions(record: Record) -> list[Any]:
    population = record.get("population")
    condition = population.get("condition") if isinstance(population, dict) else None
    return condition if isinstance(condition, list) else []


_LOG_FORMAT = "%H%x1f%G?%x1f%an%x1f%cI%x1f%s%x1f%(trailers:key=Decided-by,valueonly,separator=%x2c)"


def commit_history(root: Path, log_path: Path) -> list[dict[str, str]]:
    """Each commit of the review log: who committed it, git's signature status (%G?) and the member it names."""
    output = run_git(root, "log", f"--format={_LOG_FORMAT}%x1e", "--", str(log_path), check=False).text
    names = ("sha", "signature", "author", "date", "subject", "decided_by")
    return [dict(zip(names, fields, strict=True)) for item in output.split("\x1e")
            if len(fields := item.strip().split("\x1f")) == len(names)]
