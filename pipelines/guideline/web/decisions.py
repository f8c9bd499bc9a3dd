"""A member's decision made in the browser becomes review-log entries (through the workflow's round-trip
writer, as `guideline review` writes them) and one git commit signed by the app's service key, with the
member's roster id and the content hashes in trailers. One writer at a time; a failed commit puts every file
back as it was."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from guideline.checks.approvals import Approvals
from guideline.corpus.reviews import DISPOSITIONS, Comment, Decision, LoggedTransition, ReviewLog
from guideline.corpus.roster import Member
from guideline.corpus.states import APPROVED_STATES, Workflow, load_workflow
from guideline.engine.pipeline import load_corpus
from guideline.errors import GuidelineError
from guideline.fileio import write_atomic
from guideline.git.commits import commit_signed
from guideline.git.runner import run_git
from guideline.git.signatures import CONTENT_HASH, DECIDED_BY, signing_key
from guideline.web.config import ServeConfig
from guideline.web.views import Board, fresh_log, snapshot_hash
from guideline.workflow.recording import Resolution, append_review_log, next_comment_id, set_states
from guideline.workflow.targets import Target, find_target

ACTIONS = ("approve", "request-changes", "comment", "respond")
BOARD_ONLY = ("approve", "request-changes")
LOCK_FILE = "decisions.lock"


@dataclass(frozen=True)
class DecisionRequest:
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
    content_hash: str | None = None


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Entries:
    summary: str
    transitions: list[LoggedTransition] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)


@dataclass
class _Context:
    target: Target
    approvals: Approvals
    log: ReviewLog
    workflow: Workflow
    member: Member
    today: str


class Decider:
    """The app's only writer to the repository."""

    def __init__(self, config: ServeConfig, board: Board) -> None:
        self.config = config
        self.board = board
        self._lock = threading.Lock()

    def decide(self, request: DecisionRequest, today: date | None = None) -> Outcome:
        try:
            with self._lock, _file_lock(self.config.state_dir / LOCK_FILE):
                return self._decide(request, (today or date.today()).isoformat())
        except Refused as refused:
            return Outcome(refused.status, refused.message)

    def _decide(self, request: DecisionRequest, today: str) -> Outcome:
        if request.action not in ACTIONS:
            raise Refused(400, f"unknown action '{request.action}'")
        if request.action in BOARD_ONLY and not request.member.approver:
            raise Refused(403, f"{request.member.name} is {'/'.join(sorted(request.member.roles))}, not a board "
                               f"member or chair: only the board approves or requests changes")
        self._service()
        view = self.board.topic(request.topic)
        if view is None:
            raise Refused(404, f"no topic has the id '{request.topic}'")
        project = self.board.project()
        corpus = load_corpus([view.file], project)
        try:
            target = find_target(corpus, request.record or request.topic)
        except GuidelineError as exc:
            raise Refused(404, str(exc)) from None
        if target.topic.id != request.topic:
            raise Refused(404, f"'{request.record}' is not a record of topic '{request.topic}'")
        approvals = self.board.approvals()
        current = snapshot_hash([(r.id, approvals.hashes(r, target.recommendations)[0]) for r in target.records])
        if request.record is not None and len(target.records) == 1:
            current = approvals.hashes(target.records[0], target.recommendations)[0]
        if request.seen_hash != current:
            raise Refused(409, "the content changed since you opened this page (someone edited it meanwhile): "
                               "nothing was recorded. Reload the page, read the new content, and decide again.")
        ctx = _Context(target, approvals, fresh_log(project, request.topic), load_workflow(project),
                       request.member, today)
        entries = _ENTRIES[request.action](ctx, request)
        commit = self._write(ctx, request, entries, current)
        self.board.forget(view.file)
        return Outcome(200, entries.summary, commit, current)

    def _service(self) -> Member:
        """The roster's service entry whose key git signs with here: decisions signed by any other key would
        not count, so none is taken."""
        configured = signing_key(self.config.root)
        service = self.board.roster().by_key(configured) if configured else None
        if service is None or not service.service:
            raise Refused(503, "this app cannot record decisions: git here must sign with the key of a roster "
                               "entry with role 'service' (gpg.format=ssh, user.signingkey; see docs/review-app.md)")
        return service

    def _write(self, ctx: _Context, request: DecisionRequest, entries: Entries, current: str) -> str:
        log_path = ctx.log.path
        topic_path = self.board.root / ctx.target.topic.file
        paths = [log_path, topic_path]
        before = {path: path.read_bytes() if path.exists() else None for path in paths}
        try:
            append_review_log(log_path, ctx.target.topic.id, transitions=entries.transitions,
                              decisions=entries.decisions, comments=entries.comments,
                              resolutions=entries.resolutions)
            set_states(topic_path, entries.states)
            written = [p for p in paths if p.exists() and p.read_bytes() != before[p]]
            return commit_signed(self.config.root, written, decision_message(entries, request),
                                 {DECIDED_BY: request.member.id, CONTENT_HASH: current})
        except BaseException:
            _restore(self.config.root, before)
            raise


