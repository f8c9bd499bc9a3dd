"""Board decisions as signed acts: approve, request changes, comment, resolve or respond to a comment, review a
record against a safety notice, approve a governance change. The CLI and the review app both call `decide`.

Who decides is whoever git signs as: the roster member one of whose keys is `user.signingkey`, or, for the
review app, the member its service key names (`on_behalf_of`, written as a `Decided-by:` trailer). Each
decision is written to the review log and committed on its own, signed; if the commit fails, the files are put
back as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from guideline.checks.approvals import Approvals
from guideline.corpus.cache import Cache
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.corpus.reviews import (
    DISPOSITIONS,
    NOTICE_REVIEW,
    UNRESOLVED,
    Comment,
    Decision,
    LoggedTransition,
    ReviewLog,
    load_review_log,
    review_log_of,
)
from guideline.corpus.roster import Member
from guideline.corpus.states import APPROVED_STATES, Workflow, load_workflow
from guideline.engine.pipeline import load_corpus
from guideline.errors import UsageError
from guideline.fileio import write_atomic
from guideline.git.commits import commit_signed
from guideline.git.runner import GitError
from guideline.git.signatures import CONTENT_HASH, DECIDED_BY, SIGNING_SETUP_HINT, signing_configured
from guideline.workflow.governance import GOVERNANCE_LOG, GOVERNANCE_RECORD, in_force
from guideline.workflow.recording import (
    Resolution,
    append_review_log,
    next_comment_id,
    set_states,
    topic_of_comment,
)
from guideline.workflow.targets import Target, find_target

ACTIONS = ("approve", "request-changes", "comment", "resolve", "respond", "review-notice")
# The refusal of a decision on content that changed since the member loaded it (seen_hash).
STALE = "the content changed since you loaded it"


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    # A topic or recommendation id; a comment id for resolve and respond; "governance" for a governance change.
    target: str
    today: date
    comment: str | None = None
    disposition: str | None = None
    notice: str | None = None
    # The content hash the member looked at (the review app's forms): refused when the content changed since.
    seen_hash: str | None = None
    # For a service signer (the review app): the member it authenticated.
    on_behalf_of: str | None = None
    trust_root: str | None = None


@dataclass
class DecisionOutcome:
    message: str
    refused: bool = False
    reasons: list[str] = field(default_factory=list)
    hint: str | None = None
    commit: str | None = None
    member: str | None = None


@dataclass
class _Entries:
    """What one decision writes: review-log entries and the states it moves records to."""

    log: ReviewLog
    topic_file: Path | None = None
    transitions: list[LoggedTransition] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""


@dataclass(frozen=True)
class _Session:
    project: Project
    corpus: Corpus
    approvals: Approvals
    member: Member
    signer: Member
    workflow: Workflow
    # The desk's (content hash, presentation hash) by (file, record id): one decision asks for each several
    # times, and no decision at a desk changes a record another one there is judged by.
    memo: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def hashes(self, record: Record, recommendations: Sequence[Record]) -> tuple[str, str]:
        key = (record.file, record.id)
        if key not in self.memo:
            self.memo[key] = self.approvals.hashes(record, recommendations)
        return self.memo[key]


def decide(project: Project, request: DecisionRequest, *, cache: Cache | None = None) -> DecisionOutcome:
    """Record one decision as a signed commit, or say why it is refused. A long-running caller (the review app)
    passes its cache, so that the corpus is not parsed again for every decision."""
    _known(request)
    desk = Desk(project, cache=cache, trust_root=request.trust_root)
    try:
        return desk.decide(request)
    finally:
        desk.close()


class Desk:
    """One reading of the repository for decisions made in a row: the project and roster in force, the corpus,
    git history and the signer. `decide` opens one per decision. The review app's writer makes a batch of
    decisions on distinct topics at one desk, each its own signed commit: such a commit writes only its topic's
    file and review log, which are not governed and which no other topic's decision is judged by. Whoever
    keeps a desk must not bring it a second decision on a topic it wrote, nor use it once anyone else changed
    the repository (web/decisions.py checks HEAD and the topic's files before each)."""

    def __init__(self, project: Project, *, cache: Cache | None = None, trust_root: str | None = None) -> None:
        forced = in_force(project, trust_root)
        self.project = forced.project
        self.corpus = load_corpus([project.root / CORPUS_DIR], forced.project, cache=cache)
        self.approvals = Approvals.open(forced.project, self.corpus)
        self.workflow = load_workflow(forced.project)
        self.trust_root = trust_root
        self.memo: dict[tuple[str, str], tuple[str, str]] = {}
        if self.approvals.git_problem():
            self.approvals.close()
            raise UsageError(f"decisions are signed git commits: {self.approvals.git_problem()}",
                             hint="run in a clone of the guideline repository")
        signer = self.approvals.acting_member() if signing_configured(project.root) else None
        if signer is None:
            self.approvals.close()
            raise UsageError("git is not set up to sign as a member of the board roster", hint=SIGNING_SETUP_HINT)
        self.signer = signer

    def close(self) -> None:
        self.approvals.close()

    def decide(self, request: DecisionRequest) -> DecisionOutcome:
        _known(request)
        if request.trust_root != self.trust_root:
            raise UsageError("a decision for another trust root needs a desk of its own", hint="open a new Desk")
        session = _Session(self.project, self.corpus, self.approvals, self._member(request), self.signer,
                           self.workflow, self.memo)
        if request.target == GOVERNANCE_RECORD:
            return _write(session, request, *_governance(session, request))
        handler = {"approve": _approve, "request-changes": _request_changes, "comment": _comment,
                   "resolve": _resolve, "respond": _resolve, "review-notice": _review_notice}[request.action]
        return _write(session, request, *handler(session, request))

    def _member(self, request: DecisionRequest) -> Member:
        """Whoever git signs as; for a service signer, the roster member it names (and nobody else)."""
        if request.on_behalf_of:
            named = self.approvals.roster.member(request.on_behalf_of)
            if not self.signer.service or named is None:
                raise UsageError(f"{self.signer.id} cannot decide on behalf of {request.on_behalf_of}",
                                 hint="only a roster entry with role service attests decisions of members it "
                                      "authenticated, and only for members on the roster")
            return named
        if self.signer.service:
            raise UsageError(f"{self.signer.id} is a service key: it attests members' decisions and makes none "
                             "itself", hint="sign with your own key (git config user.signingkey)")
        return self.signer


def _known(request: DecisionRequest) -> None:
    if request.action not in ACTIONS:
        raise UsageError(f"unknown action '{request.action}'", hint=f"one of: {', '.join(ACTIONS)}")


Built = tuple["_Entries | None", str, list[str], "str | None"]


def _refuse(message: str, reasons: Sequence[str] = (), hint: str | None = None) -> Built:
    return None, message, list(reasons), hint


def _target(session: _Session, request: DecisionRequest) -> tuple[Target, ReviewLog]:
    target = find_target(session.corpus, request.target)
    return target, load_review_log(session.project, target.topic.id, session.corpus)


def _stale(session: _Session, request: DecisionRequest, target: Target) -> str | None:
    if request.seen_hash is None:
        return None
    current = _topic_hash(session, target)
    return None if current == request.seen_hash else current


def _topic_hash(session: _Session, target: Target) -> str:
    return topic_hash((r.id, session.hashes(r, target.recommendations)[0]) for r in target.records)


def topic_hash(content: Iterable[tuple[str, str]]) -> str:
    """One hash of everything a decision on a target covers, from each of its records' (id, content hash):
    what the review app's forms carry."""
    from hashlib import sha256

    parts = sorted(f"{record_id}={content_hash}" for record_id, content_hash in content)
    return sha256("\n".join(parts).encode()).hexdigest()


def _approve(session: _Session, request: DecisionRequest) -> Built:
    target, log = _target(session, request)
    if not session.member.approver:
        return _refuse(f"{session.member.id} is not a board member or chair", [],
                       "editors comment and respond; approvals come from board members")
    if _stale(session, request, target):
        return _refuse(STALE, ["someone edited it meanwhile"],
                       "reload the page, read the new version, then decide")
    wrong = [f"{r.id} is {r.get('review_state')}" for r in target.records
             if r.get("review_state") not in ("submitted", "under-review", *APPROVED_STATES)]
    if wrong:
        return _refuse("only submitted content can be approved", wrong,
                       f"the author submits it first: guideline submit {request.target}")
    entries = _Entries(log, session.project.located(target.topic.file))
    problems: list[str] = []
    for record in target.records:
        content, presented = session.hashes(record, target.recommendations)
        if any(d.decision == "approve" and d.content_hash == content and d.presentation_hash == presented
               for d in log.latest_decisions(record.id) if _is(session, d.reviewer)):
            continue
        decision = Decision(record.id, session.member.email, "approve", request.today.isoformat(), content,
                            presented, request.comment)
        authorship = session.approvals.authors(record, content, session.approvals.baseline(record.id, content, log))
        check = session.approvals.check(decision, content, authorship, log, signed=False)
        problems.extend(f"{record.id}: {p}" for p in check.problems)
        entries.decisions.append(decision)
    if problems:
        return _refuse(f"this approval by {session.member.id} would not count", _collapse(problems),
                       "approvals count from board members who did not author the change; see docs/workflow.md")
    _advance(session, target, entries, request)
    if not entries.decisions and not entries.transitions:
        return entries, f"nothing to do: {session.member.id} already approved the current content", [], None
    entries.content_hash = _topic_hash(session, target)
    return entries, f"approved {len(entries.decisions)} record(s) of topic {target.topic.id}", [], None


def _advance(session: _Session, target: Target, entries: _Entries, request: DecisionRequest) -> None:
    """The transitions the new approvals bring (also for content approved before and submitted again)."""
    for record in target.records:
        state = str(record.get("review_state"))
        status = session.approvals.status(record, target.recommendations, entries.log, entries.decisions)
        new_state = session.workflow.target("approve" if status.approved else "review", state)
        if new_state is not None and new_state != state:
            entries.transitions.append(LoggedTransition(record.id, "approve" if status.approved else "review",
                                                        state, new_state, session.member.email,
                                                        request.today.isoformat(), request.comment,
                                                        status.content_hash))
            entries.states[record.id] = new_state


def _is(session: _Session, who: str) -> bool:
    member = session.approvals.roster.member(who)
    return member is not None and member.id == session.member.id


def _collapse(problems: list[str]) -> list[str]:
    """The same problem on forty records reads better once, with the count."""
    by_problem: dict[str, list[str]] = {}
    for item in problems:
        record, _, problem = item.partition(": ")
        by_problem.setdefault(problem, []).append(record)
    return [f"{records[0] if len(records) == 1 else f'{records[0]} and {len(records) - 1} more'}: {problem}"
            for problem, records in by_problem.items()]


def _request_changes(session: _Session, request: DecisionRequest) -> Built:
    target, log = _target(session, request)
    record = target.topic if target.topic.id == request.target else target.records[0]
    if not session.member.approver:
        return _refuse(f"{session.member.id} is not a board member or chair", [],
                       "use `guideline review comment` to comment without a decision")
    if _stale(session, request, target):
        return _refuse(STALE, [], "reload, read the new version, then decide")
    state = str(record.get("review_state"))
    new_state = session.workflow.target("request-changes", state)
    if new_state is None:
        return _refuse(f"{record.id} is {state}", [],
                       f"changes can be requested from: {', '.join(session.workflow.sources('request-changes'))}")
    content = session.hashes(record, target.recommendations)[0]
    today = request.today.isoformat()
    comment_id = next_comment_id(log)[0]
    entries = _Entries(log, session.project.located(target.topic.file), content_hash=content)
    entries.transitions.append(LoggedTransition(record.id, "request-changes", state, new_state, session.member.email,
                                                today, request.comment, content))
    entries.decisions.append(Decision(record.id, session.member.email, "request-changes", today, content, None,
                                      request.comment))
    entries.comments.append(Comment(comment_id, record.id, session.member.email, today, request.comment or "",
                                    UNRESOLVED))
    entries.states[record.id] = new_state
    return entries, f"changes requested on {record.id}; comment {comment_id} must be resolved before publication", \
        [], None


def _comment(session: _Session, request: DecisionRequest) -> Built:
    target, log = _target(session, request)
    record = target.topic if target.topic.id == request.target else target.records[0]
    comment_id = next_comment_id(log)[0]
    entries = _Entries(log)
    entries.comments.append(Comment(comment_id, record.id, session.member.email, request.today.isoformat(),
                                    request.comment or "", UNRESOLVED))
    return entries, f"comment {comment_id} added to {record.id}; it blocks publication until resolved", [], None


def _resolve(session: _Session, request: DecisionRequest) -> Built:
    """A resolution by the comment's author or the chair; anyone else's answer is recorded as a response and
    leaves the comment open (checks/approvals.py judges which it is, by signature)."""
    topic_id = topic_of_comment(request.target)
    log = load_review_log(session.project, topic_id, session.corpus) if topic_id else None
    comment = next((c for c in log.comments if c.id == request.target), None) if log else None
    if log is None or comment is None:
        raise UsageError(f"no review comment has the id '{request.target}'",
                         hint="`guideline status` lists unresolved comments with their ids")
    author = session.approvals.roster.member(comment.author)
    may_resolve = session.member.chair or (author is not None and author.id == session.member.id)
    disposition = request.disposition if request.action == "resolve" and may_resolve else None
    if request.action == "resolve" and request.disposition not in DISPOSITIONS:
        raise UsageError(f"unknown disposition '{request.disposition}'", hint=f"one of: {', '.join(DISPOSITIONS)}")
    entries = _Entries(log)
    entries.resolutions.append(Resolution(comment.id, disposition or UNRESOLVED, session.member.email,
                                          request.today.isoformat(), request.comment))
    if disposition:
        return entries, f"comment {comment.id} on {comment.record}: {disposition}", [], None
    note = "" if request.action == "respond" else (
        f" as a response: only {comment.author} or the chair can resolve it; it stays open")
    return entries, f"answered comment {comment.id} on {comment.record}{note}", [], None


def _review_notice(session: _Session, request: DecisionRequest) -> Built:
    target, log = _target(session, request)
    if not session.member.approver:
        return _refuse(f"{session.member.id} is not a board member or chair", [],
                       "a safety-notice review is a board decision")
    notices = session.project.data_document("safety-notices.yaml")
    known = {str(n.get("id")) for n in ((notices.data or {}).get("notices") or [] if notices else [])
             if isinstance(n, dict)}
    if request.notice not in known:
        raise UsageError(f"no safety notice has the id '{request.notice}'",
                         hint="the ids are in guidelines/safety-notices.yaml")
    entries = _Entries(log)
    for record in target.records if target.topic.id != request.target else target.recommendations:
        content = session.hashes(record, target.recommendations)[0]
        entries.decisions.append(Decision(record.id, session.member.email, NOTICE_REVIEW, request.today.isoformat(),
                                          content, None, request.comment, notice=request.notice))
    return entries, f"reviewed {len(entries.decisions)} record(s) against notice {request.notice}", [], None


def _governance(session: _Session, request: DecisionRequest) -> Built:
    forced = in_force(session.project, request.trust_root)
    pending = forced.governance.pending if forced.governance else None
    if request.action != "approve":
        raise UsageError("governance changes are approved (or left pending), nothing else",
                         hint="comment on the pull request that makes the change instead")
    if pending is None:
        return _refuse("no governance change is pending", [], "`guideline status` lists pending changes")
    if request.seen_hash and request.seen_hash != pending.hash:
        return _refuse("the governance change changed since you loaded it", [], "reload and review it again")
    if not session.member.approver or session.member.id in pending.signers:
        return _refuse(f"this approval by {session.member.id} would not count",
                       [f"{session.member.id} made the change" if session.member.id in pending.signers
                        else f"{session.member.id} is not a board member or chair"])
    path = session.project.data_dir / GOVERNANCE_LOG
    log = review_log_of(None, GOVERNANCE_RECORD, path) if not path.exists() else \
        load_review_log(session.project, GOVERNANCE_RECORD)
    entries = _Entries(log, content_hash=pending.hash)
    entries.decisions.append(Decision(GOVERNANCE_RECORD, session.member.email, "approve", request.today.isoformat(),
                                      pending.hash, None, request.comment))
    return entries, f"approved the governance change of {', '.join(pending.files)}", [], None


def _write(session: _Session, request: DecisionRequest, entries: _Entries | None, message: str,
           reasons: list[str], hint: str | None) -> DecisionOutcome:
    if entries is None:
        return DecisionOutcome(message, True, reasons, hint, member=session.member.id)
    if not (entries.transitions or entries.decisions or entries.comments or entries.resolutions):
        return DecisionOutcome(message, member=session.member.id)
    paths = [entries.log.path] + ([entries.topic_file] if entries.topic_file and entries.states else [])
    saved = {p: p.read_bytes() if p.exists() else None for p in paths}
    try:
        append_review_log(entries.log.path, entries.log.topic, transitions=entries.transitions,
                          decisions=entries.decisions, comments=entries.comments, resolutions=entries.resolutions,
                          shown=session.project.display(entries.log.path))
        if entries.topic_file and entries.states:
            set_states(entries.topic_file, entries.states, shown=session.project.display(entries.topic_file))
        trailers = {DECIDED_BY: session.member.id, CONTENT_HASH: entries.content_hash} \
            if session.signer.id != session.member.id else {}
        subject = f"Review: {request.action} {request.target} by {session.member.id}"
        commit = commit_signed(session.project.root, paths, subject + (f"\n\n{request.comment}" if request.comment
                                                                        else ""), trailers)
    except (GitError, OSError) as exc:
        for path, before in saved.items():
            if before is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, before)
        raise UsageError(f"the decision was not recorded: {exc}",
                         hint="nothing was changed; check that git can sign (" + SIGNING_SETUP_HINT + ")") from None
    return DecisionOutcome(f"{message} as {session.member.id}; signed commit {commit[:10]}", commit=commit,
                           member=session.member.id)
