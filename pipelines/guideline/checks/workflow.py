"""Workflow checks: a state that claims approval needs approvals that count; review logs and the roster
must agree with the corpus. The publication gate (workflow/gate.py) reports the same findings and the
rules only it can see (WFL003, WFL007, WFL009, WFL010), so every rule is registered here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from guideline.checks.approvals import Approvals, RecordStatus
from guideline.checks.base import Check, Context, Keys, id_key
from guideline.checks.structure import topic_keys
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.loader import Document
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.reviews import (
    Comment,
    Decision,
    LoggedTransition,
    ReviewLog,
    load_review_log,
    review_log_of,
)
from guideline.corpus.roster import BOARD_FILE, Member, Roster, load_roster
from guideline.corpus.states import APPROVED_STATES, Workflow, project_workflow
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

STATE_WITHOUT_APPROVALS = Rule(
    "WFL001", "Approved or published without valid approvals", Severity.ERROR,
    "The record's review_state says approved or published, but its valid approvals do not meet "
    "policy.approval (material_quorum distinct board members, a chair when chair_required, editorial_quorum "
    "approvals of the exact current text). An approval does not count when what the record publishes (cited "
    "references and lead lines included) changed after it (stale), the commit that recorded it is not signed by "
    "a key of that member on the roster in force, the reviewer is not a board member or chair, or the reviewer "
    "signed a commit of the change. A change made by an unsigned commit, or a standing request for changes, "
    "also keeps the record from being approved. Editing review_state by hand gets nothing past the gate: "
    "record approvals with `guideline review approve`, a signed commit.")
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
    "Two members of guidelines/board.yaml share an id or an e-mail address: decisions name members by id or "
    "e-mail (and signatures by id), so every member needs their own.")
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

REMOVED_ENTRY = Rule(
    "WFL009", "Review log entry removed", Severity.ERROR,
    "Reported by `guideline publish` only: a decision or comment that a commit signed by a roster member "
    "once recorded in the topic's review log is gone from it (or was rewritten). Review logs are appended to, "
    "never edited: a board member's request for changes or comment cannot be made to disappear. Restore the "
    "entry (git show COMMIT:FILE has it); to withdraw a decision, its member records a new one.")

MISSING_CHANGE_NOTE = Rule(
    "WFL010", "Changed content without a change note", Severity.ERROR,
    "Reported by `guideline publish` only: a recommendation's content (a material field such as its statement, "
    "dosing, direction or strength) differs from what the article last published, and the record has no "
    "change_note written for this change. The published article tells readers under Update information what "
    "changed and why, in the editor's words: add `change_note:` to the record (replacing the note of an earlier "
    "change), and have it approved with the change.")

RULES = (STATE_WITHOUT_APPROVALS, UNRESOLVED_COMMENT, NOT_APPROVED, BAD_REVIEW_RECORD, ROSTER_PROBLEM,
         UNKNOWN_SUCCESSOR, UNRESOLVED_CITATION, ILLEGAL_TRANSITION, REMOVED_ENTRY, MISSING_CHANGE_NOTE)


def check_corpus(corpus: Corpus, project: Project) -> Iterator[Finding]:
    """Workflow findings for `guideline validate`: git is consulted only for records that claim approval."""
    by_topic = records_by_topic(corpus)
    roster = load_roster(project)
    yield from _approvals(corpus, project, roster, by_topic)
    yield from _successors(corpus)
    yield from _review_files(corpus, project)
    board = project.data_document(BOARD_FILE)
    if board is not None and board.data is not None:
        yield from _roster_duplicates(roster)


def _approvals(corpus: Corpus, project: Project, roster: Roster,
               by_topic: dict[str, list[Record]]) -> Iterator[Finding]:
    approvals: Approvals | None = None
    # When git cannot verify any approval (a shallow clone...), one finding says so, not one per record.
    unverified: list[RecordStatus] = []
    try:
        for topic in corpus.topics:
            recs = by_topic.get(topic.id, [])
            claimed = [r for r in topic_records(topic, recs) if r.get("review_state") in APPROVED_STATES]
            if not claimed:
                continue
            approvals = approvals or Approvals.open(project, corpus, roster)
            log = load_review_log(project, topic.id, corpus)
            for record in claimed:
                status = approvals.status(record, recs, log)
                if status.approved:
                    continue
                if approvals.git_problem():
                    unverified.append(status)
                else:
                    yield unapproved_finding(status)
            for comment in approvals.open_comments(log, claimed, recs):
                yield comment_finding(comment, log)
        if approvals is not None and unverified:
            yield unverified_finding(unverified, approvals)
    finally:
        if approvals is not None:
            approvals.close()


def unapproved_finding(status: RecordStatus) -> Finding:
    record = status.record
    return STATE_WITHOUT_APPROVALS.finding(
        record.location("review_state"),
        f"review_state is '{status.state}' but {status.explain()}",
        hint="record approvals with `guideline review approve ID`; if the content changed, "
             "`guideline submit ID` sends it back to the board")


def unverified_finding(statuses: list[RecordStatus], approvals: Approvals) -> Finding:
    first = statuses[0].record
    return STATE_WITHOUT_APPROVALS.finding(
        first.location("review_state"),
        f"no approval can be verified: {approvals.git_problem()}; {len(statuses)} record(s) that say approved or "
        "published were not checked",
        hint=approvals.git_problem_hint())


def comment_finding(comment: Comment, log: ReviewLog) -> Finding:
    where = comment.location or Location(log.shown, 1, 1, comment.record)
    answered = "" if comment.disposition == "unresolved" else (
        f" (marked {comment.disposition} by {comment.resolved_by or 'an unsigned edit'}, which only its author or "
        f"the chair can do with a signed decision)")
    return UNRESOLVED_COMMENT.finding(
        replace(where, record=comment.record), f"comment {comment.id} by {comment.author} is unresolved{answered}: "
                                               f"{_shorten(comment.text)}",
        hint=f"its author or the chair resolves it: guideline review resolve {comment.id} "
             f"--disposition persuasive|not-persuasive|...", key=comment.id)


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _successors(corpus: Corpus) -> Iterator[Finding]:
    for record in (*corpus.topics, *corpus.recommendations):
        successor = record.get("superseded_by")
        if isinstance(successor, str) and (successor == record.id or corpus.first(record.kind, successor) is None):
            yield UNKNOWN_SUCCESSOR.finding(
                record.location("superseded_by"), f"superseded_by '{successor}' is not another {record.kind}",
                hint=f"name the id of the {record.kind} that replaces this one", key=successor)


def _review_files(corpus: Corpus, project: Project) -> Iterator[Finding]:
    workflow = project_workflow(project)
    for document in corpus.documents:
        data = document.data
        if not isinstance(data, dict) or not isinstance(data.get("reviews"), dict):
            continue
        topic_id = data["reviews"].get("topic")
        if not isinstance(topic_id, str):
            continue
        log = review_log_of(document, topic_id, project.located(document.path))
        yield from _misplaced_log(corpus, document, log)
        yield from _duplicate_comments(log)
        if workflow is not None:
            yield from _illegal_transitions(workflow, log)


def _misplaced_log(corpus: Corpus, document: Document, log: ReviewLog) -> Iterator[Finding]:
    topic_id = log.topic
    stem = Path(document.path).stem
    if topic_id != stem:
        yield BAD_REVIEW_RECORD.finding(document.location(("reviews", "topic")),
                                        f"the log of topic '{topic_id}' is stored as {stem}.yaml",
                                        hint=f"rename the file to {topic_id}.yaml")
    if corpus.first("topic", topic_id) is None:
        if corpus.topics:
            yield BAD_REVIEW_RECORD.finding(document.location(("reviews", "topic")),
                                            f"topic '{topic_id}' does not exist",
                                            hint="delete the log of a deleted topic, or correct the id")
        return
    # Entries about records deleted since stay as history; a record of another topic is a mistake.
    entries: list[LoggedTransition | Decision | Comment] = [*log.transitions, *log.decisions, *log.comments]
    for entry in entries:
        other = corpus.first("recommendation", entry.record) or corpus.first("topic", entry.record)
        if other is not None and other.topic != topic_id and entry.location is not None:
            yield BAD_REVIEW_RECORD.finding(
                entry.location, f"'{entry.record}' is a record of topic '{other.topic}', not '{topic_id}'",
                hint=f"move the entry to {other.topic}.yaml", key=entry.record)


def _duplicate_comments(log: ReviewLog) -> Iterator[Finding]:
    seen: dict[str, Comment] = {}
    for comment in log.comments:
        if comment.id in seen and comment.location is not None:
            yield BAD_REVIEW_RECORD.finding(comment.location, f"comment id '{comment.id}' is used twice",
                                            hint="give each comment its own id", key=comment.id)
        seen.setdefault(comment.id, comment)


def _illegal_transitions(workflow: Workflow, log: ReviewLog) -> Iterator[Finding]:
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


def _workflow(ctx: Context) -> Iterator[Finding]:
    yield from check_corpus(ctx.corpus, ctx.project)


def successor_keys(record: Record, project: Project) -> Keys:
    """The record named as a successor (superseded_by)."""
    successor = record.data.get("superseded_by")
    own = (id_key(record.id),)
    return Keys(own, (*own, id_key(successor)) if isinstance(successor, str) else own)


# Approvals are judged per topic; review logs are data files, which every window holds whole.
CHECKS = (Check("workflow", RULES, _workflow, keys=(topic_keys, successor_keys)),)
