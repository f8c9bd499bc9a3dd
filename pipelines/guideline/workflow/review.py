"""The review workflow: states, the transition table, the board roster, review logs, whether an approval
counts, and the publication gate. Commands and the WFL check call in here; nothing here prints or exits.

Definitions (docs/workflow.md explains them for editors):
- An approval is the latest `approve` decision of one reviewer on one record. It counts only when its
  content_hash equals the record's current materiality.content_hash, the reviewer is on the roster with
  the board-member or chair role, the reviewer did not author the change, and the reviewer's roster entry
  was committed by someone else in a commit older than the approval.
- The change under review of a record is every non-merge commit reachable from HEAD that changed the
  record's material content, back to the newest version whose content equals the last content recorded
  as approved or published (a transition to approved/published in the review log with a different hash),
  plus uncommitted edits (attributed to the current git identity). Authors and Co-authored-by trailers count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from guideline.corpus import materiality
from guideline.corpus.loader import Document, parse_text
from guideline.corpus.model import INACTIVE_STATES, Corpus, Record
from guideline.corpus.project import Project, display_path
from guideline.corpus.roster import BOARD_FILE, Member, Roster, load_roster
from guideline.errors import ConfigError, UsageError
from guideline.findings import Finding, Location, Severity
from guideline.git.history import History, normalise_email
from guideline.render.article import Numbering, Publication, citation_numbering, records_by_topic
from guideline.rules import Rule

STATES = ("draft", "submitted", "under-review", "changes-requested", "approved", "published", "retired",
          "superseded")
# A tuple, not a set: review_state may hold any YAML value (a list is unhashable).
APPROVED_STATES = ("approved", "published")
DISPOSITIONS = ("unresolved", "not-persuasive", "persuasive", "persuasive-with-modification",
                "not-persuasive-with-modification")
UNRESOLVED = "unresolved"
WORKFLOW_FILE = "workflow.yaml"
PUBLICATION_FILE = "publication.yaml"
REVIEWS_DIR = "reviews"

STATE_WITHOUT_APPROVALS = Rule(
    "WFL001", "Approved or published without valid approvals", Severity.ERROR,
    "The record's review_state says approved or published, but its valid approvals do not meet "
    "policy.approval (material_quorum distinct board members, a chair when chair_required, editorial_quorum "
    "approvals of the exact current text). An approval does not count when the content changed after it "
    "(stale), the reviewer is not a board member or chair on guidelines/board.yaml, the reviewer authored "
    "the change, or the reviewer's roster entry is not older than the approval. Editing review_state by hand "
    "gets nothing past the gate: record approvals with `guideline review approve`.")
UNRESOLVED_COMMENT = Rule(
    "WFL002", "Unresolved review comment", Severity.ERROR,
    "A review comment on an approved or published record (or on a topic being published) still has the "
    "disposition 'unresolved'. Answer it with `guideline review resolve COMMENT --disposition CODE` using "
    "a FHIR ArtifactAssessment disposition (persuasive, not-persuasive, persuasive-with-modification, ...).")
NOT_APPROVED = Rule(
    "WFL003", "Not approved", Severity.ERROR,
    "Reported by `guideline publish` only: a record of the topic (or the topic itself) is not in state "
    "approved or published, so the topic cannot be published yet. `guideline status` shows what it waits on.")
BAD_REVIEW_RECORD = Rule(
    "WFL004", "Review record does not match the corpus", Severity.ERROR,
    "A review log (guidelines/reviews/<topic>.yaml) names a topic that does not exist or differs from its "
    "file name, has an entry about a record of another topic, or repeats a comment id. (Entries about "
    "records deleted since stay as history.)")
ROSTER_PROBLEM = Rule(
    "WFL005", "Board roster problem", Severity.ERROR,
    "Two members of guidelines/board.yaml share an id or an e-mail address; approvals are matched by "
    "e-mail, so every member needs their own.")
UNKNOWN_SUCCESSOR = Rule(
    "WFL006", "Unknown successor", Severity.ERROR,
    "superseded_by names a record of the same kind that does not exist, or the record itself.")
UNRESOLVED_CITATION = Rule(
    "WFL007", "Citation cannot be numbered", Severity.ERROR,
    "Reported by `guideline publish` only: a citation of the topic resolves to no reference, so the "
    "article's numbered reference list would dangle. Add the reference or correct the citation.")
ILLEGAL_TRANSITION = Rule(
    "WFL008", "Illegal transition recorded", Severity.ERROR,
    "A transition in a review log is not allowed by the transition table (guidelines/workflow.yaml): "
    "its action does not exist, or does not lead from its 'from' state to its 'to' state.")

RULES = (STATE_WITHOUT_APPROVALS, UNRESOLVED_COMMENT, NOT_APPROVED, BAD_REVIEW_RECORD, ROSTER_PROBLEM,
         UNKNOWN_SUCCESSOR, UNRESOLVED_CITATION, ILLEGAL_TRANSITION)


# --- the transition table -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


@dataclass(frozen=True)
class Workflow:
    transitions: tuple[Transition, ...]

    @classmethod
    def from_data(cls, data: Any) -> Workflow:
        body = data.get("workflow") if isinstance(data, dict) else None
        items = body.get("transitions") if isinstance(body, dict) else None
        transitions = tuple(
            Transition(str(t["action"]), frozenset(str(s) for s in t.get("from") or ()), str(t["to"]))
            for t in items or () if isinstance(t, dict) and t.get("action") and t.get("to"))
        return cls(transitions)

    def target(self, action: str, state: str) -> str | None:
        """The state `action` leads to from `state`, or None when the table does not allow it."""
        for transition in self.transitions:
            if transition.action == action and state in transition.sources:
                return transition.target
        return None

    def sources(self, action: str) -> list[str]:
        return sorted({s for t in self.transitions if t.action == action for s in t.sources})


def load_workflow(project: Project) -> Workflow:
    doc = project.data_document(WORKFLOW_FILE)
    if doc is None or doc.data is None:
        raise ConfigError(f"{display_path(project.data_file(WORKFLOW_FILE))} is missing or unreadable",
                          hint="restore the transition table from git; `guideline validate` shows what is wrong")
    workflow = Workflow.from_data(doc.data)
    if not workflow.transitions:
        raise ConfigError(f"{doc.path} defines no transitions", hint="see docs/workflow.md for the table")
    return workflow


def load_publication(project: Project) -> Publication:
    doc = project.data_document(PUBLICATION_FILE)
    if doc is None or doc.data is None:
        raise ConfigError(f"{display_path(project.data_file(PUBLICATION_FILE))} is missing or unreadable",
                          hint="restore it from git: it holds the disclaimer and the texts of every article")
    return Publication.from_data(doc.data)


# --- review logs ----------------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class Comment:
    id: str
    record: str
    author: str
    date: str
    text: str
    disposition: str
    location: Location | None = None


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


@dataclass
class ReviewLog:
    topic: str
    path: Path
    doc: Document | None = None
    transitions: list[LoggedTransition] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    def unresolved(self, record_ids: set[str]) -> list[Comment]:
        return [c for c in self.comments if c.disposition == UNRESOLVED and c.record in record_ids]

    def latest_decisions(self, record_id: str, extra: Sequence[Decision] = ()) -> list[Decision]:
        """Each reviewer's last decision on the record, in the order reviewers first decided."""
        latest: dict[str, Decision] = {}
        for decision in [*self.decisions, *extra]:
            if decision.record == record_id:
                latest[decision.reviewer] = decision
        return list(latest.values())

    def baseline_hash(self, record_id: str, current: str) -> str | None:
        """Content hash last recorded as approved or published, when it differs from the current content."""
        for transition in reversed(self.transitions):
            if (transition.record == record_id and transition.target in APPROVED_STATES
                    and transition.content_hash and transition.content_hash != current):
                return transition.content_hash
        return None


