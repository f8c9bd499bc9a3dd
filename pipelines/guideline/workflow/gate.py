"""The publication gate: every reason a topic cannot be published yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from guideline.checks.approvals import Approvals, RecordStatus
from guideline.checks.workflow import (
    NOT_APPROVED,
    REMOVED_ENTRY,
    UNRESOLVED_CITATION,
    comment_finding,
    unapproved_finding,
)
from guideline.corpus.article import Numbering, citation_numbering, topic_records
from guideline.corpus.model import INACTIVE_STATES, Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.reviews import ReviewLog
from guideline.corpus.states import APPROVED_STATES
from guideline.findings import Finding, Location


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


def gate(topic: Record, corpus: Corpus, project: Project, findings: Sequence[Finding], approvals: Approvals,
         recommendations: Sequence[Record], log: ReviewLog) -> GateResult:
    """Every reason the topic cannot be published: errors anywhere it depends on, states, approvals,
    unresolved comments, dangling citations. The whole topic is checked, not only what changed."""
    recs = list(recommendations)
    numbering = citation_numbering(topic, corpus, recs)
    reasons = _related_errors(topic, project, findings, approvals, recs, log)
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
                reasons.append(unapproved_finding(status))
        elif record is not topic or state not in INACTIVE_STATES:
            waits = f"; {status.explain()}" if status.explain() else ""
            reasons.append(NOT_APPROVED.finding(
                record.location("review_state"), f"{record.kind} '{record.id}' is {status.state}{waits}",
                hint=_next_step(status.state)))
    reasons.extend(comment_finding(comment, log) for comment in approvals.open_comments(log, topic_records(topic, recs), recs))
    # A deleted log has no document to name it: name it as every other finding names a file.
    shown = project.display(log.path)
    reasons.extend(REMOVED_ENTRY.finding(Location(shown, 1, 1, topic.id),
                                         f"{what} was removed from the review log (recorded by commit {sha[:10]})",
                                         hint=f"restore it from git show {sha[:10]}:{shown}; a member withdraws "
                                              f"a decision by recording a new one", key=what)
                   for what, sha in approvals.removed_entries(log))
    reasons.extend(_dangling_citations(numbering, reasons))
    return GateResult(topic, corpus, recs, _unique(reasons), statuses, numbering)


def _related_errors(topic: Record, project: Project, findings: Sequence[Finding], approvals: Approvals,
                    recs: list[Record], log: ReviewLog) -> list[Finding]:
    """Errors in the topic's records, the references they cite, its review log, the roster or any data file."""
    cited = {ref_id for rec in recs for ref_id in rec.list_of("citations") if isinstance(ref_id, str)}
    related_ids = {topic.id, *(r.id for r in recs), *cited}
    related_files = {topic.file, log.shown, project.display(approvals.roster.path)}
    data_dir = project.data_dir.absolute()
    return [f for f in findings if f.counts_as_error and (
        f.file in related_files or f.record in related_ids or project.located(f.file).parent == data_dir)]


def _dangling_citations(numbering: Numbering, reasons: list[Finding]) -> list[Finding]:
    """Citations that cannot be numbered, unless a reason already points at the same line."""
    reported = {(f.file, f.line, f.record) for f in reasons}
    out = []
    for rec, index, ref_id in numbering.unresolved:
        where = rec.location("citations", index)
        if (where.file, where.line, where.record) in reported:
            continue
        out.append(UNRESOLVED_CITATION.finding(
            where, f"citation '{ref_id}' resolves to no reference, so it cannot be numbered",
            hint="add the reference under guidelines/references/ or correct the citation"))
    return out


def _next_step(state: str) -> str:
    return {
        "draft": "submit it: guideline submit ID",
        "submitted": "board members approve it: guideline review approve ID",
        "under-review": "more board members approve it: guideline review approve ID",
        "changes-requested": "address the comments, then guideline submit ID",
    }.get(state, "see guideline status")


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, str | None, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.file, f.line, f.record, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
