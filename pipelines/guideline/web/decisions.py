"""The app's one writer. A member's decision goes through the service the CLI uses (`workflow.decisions`: it
verifies the service signer, refuses stale content, writes and commits signed with Decided-by and
Content-Hash trailers, and puts the files back when the commit fails); its refusals become HTTP statuses.

Decisions queue here and one writer thread takes them in turns. Each turn takes every waiting decision on a
topic not already in the turn (one on the same files waits for the next turn) and sends them to the decisions
worker process, which makes them one after the other at one `Desk` (one reading of the corpus and git history
for the turn), each its own signed commit, then reads the views of the files it wrote for the read model. A
decision whose topic's files or HEAD changed under the desk (someone else committed or edited) is not made in
that turn: it waits for the next, at a new desk. The turn runs under a thread lock and a file lock."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from guideline.corpus.cache import open_cache
from guideline.corpus.project import load_project
from guideline.corpus.roster import Member
from guideline.errors import GuidelineError, UsageError
from guideline.git.signatures import signing_key
from guideline.web.config import ServeConfig
from guideline.web.views import Board, Kept, head_commit, path_stat
from guideline.workflow.decisions import STALE, DecisionOutcome, DecisionRequest, Desk

ACTIONS = ("approve", "request-changes", "comment", "respond")
BOARD_ONLY = ("approve", "request-changes")
LOCK_FILE = "decisions.lock"
WORKER_NICENESS = 5
STALE_TEXT = ("the content changed since you opened this page (someone edited it meanwhile): nothing was "
              "recorded. Reload the page, read the new content, and decide again.")


@dataclass(frozen=True)
class WebDecision:
    """What a form posted: the member signed in, the topic of the page, and the hash of what it showed."""

    member: Member
    topic: str
    action: str
    seen_hash: str
    record: str | None = None
    text: str | None = None
    comment_id: str | None = None
    disposition: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str
    commit: str | None = None


@dataclass(frozen=True)
class Job:
    """A decision for the worker: the service's request, and the files it writes and is judged by (the topic
    file and its review log)."""

    request: DecisionRequest
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class Made:
    """What the worker did with one job: the service's outcome, the error that recorded nothing, or neither
    (not made: its files or HEAD changed under the desk, so it waits for the next turn)."""

    outcome: DecisionOutcome | None = None
    error: str | None = None


Waiting = tuple[WebDecision, date, "Future[Outcome]"]


class Decider:
    def __init__(self, config: ServeConfig, board: Board) -> None:
        self.config = config
        self.board = board
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[Waiting] = []
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, posted: WebDecision, today: date) -> Future[Outcome]:
        """Queue the decision; the future answers once it is committed (or refused). A GuidelineError from it
        means nothing was recorded."""
        future: Future[Outcome] = Future()
        with self._wake:
            if self._closed:
                raise UsageError("the app is shutting down: nothing was recorded")
            self._waiting.append((posted, today, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="decisions", daemon=True)
                self._thread.start()
            self._wake.notify()
        return future

    def close(self) -> None:
        """Decisions already queued are still made; then the writer thread and the worker process end."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._closed:
                    self._wake.wait()
                if not self._waiting:
                    return
                waiting, self._waiting = self._waiting, []
            later = self._turn(waiting)
            with self._wake:
                self._waiting[:0] = later

    def _turn(self, waiting: list[Waiting]) -> list[Waiting]:
        """One turn: refusals answered at once, then a batch on distinct files made by the worker. Returns the
        decisions left for the next turn (another on the same files, or not made)."""
        batch: list[tuple[Waiting, Job]] = []
        later: list[Waiting] = []
        taken: set[Path] = set()
        for item in waiting:
            posted, today, future = item
            try:
                refusal = self._refusal(posted)
                job = None if refusal else self._job(posted, today)
            except Exception as exc:  # noqa: BLE001 - the member gets an answer, the writer keeps running
                future.set_exception(exc)
                continue
            if refusal is not None or job is None:
                future.set_result(refusal or Outcome(404, f"no topic has the id '{posted.topic}'"))
            elif taken.intersection(job.paths):
                later.append(item)
            else:
                taken.update(job.paths)
                batch.append((item, job))
        if batch:
            later[:0] = self._make(batch)
        return later

    def _make(self, batch: list[tuple[Waiting, Job]]) -> list[Waiting]:
        with self.board.writer, _file_lock(self.config.state_dir / LOCK_FILE):
            try:
                made, kept = self._worker().submit(_decide_batch, self.config.root,
                                                   [job for _, job in batch]).result()
            except Exception as exc:  # noqa: BLE001 - the worker died: whatever it committed is in git
                self._pool = None
                # Nothing to install; the kept list goes, so that pages check every file again.
                self.board.install({})
                for (_, _, future), _job in batch:
                    future.set_exception(UsageError(f"the decisions worker failed ({exc}); reload the topic "
                                                    "to see whether the decision was recorded"))
                return []
            self.board.install(kept)
        again = []
        for ((posted, today, future), _job), one in zip(batch, made, strict=True):
            if one.outcome is not None:
                future.set_result(_answer(one.outcome))
            elif one.error is not None:
                future.set_exception(UsageError(one.error))
            else:
                again.append((posted, today, future))
        return again

    def _worker(self) -> ProcessPoolExecutor:
        """One process that makes the decisions (forked once): its parsing and YAML writing then use the other
        core instead of the interpreter lock the pages need, at a lower priority, so that pages keep the cores
        first when the machine is busy."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                             initializer=os.nice, initargs=(WORKER_NICENESS,))
        return self._pool

    def _refusal(self, posted: WebDecision) -> Outcome | None:
        """What the app refuses before asking the service: an unknown action or topic, a decision only the
        board makes asked for from an editor's session, a git here that cannot sign as the app."""
        if posted.action not in ACTIONS:
            return Outcome(404, f"unknown action '{posted.action}'")
        if posted.action in BOARD_ONLY and not posted.member.approver:
            return Outcome(403, f"{posted.member.name} is {'/'.join(sorted(posted.member.roles))}, not a board "
                                f"member or chair: only the board approves or requests changes")
        view = self.board.topic(posted.topic)
        if view is None:
            return Outcome(404, f"no topic has the id '{posted.topic}'")
        if posted.record and view.status_of(posted.record) is None:
            return Outcome(404, f"'{posted.record}' is not a record of topic '{posted.topic}'")
        if posted.action == "respond" and not any(c.id == posted.comment_id for c in view.log.comments):
            return Outcome(404, f"no review comment of this topic has the id '{posted.comment_id}'")
        configured = signing_key(self.config.root)
        service = self.board.roster().by_key(configured) if configured else None
        if service is None or not service.service:
            return Outcome(503, "this app cannot record decisions: git here must sign with the key of a roster "
                                "entry with role 'service' (gpg.format=ssh, user.signingkey; see "
                                "docs/review-app.md)")
        return None

    def _job(self, posted: WebDecision, today: date) -> Job | None:
        view = self.board.topic(posted.topic)
        if view is None:
            return None
        paths = (view.file, view.log.path)
        if posted.action == "respond":
            # Only a comment's author or the chair resolves it; anyone else's answer is a response.
            action = "resolve" if posted.disposition and self.board.may_resolve(posted.member, posted.topic,
                                                                                 posted.comment_id) else "respond"
            return Job(DecisionRequest(action, str(posted.comment_id), today, comment=posted.text,
                                       disposition=posted.disposition if action == "resolve" else None,
                                       on_behalf_of=posted.member.id), paths)
        return Job(DecisionRequest(posted.action, posted.record or posted.topic, today, comment=posted.text,
                                   seen_hash=posted.seen_hash, on_behalf_of=posted.member.id), paths)