def decision_message(entries: Entries, request: DecisionRequest) -> str:
    """Subject, the member's words, and the content hash of each record decided (the trailer carries the hash
    of what the form showed)."""
    text = f"\n\n{request.text.strip()}" if request.text and request.text.strip() else ""
    covered = "".join(f"\n{d.record} {d.content_hash}" for d in entries.decisions)
    return f"Review: {entries.summary}{text}" + (f"\n\nContent hashes:{covered}" if covered else "")


def _restore(root: Path, before: dict[Path, bytes | None]) -> None:
    """Put the files back as they were, and out of the index."""
    for path, data in before.items():
        if data is None:
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_bytes() != data:
            write_atomic(path, data)
    run_git(root, "reset", "-q", "--", *(str(p) for p in before), check=False)


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


# --- what each action records (the same entries `guideline review` records) -------------------------------

def _approve(ctx: _Context, request: DecisionRequest) -> Entries:
    wrong = [f"{r.id} is {r.get('review_state')}" for r in ctx.target.records
             if r.get("review_state") not in ("submitted", "under-review", *APPROVED_STATES)]
    if wrong:
        raise Refused(409, "only submitted content can be approved: " + "; ".join(wrong[:5]))
    email = ctx.member.email
    entries = Entries("")
    problems: list[str] = []
    for record in ctx.target.records:
        content, presented = ctx.approvals.hashes(record, ctx.target.recommendations)
        if any(d.decision == "approve" and d.content_hash == content
               for d in ctx.log.latest_decisions(record.id) if d.reviewer == email):
            continue
        decision = Decision(record.id, email, "approve", ctx.today, content, presented, request.text or None)
        authorship = ctx.approvals.authors(record, content, ctx.log.baseline_hash(record.id, content))
        check = ctx.approvals.check(decision, content, authorship, ctx.log, signed=False)
        problems.extend(f"{record.id}: {p}" for p in check.problems)
        entries.decisions.append(decision)
    if problems:
        raise Refused(403, f"this approval by {ctx.member.name} would not count: " + "; ".join(problems[:5]))
    if not entries.decisions:
        raise Refused(409, f"{ctx.member.name} already approved exactly this content: nothing to record")
    approved = 0
    for record in ctx.target.records:
        state = str(record.get("review_state"))
        status = ctx.approvals.status(record, ctx.target.recommendations, ctx.log, entries.decisions)
        action = "approve" if status.approved else "review"
        new_state = ctx.workflow.target(action, state)
        if new_state is not None and new_state != state:
            entries.transitions.append(LoggedTransition(record.id, action, state, new_state, email, ctx.today,
                                                        request.text or None, status.content_hash))
            entries.states[record.id] = new_state
        approved += status.approved
    entries.summary = (f"{ctx.member.id} approves {len(entries.decisions)} record(s) of {ctx.target.topic.id}; "
                       f"{approved} of {len(ctx.target.records)} now have enough valid approvals")
    return entries


def _request_changes(ctx: _Context, request: DecisionRequest) -> Entries:
    if not (request.text or "").strip():
        raise Refused(422, "say what should change: a request for changes needs a comment")
    record = ctx.target.topic if request.record in (None, ctx.target.topic.id) else ctx.target.records[0]
    state = str(record.get("review_state"))
    new_state = ctx.workflow.target("request-changes", state)
    if new_state is None:
        raise Refused(409, f"{record.id} is {state}: changes can be requested from "
                           f"{', '.join(ctx.workflow.sources('request-changes'))}; comment instead")
    content = ctx.approvals.hashes(record, ctx.target.recommendations)[0]
    comment_id = next_comment_id(ctx.log)[0]
    email, text = ctx.member.email, str(request.text)
    return Entries(f"{ctx.member.id} requests changes on {record.id} ({comment_id})",
                   transitions=[LoggedTransition(record.id, "request-changes", state, new_state, email, ctx.today,
                                                 text, content)],
                   decisions=[Decision(record.id, email, "request-changes", ctx.today, content, None, text)],
                   comments=[Comment(comment_id, record.id, email, ctx.today, text, "unresolved")],
                   states={record.id: new_state})


def _comment(ctx: _Context, request: DecisionRequest) -> Entries:
    if not (request.text or "").strip():
        raise Refused(422, "the comment is empty")
    record = ctx.target.topic if request.record in (None, ctx.target.topic.id) else ctx.target.records[0]
    comment_id = next_comment_id(ctx.log)[0]
    return Entries(f"{ctx.member.id} comments on {record.id} ({comment_id})", comments=[
        Comment(comment_id, record.id, ctx.member.email, ctx.today, str(request.text), "unresolved")])


def _respond(ctx: _Context, request: DecisionRequest) -> Entries:
    comment = next((c for c in ctx.log.comments if c.id == request.comment_id), None)
    if comment is None:
        raise Refused(404, f"no review comment has the id '{request.comment_id}'")
    if request.disposition not in DISPOSITIONS:
        raise Refused(422, f"choose a disposition: {', '.join(DISPOSITIONS)}")
    return Entries(f"{ctx.member.id} responds to {comment.id}: {request.disposition}", resolutions=[
        Resolution(comment.id, str(request.disposition), ctx.member.email, ctx.today, request.text or None)])


_ENTRIES = {"approve": _approve, "request-changes": _request_changes, "comment": _comment, "respond": _respond}
