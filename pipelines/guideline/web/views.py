"""What the pages show, computed by the same workflow functions `guideline status` and `guideline review`
use, kept per topic file and refreshed when a file changes: a 10,000-record project is parsed once, and a
decision on one topic recomputes that topic only. Pages read what is kept; the writer refreshes it (under its
own lock, before it answers) for what its commit changed, so no page waits for a decision."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from guideline.checks.approvals import Approvals, RecordStatus
from guideline.corpus.article import topic_records
from guideline.corpus.cache import Cache, open_cache
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import CORPUS_DIR, YAML_SUFFIXES, Project, load_project
from guideline.corpus.reviews import Comment, ReviewLog, load_review_log, reviews_path
from guideline.corpus.roster import BOARD_FILE, Member, Roster, load_roster
from guideline.corpus.states import APPROVED_STATES
from guideline.engine.pipeline import load_corpus
from guideline.git.runner import run_git
from guideline.workflow.decisions import topic_hash
from guideline.workflow.targets import Target

WAITING_STATES = ("submitted", "under-review")
GOVERNANCE = (BOARD_FILE, "policy.yaml", "workflow.yaml", "vocabulary.yaml", "grading-schemes.yaml")


@dataclass(frozen=True)
class TopicView:
    topic: Record
    recommendations: list[Record]
    statuses: list[RecordStatus]
    log: ReviewLog
    file: Path
    # topic_hash of the topic (what the topic-wide forms carry), and of each record alone (its own forms).
    snapshot: str = ""
    record_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.topic.id

    @cached_property
    def waiting(self) -> list[RecordStatus]:
        return [s for s in self.statuses if s.state in WAITING_STATES]

    # What the queue shows of each of 250 topics on every request: worked out once per view.
    @cached_property
    def unresolved(self) -> list[Comment]:
        return self.log.unresolved({s.record.id for s in self.statuses})

    @cached_property
    def words(self) -> frozenset[str]:
        """The topic id and the conditions of its recommendations: what a member's areas are matched with."""
        return frozenset({self.id, *(str(c) for r in self.recommendations for c in _conditions(r))})

    @cached_property
    def approvers(self) -> frozenset[str]:
        """E-mails of the members whose approval counts on every waiting record."""
        waiting = self.waiting
        if not waiting:
            return frozenset()
        return frozenset.intersection(*(frozenset(c.decision.reviewer for c in s.valid) for s in waiting))

    def status_of(self, record_id: str) -> RecordStatus | None:
        return next((s for s in self.statuses if s.record.id == record_id), None)

    def approved_by(self, email: str) -> bool:
        """The member's approval counts on every waiting record."""
        return not self.waiting or email in self.approvers

    @cached_property
    def counts(self) -> tuple[int, int]:
        """(fewest valid approvals on a waiting record, records waiting)."""
        waiting = self.waiting
        return (min((len(s.valid) for s in waiting), default=0), len(waiting))


@dataclass(frozen=True)
class QueueEntry:
    view: TopicView
    mine: bool


def path_stat(path: Path) -> tuple[int, int]:
    try:
        # os.stat on the string: every page checks some 500 files, and pathlib's own stat costs twice as much.
        info = os.stat(str(path))
    except FileNotFoundError:
        return (0, -1)
    return (info.st_mtime_ns, info.st_size)


def head_commit(root: Path) -> str:
    return run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).text


Kept = tuple[tuple[Any, ...], list[TopicView]]


