"""Where every topic stands in review and whom it waits on: the data `guideline status` and the review app show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from guideline.checks.approvals import Approvals, RecordStatus
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.corpus.reviews import load_review_log
from guideline.corpus.states import APPROVED_STATES
from guideline.engine.pipeline import load_corpus
from guideline.errors import UsageError
from guideline.workflow.governance import PendingChange, in_force


@dataclass
class Status:
    quorum: int
    chair_required: bool
    topics: list[dict[str, Any]] = field(default_factory=list)
    git_problem: str | None = None
    pending_governance: PendingChange | None = None

    def as_json(self) -> dict[str, Any]:
        pending = self.pending_governance
        return {"quorum": self.quorum, "chair_required": self.chair_required, "topics": self.topics,
                "pending_governance": None if pending is None else {
                    "files": list(pending.files), "hash": pending.hash, "commits": list(pending.commits),
                    "signers": list(pending.signers), "unsigned": list(pending.unsigned),
                    "approvers": list(pending.approvers), "missing": list(pending.missing)}}


def review_status(project: Project, topic_ids: Sequence[str], trust_root: str | None = None) -> Status:
    """Each topic's states, approvals, open comments and who acts next, by the governance in force."""
    forced = in_force(project, trust_root)
    project = forced.project
    corpus = load_corpus([project.root / CORPUS_DIR], project)
    by_topic = records_by_topic(corpus)
    unknown = [t for t in topic_ids if corpus.first("topic", t) is None]
    if unknown:
        raise UsageError(f"unknown topic: {', '.join(unknown)}", hint="run `guideline status` to list all topics")
    topics = [t for t in (corpus.first("topic", i) for i in topic_ids) if t] if topic_ids else corpus.topics
    approvals = Approvals.open(project, corpus)
    quorum = project.policy.material_quorum
    status = Status(quorum, project.policy.chair_required, git_problem=approvals.git_problem(),
                    pending_governance=forced.governance.pending if forced.governance else None)
    try:
        for topic in topics:
            recs = by_topic.get(topic.id, [])
            log = load_review_log(project, topic.id, corpus)
            records = topic_records(topic, recs)
            statuses = [approvals.status(r, recs, log, with_authors=r.get("review_state") in ("submitted", "under-review"))
                        for r in records]
            unresolved = approvals.open_comments(log, records, recs)
            status.topics.append({
                "topic": topic.id,
                "file": topic.file,
                "state": statuses[0].state,
                "states": dict(sorted(Counter(s.state for s in statuses).items())),
                "waits_on": _waits_on(statuses, len(unresolved), approvals, quorum),
                "unresolved_comments": [{"id": c.id, "record": c.record, "author": c.author, "text": c.text}
                                        for c in unresolved],
                "unsigned_commits": sorted({c for s in statuses for c in s.unsigned}),
                "records": [_record(s) for s in statuses],
            })
    finally:
        approvals.close()
    return status


def _record(status: RecordStatus) -> dict[str, Any]:
    return {
        "id": status.record.id,
        "kind": status.record.kind,
        "state": status.state,
        "approved": status.approved,
        "valid_approvals": sorted(c.decision.reviewer for c in status.valid),
        "not_counted": {c.decision.reviewer: list(c.problems) for c in status.checks if c.problems},
        "missing": list(status.missing),
        "authors": list(status.authors),
    }


def _waits_on(statuses: list[RecordStatus], unresolved: int, approvals: Approvals, quorum: int) -> list[str]:
    out: list[str] = []
    drafts = [s for s in statuses if s.state == "draft"]
    changes = [s for s in statuses if s.state == "changes-requested"]
    in_review = [s for s in statuses if s.state in ("submitted", "under-review")]
    approved = [s for s in statuses if s.state in APPROVED_STATES]
    broken = [s for s in approved if not s.approved]
    if drafts:
        out.append(f"editors: {len(drafts)} draft record(s) to submit")
    if changes or unresolved:
        out.append(f"editors: {len(changes)} record(s) with changes requested, {unresolved} unresolved comment(s)")
    if in_review:
        short = [s for s in in_review if not s.approved]
        if short:
            eligible = _eligible(short, approvals)
            names = ", ".join(eligible) if eligible else "no eligible board member left"
            out.append(f"board: {len(short)} record(s) need approvals ({quorum} valid each); eligible: {names}")
        if len(short) < len(in_review):
            out.append(f"board: {len(in_review) - len(short)} record(s) already have valid approvals of this exact "
                       f"content; any approver records it with guideline review approve")
    if broken and approvals.git_problem():
        # Not the editors' doing: the same records count again once git has the history.
        out.append(f"git: no approval can be verified in this clone ({approvals.git_problem_hint()})")
    elif broken:
        out.append(f"editors: {len(broken)} record(s) say approved/published without valid approvals "
                   f"(stale or edited by hand); submit them again")
    if approved and len(approved) == len(statuses) and not broken and not unresolved:
        pending = [s for s in approved if s.state == "approved"]
        out.append(f"publisher: guideline publish ({len(pending)} approved record(s) not yet published)"
                   if pending else "nobody: published")
    return out


def _eligible(statuses: list[RecordStatus], approvals: Approvals) -> list[str]:
    """Board members who could approve the waiting records: approvers who authored none and approved not all."""
    names = []
    for member in approvals.roster.members:
        if not member.approver:
            continue
        authored = any(member.id in s.authors for s in statuses)
        done = all(member.id in {c.member.id for c in s.valid if c.member} for s in statuses)
        if not authored and not done:
            names.append(f"{member.name} <{member.email}>")
    return names