def reviews_path(project: Project, topic_id: str) -> Path:
    return project.data_dir / REVIEWS_DIR / f"{topic_id}.yaml"


def load_review_log(project: Project, topic_id: str, corpus: Corpus | None = None) -> ReviewLog:
    path = reviews_path(project, topic_id)
    doc = None
    if corpus is not None:
        shown = display_path(path)
        doc = next((d for d in corpus.documents if d.path == shown), None)
    doc = doc or project.data_document(f"{REVIEWS_DIR}/{topic_id}.yaml")
    return review_log_of(doc, topic_id, path)


def review_log_of(doc: Document | None, topic_id: str, path: Path) -> ReviewLog:
    log = ReviewLog(topic_id, path, doc)
    body = doc.data.get("reviews") if doc and isinstance(doc.data, dict) else None
    if not isinstance(body, dict) or doc is None:
        return log

    def items(name: str) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
        for index, item in enumerate(body.get(name) or [] if isinstance(body.get(name), list) else []):
            if isinstance(item, dict) and isinstance(item.get("record"), str):
                yield ("reviews", name, index), item

    def text(item: dict[str, Any], name: str) -> str:
        value = item.get(name)
        return str(value) if value is not None else ""

    for key, item in items("transitions"):
        log.transitions.append(LoggedTransition(
            item["record"], text(item, "action"), text(item, "from"), text(item, "to"),
            normalise_email(text(item, "by")), text(item, "date"), item.get("message"),
            item.get("content_hash"), doc.location(key, item["record"])))
    decision_lines: dict[tuple[str | int, ...], set[int]] = defaultdict(set)
    for position, (line, _) in doc.positions.items():
        if len(position) >= 3 and position[1] == "decisions":
            decision_lines[position[:3]].add(line)
    for key, item in items("decisions"):
        lines = frozenset(decision_lines.get(key, ()))
        log.decisions.append(Decision(
            item["record"], normalise_email(text(item, "reviewer")), text(item, "decision"), text(item, "date"),
            text(item, "content_hash"), item.get("presentation_hash"), item.get("comment"),
            doc.location(key, item["record"]), lines))
    for key, item in items("comments"):
        log.comments.append(Comment(
            text(item, "id"), item["record"], normalise_email(text(item, "author")), text(item, "date"),
            text(item, "text"), text(item, "disposition") or UNRESOLVED, doc.location(key, item["record"])))
    return log