class Board:
    """The app's read model of the repository. Thread-safe: pages read what is kept and recompute a topic file
    only when it changed while no decision is being written; the writer holds `writer` and calls refresh()."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: Cache = open_cache(root)
        # The one writer (web/decisions.py holds it while a decision is made and the model refreshed).
        self.writer = threading.Lock()
        self._lock = threading.RLock()
        self._compute = threading.Lock()
        self._governance: tuple[Any, ...] | None = None
        self._project: Project | None = None
        self._roster: Roster | None = None
        self._approvals: tuple[str, Approvals] | None = None
        self._files: dict[Path, Kept] = {}
        self._topic_files: dict[str, Path] = {}

    @property
    def data_dir(self) -> Path:
        return self.root / CORPUS_DIR

    def close(self) -> None:
        """Stop the git process the kept Approvals reads objects with."""
        with self._lock:
            if self._approvals is not None:
                self._approvals[1].close()
                self._approvals = None

    def project(self) -> Project:
        with self._lock:
            key = tuple(path_stat(self.data_dir / name) for name in GOVERNANCE)
            if self._project is None or key != self._governance:
                self._project = load_project(self.root, self.cache)
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

    def resolvable(self, member: Member, view: TopicView) -> set[str]:
        """Ids of the comments the member may resolve: the chair any, others their own (workflow/decisions.py
        records anyone else's answer as a response that leaves the comment open)."""
        roster = self.roster()
        return {c.id for c in view.log.comments
                if member.chair or getattr(roster.member(c.author), "id", None) == member.id}

    def may_resolve(self, member: Member, topic_id: str, comment_id: str | None) -> bool:
        view = self.topic(topic_id)
        return view is not None and comment_id in self.resolvable(member, view)

    def approvals(self) -> Approvals:
        """One Approvals (git history included) per HEAD commit: a new commit may change whose approval counts."""
        head = head_commit(self.root)
        with self._lock:
            if self._approvals is None or self._approvals[0] != head:
                if self._approvals is not None:
                    self._approvals[1].close()
                # Kept topics stay: a commit that touched none of a topic's files changes none of its statuses.
                self._approvals = (head, Approvals.open(self.project(), self.references(), self.roster()))
            return self._approvals[1]

    def references(self) -> Corpus:
        """The bibliography: what an approval covers includes the references a record cites."""
        folder = self.data_dir / "references"
        return load_corpus([folder], self.project(), cache=self.cache) if folder.is_dir() else Corpus()

    def topic_files(self) -> list[Path]:
        """Every topic file, in a stable order: one walk of the folder (rglob and Path sorting cost more)."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.data_dir / "topics"):
            dirnames.sort()
            found.extend(os.path.join(dirpath, name) for name in sorted(filenames) if name.endswith(YAML_SUFFIXES))
        return [Path(name) for name in found if os.path.isfile(name)]

    def _key(self, project: Project, path: Path, views: list[TopicView]) -> tuple[Any, ...]:
        return (path_stat(path), *(path_stat(v.log.path) for v in views))

    def _file_views(self, path: Path, project: Project) -> list[TopicView]:
        kept = self._files.get(path)
        # While a decision is written its files change under it: the writer refreshes them before it answers.
        if kept is not None and (self.writer.locked() or kept[0] == self._key(project, path, kept[1])):
            return kept[1]
        with self._compute:
            kept = self._files.get(path)
            if kept is not None and kept[0] == self._key(project, path, kept[1]):
                return kept[1]
            return self._load(path, project)

    def _load(self, path: Path, project: Project) -> list[TopicView]:
        """Only a file that changed asks git (HEAD, history): an unchanged topic costs a few stat calls."""
        approvals = self.approvals()
        corpus = load_corpus([path], project, cache=self.cache)
        views = []
        for topic in corpus.topics:
            recs = [r for r in corpus.recommendations if r.topic == topic.id]
            log = fresh_log(project, topic.id)
            records = topic_records(topic, recs)
            statuses = [approvals.status(r, recs, log, with_authors=r.get("review_state") in WAITING_STATES)
                        for r in records]
            snapshot = topic_hash(approvals, Target(topic, recs, records))
            hashes = {r.id: topic_hash(approvals, Target(topic, recs, [r])) for r in records}
            views.append(TopicView(topic, recs, statuses, log, path, snapshot, hashes))
        with self._lock:
            self._files[path] = (self._key(project, path, views), views)
            self._topic_files.update((v.id, path) for v in views)
        return views

    def read(self, paths: Sequence[Path]) -> dict[Path, Kept]:
        """The views of these files as they are now: what the decisions worker hands back after its commits
        (a same-size rewrite within the file system's timestamp resolution could keep a file's key)."""
        project = self.project()
        with self._compute:
            for path in paths:
                self._load(path, project)
            return {path: self._files[path] for path in paths if path in self._files}

    def install(self, kept: Mapping[Path, Kept]) -> None:
        """Views read elsewhere (the decisions worker, at the commit it just made) replace the kept ones; a file
        changed since then fails its key check on the next page and is read again."""
        with self._lock:
            self._files.update(kept)
            self._topic_files.update((view.id, path) for path, (_, views) in kept.items() for view in views)

    def topics(self) -> list[TopicView]:
        project = self.project()
        return [view for path in self.topic_files() for view in self._file_views(path, project)]

    def topic(self, topic_id: str) -> TopicView | None:
        path = self._topic_files.get(topic_id)
        if path is not None:
            found = next((v for v in self._file_views(path, self.project()) if v.id == topic_id), None)
            if found is not None:
                return found
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


def fresh_log(project: Project, topic_id: str) -> ReviewLog:
    """The review log as it is on disk now: the project keeps every data file it parsed, and logs change."""
    project.data_documents.pop(reviews_path(project, topic_id), None)
    return load_review_log(project, topic_id)


def _in_areas(view: TopicView, areas: list[str]) -> bool:
    return any(area in word for area in areas for word in view.words)


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
