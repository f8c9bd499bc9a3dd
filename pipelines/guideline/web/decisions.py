"""The app's one writer. A member's decision goes through `workflow.decisions.decide`, the service the CLI
uses (it verifies the service signer, refuses stale content, writes and commits signed with Decided-by and
Content-Hash trailers, and puts the files back when the commit fails); here it runs one at a time, under a
thread lock and a file lock, and its refusals become HTTP statuses. Before the member sees the next page, the
read model is refreshed for what the commit changed."""

from __future__ import annotations

import fcntl
import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from guideline.corpus.cache import open_cache
from guideline.corpus.project import load_project
from guideline.corpus.roster import Member
from guideline.git.signatures import signing_key
from guideline.web.config import ServeConfig
from guideline.web.views import Board
from guideline.workflow import decisions
from guideline.workflow.decisions import STALE, DecisionRequest

ACTIONS = ("approve", "request-changes", "comment", "respond")
BOARD_ONLY = ("approve", "request-changes")
LOCK_FILE = "decisions.lock"
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


class Decider:
    def __init__(self, config: ServeConfig, board: Board) -> None:
        self.config = config
        self.board = board
        self._pool: ProcessPoolExecutor | None = None
        self._started = threading.Lock()

    def decide(self, posted: WebDecision, today: date) -> Outcome:
        """Record the decision, or say why not; a GuidelineError (the commit failed) means nothing changed."""
        refusal = self._refusal(posted)
        if refusal is not None:
            return refusal
        with self.board.writer, _file_lock(self.config.state_dir / LOCK_FILE):
            try:
                outcome = self._worker().submit(_decide, self.config.root, self._request(posted, today)).result()
            finally:
                self.board.refresh(posted.topic)
        if outcome.refused:
            if outcome.message == STALE:
                return Outcome(409, STALE_TEXT)
            reasons = "; ".join(outcome.reasons[:5])
            hint = f" ({outcome.hint})" if outcome.hint else ""
            return Outcome(403, f"not recorded: {outcome.message}{': ' + reasons if reasons else ''}{hint}")
        return Outcome(200, outcome.message, outcome.commit)

    def _worker(self) -> ProcessPoolExecutor:
        """One process that makes the decisions (forked once): its parsing and YAML writing then use the other
        core instead of the interpreter lock the pages need."""
        with self._started:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

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

    def _request(self, posted: WebDecision, today: date) -> DecisionRequest:
        if posted.action == "respond":
            # Only a comment's author or the chair resolves it; anyone else's answer is a response.
            action = "resolve" if posted.disposition and self.board.may_resolve(posted.member, posted.topic,
                                                                                 posted.comment_id) else "respond"
            return DecisionRequest(action, str(posted.comment_id), today, comment=posted.text,
                                   disposition=posted.disposition if action == "resolve" else None,
                                   on_behalf_of=posted.member.id)
        return DecisionRequest(posted.action, posted.record or posted.topic, today, comment=posted.text,
                               seen_hash=posted.seen_hash, on_behalf_of=posted.member.id)


def _decide(root: Path, request: DecisionRequest) -> decisions.DecisionOutcome:
    """Runs in the worker: a project of its own, read now (pages keep review logs parsed in theirs)."""
    cache = open_cache(root)
    return decisions.decide(load_project(root, cache), request, cache=cache)


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
