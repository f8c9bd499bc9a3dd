"""What the pages show, computed by the same workflow functions `guideline status` and `guideline review`
use, kept per topic file and refreshed when a file changes: a 10,000-record project is parsed once, and a
decision on one topic recomputes that topic only. Pages read what is kept; the decisions worker reads the
views of the files its commits wrote and the writer installs them (under its own lock, before it answers), so
no page waits for a decision."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from guideline.checks.approvals import REFERENCES_DIR, Approvals, RecordStatus
from guideline.corpus.article import topic_records
from guideline.corpus.cache import Cache, open_cache
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import CORPUS_DIR, YAML_SUFFIXES, Project, load_project
from guideline.corpus.reviews import REVIEWS_DIR, Comment, ReviewLog, load_review_log, reviews_path
from guideline.corpus.roster import BOARD_FILE, Member, Roster, load_roster
from guideline.corpus.states import APPROVED_STATES
from guideline.engine.pipeline import load_corpus
from guideline.git.runner import run_git
from guideline.workflow.decisions import topic_hash

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
    def row(self) -> tuple[str, str, str, int, int, int]:
        """What the queue's row shows of the topic, for every member: id, title, state, records waiting, fewest
        approvals on one of them, unresolved comments."""
        title = self.topic.get("title")
        fewest, waiting = self.counts
        return (self.id, "" if title is None else str(title), self.statuses[0].state, waiting, fewest,
                len(self.unresolved))

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
        return MISSING
    return (info.st_mtime_ns, info.st_size)


def head_commit(root: Path) -> str:
    return run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).text


Kept = tuple[tuple[Any, ...], list[TopicView]]
# Path -> (mtime in ns, size) of the files a page depends on.
Scan = dict[str, tuple[int, int]]
MISSING = (0, -1)


class Board:
    """The app's read model of the repository. Thread-safe: pages read what is kept and recompute a topic file
    only when it changed while no decision is being written; the writer holds `writer` and calls install()."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: Cache = open_cache(root)
        # The one writer (web/decisions.py holds it while a decision is made and the model refreshed).
        self.writer = threading.Lock()
        self._lock = threading.RLock()
        self._compute = threading.Lock()
        self._governance: tuple[Any, ...] | None = None
        self._generation = 0
        self._project: Project | None = None
        self._roster: Roster | None = None
        self._approvals: tuple[str, Approvals] | None = None
        self._files: dict[Path, Kept] = {}
        self._topic_files: dict[str, Path] = {}
        self._listed: tuple[Scan, list[TopicView]] | None = None
        self._queues: dict[tuple[bool, tuple[str, ...]], tuple[list[TopicView], list[QueueEntry]]] = {}

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
        """The project, read again when a governed file or a bibliography changed: either can change every
        topic's statuses and hashes (a record's content hash covers the references it cites)."""
        with self._lock:
            key = (*(path_stat(self.data_dir / name) for name in GOVERNANCE), *self._bibliography())
            if self._project is None or key != self._governance:
                self._project = load_project(self.root, self.cache)
                self._roster = load_roster(self._project)
                self._governance = key
                self._generation += 1
                self._files.clear()
                self._listed = None
            return self._project

    def _bibliography(self) -> list[tuple[str, int, int]]:
        try:
            with os.scandir(self.data_dir / REFERENCES_DIR) as entries:
                return sorted((e.name, *path_stat(Path(e.path))) for e in entries if e.name.endswith(YAML_SUFFIXES))
        except (FileNotFoundError, NotADirectoryError):
            return []

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
        """One Approvals (git history included) per HEAD commit and reading of the project: a new commit may
        change whose approval counts. Called only under `_compute`, so none is closed while in use."""
        project = self.project()
        head = f"{head_commit(self.root)}@{self._generation}"
        with self._lock:
            if self._approvals is None or self._approvals[0] != head:
                if self._approvals is not None:
                    self._approvals[1].close()
                # Kept topics stay: a commit that touched none of a topic's files changes none of its statuses.
                self._approvals = (head, Approvals.open(project, self.references(), self.roster()))
            return self._approvals[1]

    def references(self) -> Corpus:
        """The bibliography: what an approval covers includes the references a record cites."""
        folder = self.data_dir / REFERENCES_DIR
        return load_corpus([folder], self.project(), cache=self.cache) if folder.is_dir() else Corpus()

    def scan(self) -> Scan:
        """mtime and size of every YAML file under the topics and reviews folders, in one pass over them: what
        a page checks the kept views against (some 500 files at 10,000 records)."""
        found: Scan = {}
        folders = [str(self.data_dir / "topics"), str(self.data_dir / REVIEWS_DIR)]
        while folders:
            try:
                entries = os.scandir(folders.pop())
            except (FileNotFoundError, NotADirectoryError):
                continue
            with entries:
                for entry in entries:
                    if entry.is_dir():
                        folders.append(entry.path)
                    elif entry.name.endswith(YAML_SUFFIXES) and entry.is_file():
                        info = entry.stat()
                        found[entry.path] = (info.st_mtime_ns, info.st_size)
        return found

    def topic_files(self, seen: Scan | None = None) -> list[Path]:
        prefix = os.path.join(self.data_dir, "topics", "")
        return [Path(name) for name in sorted(seen if seen is not None else self.scan()) if name.startswith(prefix)]

    def _key(self, path: Path, views: list[TopicView], seen: Scan | None = None) -> tuple[Any, ...]:
        """The stat of the file and of its topics' review logs (from the scan when there is one: a log the scan
        did not find is missing)."""
        if seen is None:
            return (path_stat(path), *(path_stat(v.log.path) for v in views))
        return (seen.get(str(path), MISSING), *(seen.get(str(v.log.path), MISSING) for v in views))

    def _file_views(self, path: Path, project: Project, seen: Scan | None = None) -> list[TopicView]:
        kept = self._files.get(path)
        # While a decision is written its files change under it: the writer installs them before it answers.
        if kept is not None and (self.writer.locked() or kept[0] == self._key(path, kept[1], seen)):
            return kept[1]
        with self._compute:
            kept = self._files.get(path)
            if kept is not None and kept[0] == self._key(path, kept[1]):
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
            # The statuses hold each record's content hash: the forms' hashes need no second reading.
            snapshot = topic_hash((s.record.id, s.content_hash) for s in statuses)
            hashes = {s.record.id: topic_hash([(s.record.id, s.content_hash)]) for s in statuses}
            views.append(TopicView(topic, recs, statuses, log, path, snapshot, hashes))
        with self._lock:
            self._files[path] = (self._key(path, views), views)
            self._topic_files.update((v.id, path) for v in views)
            self._listed = None
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
            self._listed = None

    def topics(self) -> list[TopicView]:
        """Every topic's view. The list is kept with the scan it was made from: while no file changes, a page
        costs one scan, not one key check per file."""
        project = self.project()
        seen = self.scan()
        with self._lock:
            listed = self._listed
        if listed is not None and listed[0] == seen:
            return listed[1]
        views = [view for path in self.topic_files(seen) for view in self._file_views(path, project, seen)]
        with self._lock:
            # Also while a decision is written (its files then newer than the views): install() drops the list.
            self._listed = (seen, views)
        return views

    def topic(self, topic_id: str) -> TopicView | None:
        path = self._topic_files.get(topic_id)
        if path is not None:
            found = next((v for v in self._file_views(path, self.project()) if v.id == topic_id), None)
            if found is not None:
                return found
        return next((v for v in self.topics() if v.id == topic_id), None)

    def queue(self, member: Member) -> list[QueueEntry]:
        """Topics with records waiting on the board; `mine` when the topic is in one of the member's areas.
        What the queue lists depends on the member only through these two (approver or not, areas), so members
        alike share one list, kept with the list of topics it was made from."""
        areas = self.areas(member)
        topics = self.topics()
        key = (member.approver, tuple(areas))
        with self._lock:
            kept = self._queues.get(key)
        # The list itself, held here: while it is the current one, so is what was worked out from it.
        if kept is not None and kept[0] is topics:
            return kept[1]
        entries = []
        for view in topics:
            if view.waiting or view.unresolved or (not member.approver and view.statuses[0].state not in
                                                   APPROVED_STATES):
                entries.append(QueueEntry(view, _in_areas(view, areas)))
        entries.sort(key=lambda e: (not e.mine, e.view.id))
        with self._lock:
            if len(self._queues) > 64:
                self._queues.clear()
            self._queues[key] = (topics, entries)
        return entries


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