# --- content views --------------------------------------------------------------------------------------

def topic_view(topic_data: dict[str, Any], recommendations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A topic's approved content includes which recommendations it shows: adding or removing one is material."""
    ids = sorted(str(r["id"]) for r in recommendations
                 if isinstance(r.get("id"), str) and r.get("review_state") not in INACTIVE_STATES)
    return {**topic_data, "recommendations": ids}


def file_views(data: Any) -> dict[str, dict[str, Any]]:
    """Content view of every record of a topic file, by id (the same view for current and past versions)."""
    if not isinstance(data, dict):
        return {}
    recs = [r for r in data.get("recommendations") or [] if isinstance(r, dict)] \
        if isinstance(data.get("recommendations"), list) else []
    views: dict[str, dict[str, Any]] = {str(r["id"]): r for r in recs if isinstance(r.get("id"), str)}
    topic = data.get("topic")
    if isinstance(topic, dict) and isinstance(topic.get("id"), str):
        views[topic["id"]] = topic_view(topic, recs)
    return views


def view_of(record: Record, recommendations: Sequence[Record]) -> dict[str, Any]:
    if record.kind == "topic":
        return topic_view(record.data, (r.data for r in recommendations if r.topic == record.id))
    return record.data


# --- approvals ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApprovalCheck:
    decision: Decision
    member: Member | None
    problems: tuple[str, ...]

    @property
    def counts(self) -> bool:
        return self.decision.decision == "approve" and not self.problems


@dataclass(frozen=True)
class RecordStatus:
    record: Record
    state: str
    content_hash: str
    presentation_hash: str
    checks: tuple[ApprovalCheck, ...]
    missing: tuple[str, ...]
    # Board members and reviewers who authored the change under review (other authors are not tracked).
    authors: tuple[str, ...]

    @property
    def approved(self) -> bool:
        return not self.missing

    @property
    def valid(self) -> list[ApprovalCheck]:
        return [c for c in self.checks if c.counts]

    def explain(self) -> str:
        """Why the approvals fall short, with what is wrong with each approval that does not count."""
        parts = list(self.missing)
        for check in self.checks:
            if check.decision.decision == "approve" and check.problems:
                parts.append(f"approval by {check.decision.reviewer} does not count: {'; '.join(check.problems)}")
        return "; ".join(parts)


class Approvals:
    """Decides which approvals count, with git history for authorship. One per command or validation run."""

    def __init__(self, project: Project, roster: Roster, history: History | None) -> None:
        self.project = project
        self.roster = roster
        self.history = history
        if history is not None and not history.problem:
            history.preload(project.data_dir)
        self.policy = project.policy
        self._hashes: dict[str, dict[str, str]] = {}
        self._authors: dict[tuple[str, str, str | None], dict[str, str | None]] = {}

    @classmethod
    def open(cls, project: Project, roster: Roster | None = None) -> Approvals:
        return cls(project, roster or load_roster(project), History.open(project.root))

    def close(self) -> None:
        if self.history is not None:
            self.history.close()

    def git_problem(self) -> str | None:
        if self.history is None:
            return "authorship cannot be checked outside a git repository"
        return self.history.problem

    def _blob_hashes(self, sha: str | None, path: str) -> dict[str, str]:
        if sha is None or self.history is None:
            return {}
        if sha not in self._hashes:
            doc = parse_text(self.history.read_blob(sha), path)
            self._hashes[sha] = {rid: materiality.content_hash(view) for rid, view in file_views(doc.data).items()}
        return self._hashes[sha]

    def candidates(self, decisions: Iterable[Decision] = ()) -> frozenset[str]:
        """Whose authorship matters: everyone who may approve, and everyone who did."""
        return frozenset({m.email for m in self.roster.members if m.approver} | {d.reviewer for d in decisions})

    def authors(self, record: Record, current: str, baseline: str | None,
                candidates: frozenset[str]) -> dict[str, str | None]:
        """Which of the candidates authored the change under review: email -> commit (None: uncommitted edits).

        Most files are never committed to by a board member: then no blob is read at all."""
        history = self.history
        if history is None or history.problem:
            return {}
        path = Path(record.file).absolute()
        changes = history.changes(path)
        identity = history.identity()
        dirty = identity in candidates and history.modified(path)
        if not dirty and not any(email in candidates for change in changes for email in change.commit.authors):
            return {}
        key = (record.file, record.id, baseline)
        if key not in self._authors:
            out: dict[str, str | None] = {}
            if identity and history.modified(path) and \
                    self._blob_hashes(history.head_blob(path), record.file).get(record.id) != current:
                out[identity] = None
            for change in changes:
                after = self._blob_hashes(change.after, record.file).get(record.id)
                if baseline is not None and after == baseline:
                    break
                if after != self._blob_hashes(change.before, record.file).get(record.id):
                    for email in change.commit.authors:
                        out.setdefault(email, change.commit.sha)
            self._authors[key] = out
        return {email: sha for email, sha in self._authors[key].items() if email in candidates}

    def _approval_commit(self, decision: Decision, log: ReviewLog) -> str | None:
        if self.history is None or not decision.lines:
            return None
        commits = self.history.line_commits(log.path, set(decision.lines))
        if not commits or any(c is None for c in commits):
            return None
        return self.history.newest([c for c in commits if c is not None])

    def check(self, decision: Decision, current: str, authors: dict[str, str | None],
              log: ReviewLog) -> ApprovalCheck:
        problems: list[str] = []
        member = self.roster.member(decision.reviewer)
        if decision.content_hash != current:
            problems.append("stale: the content changed materially after this approval")
        if member is None:
            problems.append(f"{decision.reviewer} is not on the board roster ({BOARD_FILE})")
        elif not member.approver:
            problems.append(f"{decision.reviewer} is {'/'.join(sorted(member.roles)) or 'without a role'}, "
                            f"not a board member or chair")
        git_problem = self.git_problem()
        if git_problem:
            problems.append(git_problem)
        elif decision.reviewer in authors:
            commit = authors[decision.reviewer]
            problems.append(f"{decision.reviewer} authored the change "
                            f"({'commit ' + commit[:10] if commit else 'uncommitted edits'})")
        if member is not None and member.approver and not git_problem and self.history is not None:
            problems.extend(self._roster_problems(member, decision, log))
        return ApprovalCheck(decision, member, tuple(problems))

    def _roster_problems(self, member: Member, decision: Decision, log: ReviewLog) -> Iterator[str]:
        history = self.history
        assert history is not None
        commits = history.line_commits(self.roster.path, set(member.lines))
        if not commits or any(c is None for c in commits):
            yield f"the roster entry of {member.email} is not committed yet"
            return
        first_log_commit = history.first_commit(log.path)
        for sha in dict.fromkeys(c for c in commits if c is not None):
            if member.email in history.commit(sha).authors:
                yield f"{member.email} added or changed their own roster entry (commit {sha[:10]})"
                continue
            later = history.descendants(sha)
            # Every approval in a log first committed after the roster change is later than it: no blame needed.
            if first_log_commit is not None and first_log_commit in later:
                continue
            approval = self._approval_commit(decision, log)
            if approval is not None and approval not in later:
                yield f"the roster entry (commit {sha[:10]}) is not older than the approval (commit {approval[:10]})"

    def status(self, record: Record, recommendations: Sequence[Record], log: ReviewLog,
               extra: Sequence[Decision] = (), *, with_authors: bool = False) -> RecordStatus:
        current, presented = materiality.hashes(view_of(record, recommendations))
        decisions = log.latest_decisions(record.id, extra)
        authors: dict[str, str | None] = {}
        if with_authors or any(d.decision == "approve" and d.content_hash == current for d in decisions):
            authors = self.authors(record, current, log.baseline_hash(record.id, current),
                                   self.candidates(decisions))
        checks = tuple(self.check(d, current, authors, log) for d in decisions if d.decision == "approve")
        valid = [c for c in checks if c.counts]
        missing: list[str] = []
        quorum = self.policy.material_quorum
        if len(valid) < quorum:
            missing.append(f"{len(valid)} of {quorum} valid approvals")
        if self.policy.chair_required and not any(c.member and c.member.chair for c in valid):
            missing.append("no valid approval from the chair")
        exact = sum(1 for c in valid if c.decision.presentation_hash == presented)
        if exact < self.policy.editorial_quorum:
            missing.append(f"{exact} of {self.policy.editorial_quorum} approvals cover the current wording "
                           f"and layout (editorial_quorum)")
        return RecordStatus(record, str(record.get("review_state") or "draft"), current, presented, checks,
                            tuple(missing), tuple(sorted(authors)))


# --- the publication gate -------------------------------------------------------------------------------

@dataclass
class GateResult:
    topic: Record
    corpus: Corpus
    recommendations: list[Record]
    reasons: list[Finding]
    statuses: dict[str, RecordStatus]
    numbering: Numbering

    @property
    def ok(self) -> bool:
        return not self.reasons

    def reviewers(self) -> tuple[str, ...]:
        """Names of the board members whose approvals of the topic count."""
        status = self.statuses.get(self.topic.id)
        if status is None:
            return ()
        return tuple(sorted({c.member.name for c in status.valid if c.member}))


def topic_records(topic: Record, recommendations: Sequence[Record]) -> list[Record]:
    """The topic and its recommendations that are shown (retired and superseded ones are not)."""
    return [topic, *(r for r in recommendations if r.get("review_state") not in INACTIVE_STATES)]


def gate(topic: Record, corpus: Corpus, project: Project, findings: Sequence[Finding], approvals: Approvals,
         recommendations: Sequence[Record], log: ReviewLog) -> GateResult:
    """Every reason the topic cannot be published: errors anywhere it depends on, states, approvals,
    unresolved comments, dangling citations. The whole topic is checked, not only what changed."""
    recs = list(recommendations)
    numbering = citation_numbering(topic, corpus, recs)
    cited = {ref_id for rec in recs for ref_id in rec.list_of("citations") if isinstance(ref_id, str)}
    related_ids = {topic.id, *(r.id for r in recs), *cited}
    related_files = {topic.file, display_path(log.path), display_path(approvals.roster.path)}
    data_dir = project.data_dir.absolute()
    reasons = [f for f in findings if f.severity is Severity.ERROR and not f.waiver and (
        f.file in related_files or f.record in related_ids or Path(f.file).absolute().parent == data_dir)]
    statuses: dict[str, RecordStatus] = {}
    state = str(topic.get("review_state") or "draft")
    if state in INACTIVE_STATES:
        reasons.append(NOT_APPROVED.finding(topic.location("review_state"),
                                            f"topic '{topic.id}' is {state}; it is no longer published",
                                            hint="publish its successor instead"))
    for record in topic_records(topic, recs):
        status = approvals.status(record, recs, log)
        statuses[record.id] = status
        if status.state in APPROVED_STATES:
            if not status.approved:
                reasons.append(_unapproved_finding(status))
        elif record is not topic or state not in INACTIVE_STATES:
            waits = f"; {status.explain()}" if status.explain() else ""
            reasons.append(NOT_APPROVED.finding(
                record.location("review_state"), f"{record.kind} '{record.id}' is {status.state}{waits}",
                hint=_next_step(status.state)))
    shown = {r.id for r in topic_records(topic, recs)}
    for comment in log.unresolved(shown):
        reasons.append(_comment_finding(comment, log))
    reported = {(f.file, f.line, f.record) for f in reasons}
    for rec, index, ref_id in numbering.unresolved:
        where = rec.location("citations", index)
        if (where.file, where.line, where.record) in reported:
            continue
        reasons.append(UNRESOLVED_CITATION.finding(
            where, f"citation '{ref_id}' resolves to no reference, so it cannot be numbered",
            hint="add the reference under guidelines/references/ or correct the citation"))
    return GateResult(topic, corpus, recs, _unique(reasons), statuses, numbering)


def _next_step(state: str) -> str:
    return {
        "draft": "submit it: guideline submit ID",
        "submitted": "board members approve it: guideline review approve ID",
        "under-review": "more board members approve it: guideline review approve ID",
        "changes-requested": "address the comments, then guideline submit ID",
    }.get(state, "see guideline status")


def _unapproved_finding(status: RecordStatus) -> Finding:
    record = status.record
    return STATE_WITHOUT_APPROVALS.finding(
        record.location("review_state"),
        f"review_state is '{status.state}' but {status.explain()}",
        hint="record approvals with `guideline review approve ID`; if the content changed, "
             "`guideline submit ID` sends it back to the board")


def _comment_finding(comment: Comment, log: ReviewLog) -> Finding:
    where = comment.location or Location(display_path(log.path), 1, 1, comment.record)
    return UNRESOLVED_COMMENT.finding(
        replace(where, record=comment.record), f"comment {comment.id} by {comment.author} is unresolved: "
                                               f"{_shorten(comment.text)}",
        hint=f"guideline review resolve {comment.id} --disposition persuasive|not-persuasive|...", key=comment.id)


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, str | None, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.file, f.line, f.record, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- validation (the WFL check) -------------------------------------------------------------------------

def check_corpus(corpus: Corpus, project: Project) -> Iterator[Finding]:
    """Workflow findings for `guideline validate`: git is consulted only for records that claim approval."""
    by_topic = records_by_topic(corpus)
    roster: Roster | None = None
    approvals: Approvals | None = None
    try:
        for topic in corpus.topics:
            recs = by_topic.get(topic.id, [])
            claimed = [r for r in topic_records(topic, recs) if r.get("review_state") in APPROVED_STATES]
            if not claimed:
                continue
            if approvals is None:
                roster = roster or load_roster(project)
                approvals = Approvals.open(project, roster)
            log = load_review_log(project, topic.id, corpus)
            for record in claimed:
                status = approvals.status(record, recs, log)
                if not status.approved:
                    yield _unapproved_finding(status)
            for comment in log.unresolved({r.id for r in claimed}):
                yield _comment_finding(comment, log)
    finally:
        if approvals is not None:
            approvals.close()
    yield from _successors(corpus)
    yield from _review_files(corpus, project, by_topic)
    board = project.data_document(BOARD_FILE)
    if board is not None and board.data is not None:
        yield from _roster_duplicates(roster or load_roster(project))


def _successors(corpus: Corpus) -> Iterator[Finding]:
    for record in (*corpus.topics, *corpus.recommendations):
        successor = record.get("superseded_by")
        if isinstance(successor, str) and (successor == record.id or corpus.first(record.kind, successor) is None):
            yield UNKNOWN_SUCCESSOR.finding(
                record.location("superseded_by"), f"superseded_by '{successor}' is not another {record.kind}",
                hint=f"name the id of the {record.kind} that replaces this one", key=successor)


def _review_files(corpus: Corpus, project: Project, by_topic: dict[str, list[Record]]) -> Iterator[Finding]:
    workflow: Workflow | None = None
    doc = project.data_document(WORKFLOW_FILE)
    if doc is not None and doc.data is not None:
        workflow = Workflow.from_data(doc.data)
    for document in corpus.documents:
        data = document.data
        if not isinstance(data, dict) or not isinstance(data.get("reviews"), dict):
            continue
        topic_id = data["reviews"].get("topic")
        if not isinstance(topic_id, str):
            continue
        log = review_log_of(document, topic_id, Path(document.path).absolute())
        stem = Path(document.path).stem
        if topic_id != stem:
            yield BAD_REVIEW_RECORD.finding(document.location(("reviews", "topic")),
                                            f"the log of topic '{topic_id}' is stored as {stem}.yaml",
                                            hint=f"rename the file to {topic_id}.yaml")
        topic = corpus.first("topic", topic_id)
        if topic is None:
            if corpus.topics:
                yield BAD_REVIEW_RECORD.finding(document.location(("reviews", "topic")),
                                                f"topic '{topic_id}' does not exist",
                                                hint="delete the log of a deleted topic, or correct the id")
        else:
            # Entries about records deleted since stay as history; a record of another topic is a mistake.
            entries: list[LoggedTransition | Decision | Comment] = [*log.transitions, *log.decisions, *log.comments]
            for entry in entries:
                other = corpus.first("recommendation", entry.record) or corpus.first("topic", entry.record)
                if other is not None and other.topic != topic_id and entry.location is not None:
                    yield BAD_REVIEW_RECORD.finding(
                        entry.location, f"'{entry.record}' is a record of topic '{other.topic}', not '{topic_id}'",
                        hint=f"move the entry to {other.topic}.yaml", key=entry.record)
        seen: dict[str, Comment] = {}
        for comment in log.comments:
            if comment.id in seen and comment.location is not None:
                yield BAD_REVIEW_RECORD.finding(comment.location, f"comment id '{comment.id}' is used twice",
                                                hint="give each comment its own id", key=comment.id)
            seen.setdefault(comment.id, comment)
        if workflow is not None:
            for transition in log.transitions:
                if workflow.target(transition.action, transition.source) != transition.target and transition.location:
                    yield ILLEGAL_TRANSITION.finding(
                        transition.location,
                        f"'{transition.action}' does not lead from {transition.source} to {transition.target}",
                        hint="transitions are recorded by the commands; see guidelines/workflow.yaml",
                        key=f"{transition.action}:{transition.source}:{transition.target}")


def _roster_duplicates(roster: Roster) -> Iterator[Finding]:
    seen_email: dict[str, Member] = {}
    seen_id: dict[str, Member] = {}
    for member in roster.members:
        for seen, value, what in ((seen_email, member.email, "e-mail"), (seen_id, member.id, "id")):
            if value and value in seen:
                first = seen[value]
                yield ROSTER_PROBLEM.finding(member.location, f"{what} '{value}' is already used by {first.name}",
                                             hint="each member needs their own id and e-mail",
                                             related=(first.location,), key=f"{what}:{value}")
            seen.setdefault(value, member)


# --- what the commands need -----------------------------------------------------------------------------

@dataclass
class Target:
    """What a command acts on: a topic (with its shown recommendations) or one recommendation."""

    topic: Record
    recommendations: list[Record]
    records: list[Record]


def find_target(corpus: Corpus, record_id: str) -> Target:
    by_topic = records_by_topic(corpus)
    topic = corpus.first("topic", record_id)
    if topic is not None:
        recs = by_topic.get(topic.id, [])
        return Target(topic, recs, topic_records(topic, recs))
    rec = corpus.first("recommendation", record_id)
    if rec is not None and rec.topic:
        parent = corpus.first("topic", rec.topic)
        if parent is not None:
            return Target(parent, by_topic.get(parent.id, []), [rec])
    raise UsageError(f"no topic or recommendation has the id '{record_id}'",
                     hint="`guideline status` lists the topics; recommendation ids are in guidelines/topics/")


def reviewer_identity(history: History | None, given: str | None, what: str = "--reviewer") -> str:
    if given:
        return normalise_email(given)
    if history is None:
        raise UsageError("cannot tell who you are: this project is not in a git repository",
                         hint=f"pass {what} EMAIL; approvals count only in a git clone with its full history")
    email = history.identity()
    if not email:
        raise UsageError("cannot tell who you are: git has no user.email here",
                         hint=f"pass {what} EMAIL, or run `git config user.email you@example.org`")
    return email


# --- recording: round-trip edits that keep comments, quotes and layout ----------------------------------

REVIEWS_HEADER = "# yaml-language-server: $schema=../../schemas/reviews.schema.json\n"


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Record files hold long sentences on one line; wrapping them would turn every edit into a noisy diff.
    yaml.width = 1 << 16
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _quoted(value: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(value)


def _load_for_edit(path: Path) -> tuple[Any, Any]:
    raw = path.read_bytes()
    doc = parse_text(raw, display_path(path))
    errors = [f for f in doc.findings if f.severity is Severity.ERROR]
    if doc.data is None or errors:
        first = errors[0] if errors else None
        where = f"{first.file}:{first.line}: {first.message}" if first else "it holds no data"
        raise UsageError(f"cannot update {display_path(path)}: {where}",
                         hint="fix the file first (`guideline validate` shows every problem)")
    yaml = _round_trip()
    return yaml, yaml.load(raw.decode("utf-8-sig"))


def _dump(yaml: Any, data: Any, path: Path) -> None:
    import io

    from guideline.fileio import write_atomic

    buffer = io.StringIO()
    yaml.dump(data, buffer)
    write_atomic(path, buffer.getvalue().encode("utf-8"))


def set_states(path: Path, states: dict[str, str]) -> None:
    """Set review_state of the topic and recommendations named in `states` in one topic file."""
    if not states:
        return
    yaml, data = _load_for_edit(path)
    topic = data.get("topic")
    if topic is not None and topic.get("id") in states:
        topic["review_state"] = states[topic["id"]]
    for rec in data.get("recommendations") or []:
        if rec.get("id") in states:
            rec["review_state"] = states[rec["id"]]
    _dump(yaml, data, path)


@dataclass(frozen=True)
class Resolution:
    comment: str
    disposition: str
    by: str
    date: str
    text: str | None = None


def append_review_log(path: Path, topic_id: str, *, transitions: Sequence[LoggedTransition] = (),
                      decisions: Sequence[Decision] = (), comments: Sequence[Comment] = (),
                      resolutions: Sequence[Resolution] = ()) -> None:
    """Append entries to a topic's review log (created when missing), leaving existing entries untouched."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if path.exists():
        yaml, data = _load_for_edit(path)
    else:
        yaml = _round_trip()
        data = yaml.load(f"{REVIEWS_HEADER}reviews:\n  topic: {topic_id}\n")
    body = data["reviews"]

    def section(name: str) -> Any:
        if not isinstance(body.get(name), list):
            body[name] = CommentedSeq()
        seq = body[name]
        seq.fa.set_block_style()
        return seq

    def entry(pairs: Iterable[tuple[str, Any]]) -> Any:
        return CommentedMap((k, v) for k, v in pairs if v is not None and v != "")

    if transitions:
        seq = section("transitions")
        for t in transitions:
            seq.append(entry((("record", t.record), ("action", t.action), ("from", t.source), ("to", t.target),
                              ("by", t.by), ("date", _quoted(t.date)), ("message", t.message),
                              ("content_hash", _quoted(t.content_hash) if t.content_hash else None))))
    if decisions:
        seq = section("decisions")
        for d in decisions:
            seq.append(entry((("record", d.record), ("reviewer", d.reviewer), ("decision", d.decision),
                              ("date", _quoted(d.date)), ("comment", d.comment),
                              ("content_hash", _quoted(d.content_hash)),
                              ("presentation_hash", _quoted(d.presentation_hash) if d.presentation_hash else None))))
    if comments:
        seq = section("comments")
        for c in comments:
            seq.append(entry((("id", c.id), ("record", c.record), ("author", c.author), ("date", _quoted(c.date)),
                              ("text", c.text), ("disposition", c.disposition))))
    for resolution in resolutions:
        for item in body.get("comments") or []:
            if item.get("id") == resolution.comment:
                item["disposition"] = resolution.disposition
                item["resolution"] = entry((("by", resolution.by), ("date", _quoted(resolution.date)),
                                            ("text", resolution.text)))
    _dump(yaml, data, path)


def next_comment_id(log: ReviewLog, count: int = 1) -> list[str]:
    """Comment ids are '<topic>-c<n>': unique across the corpus, so `review resolve` needs nothing else."""
    prefix = f"{log.topic}-c"
    used = [int(c.id[len(prefix):]) for c in log.comments if c.id.startswith(prefix) and c.id[len(prefix):].isdigit()]
    start = max(used, default=0) + 1
    return [f"{prefix}{n}" for n in range(start, start + count)]


def topic_of_comment(comment_id: str) -> str | None:
    head, sep, number = comment_id.rpartition("-c")
    return head if sep and number.isdigit() and head else None