def _answer(outcome: DecisionOutcome) -> Outcome:
    if outcome.refused:
        if outcome.message == STALE:
            return Outcome(409, STALE_TEXT)
        reasons = "; ".join(outcome.reasons[:5])
        hint = f" ({outcome.hint})" if outcome.hint else ""
        return Outcome(403, f"not recorded: {outcome.message}{': ' + reasons if reasons else ''}{hint}")
    return Outcome(200, outcome.message, outcome.commit)


def _decide_batch(root: Path, jobs: list[Job]) -> tuple[list[Made], dict[Path, Kept]]:
    """Runs in the worker: the jobs at one desk, then the views of the files they wrote, read at the new HEAD."""
    # Taken before the desk reads anything: a change after this shows as a different stat or HEAD below.
    seen = {path: path_stat(path) for job in jobs for path in job.paths}
    head = head_commit(root)
    cache = open_cache(root)
    try:
        desk = Desk(load_project(root, cache), cache=cache)
    except GuidelineError as exc:
        return [Made(error=str(exc)) for _ in jobs], {}
    made: list[Made] = []
    try:
        for job in jobs:
            if head_commit(root) != head or any(path_stat(path) != seen[path] for path in job.paths):
                made.append(Made())
                continue
            try:
                outcome = desk.decide(job.request)
            except GuidelineError as exc:
                made.append(Made(error=str(exc)))
                continue
            head = outcome.commit or head
            made.append(Made(outcome))
    finally:
        desk.close()
    written = [job.paths[0] for job, one in zip(jobs, made, strict=True) if one.outcome and one.outcome.commit]
    if not written:
        return made, {}
    board = Board(root)
    try:
        return made, board.read(written)
    finally:
        board.close()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Several app processes on one repository take turns too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
