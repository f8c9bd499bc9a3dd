"""Review status of a changed record: from the review workflow's approvals, or from its review_state alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from guideline.checks.approvals import Approvals
from guideline.corpus.article import records_by_topic
from guideline.corpus.model import INACTIVE_STATES, Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.reviews import load_review_log
from guideline.corpus.states import APPROVED_STATES
from guideline.errors import GuidelineError
from guideline.report.model import RecordChange, Review


def review_status(change: RecordChange, state: Any) -> Review:
    """Approval status from the record's review_state alone; stale when approved content changed materially."""
    state_text = state if isinstance(state, str) else None
    fixed = _fixed_status(change, state_text)
    if fixed:
        return fixed
    if state_text in APPROVED_STATES:
        # The state alone cannot show whose approval covers which content: a material edit in the same change
        # as the state counts as unapproved.
        if change.change == "added":
            return Review("awaiting", f"new record; review_state already says {state_text}", state_text)
        if change.material:
            return Review("stale", f"review_state says {state_text}, but the clinical content changed",
                          state_text)
        return Review("approved", f"review_state: {state_text}", state_text)
    return Review("awaiting", f"review_state: {state_text or 'not set'}", state_text)


def _fixed_status(change: RecordChange, state: str | None) -> Review | None:
    if change.change == "removed":
        return Review("removed", "deleted outright; the workflow retires a record instead (review_state: retired)",
                      state)
    if state in INACTIVE_STATES:
        return Review("retired", f"review_state: {state}", state)
    return None


def workflow_reviews(changes: Sequence[RecordChange], records: Mapping[tuple[str, str], Record], corpus: Corpus,
                     project: Project) -> dict[int, Review] | None:
    """Approval status from the review workflow (valid approvals of the current content), by change index;
    records: the head's topics and recommendations by (file, id) as the changes name them.

    None when the workflow cannot say (no roster, an unreadable review log): the caller falls back to
    review_state."""
    try:
        approvals = Approvals.open(project, corpus)
    except GuidelineError:
        return None
    out: dict[int, Review] = {}
    try:
        by_topic = records_by_topic(corpus)
        logs: dict[str, Any] = {}
        for index, change in enumerate(changes):
            record = records.get((change.head.file, change.head.id)) if change.head else None
            if record is None:
                continue
            state = record.get("review_state")
            state_text = state if isinstance(state, str) else None
            fixed = _fixed_status(change, state_text)
            if fixed:
                out[index] = fixed
                continue
            topic_id = record.id if record.kind == "topic" else record.topic or ""
            if topic_id not in logs:
                logs[topic_id] = load_review_log(project, topic_id, corpus)
            status = approvals.status(record, by_topic.get(topic_id, []), logs[topic_id])
            if status.approved:
                out[index] = Review("approved", f"{len(status.valid)} valid approval(s) of this content", state_text)
            elif any(c.decision.content_hash != status.content_hash for c in status.checks):
                out[index] = Review("stale", status.explain(), state_text)
            else:
                out[index] = Review("awaiting", status.explain() or "no approvals yet", state_text)
    except GuidelineError:
        return None
    finally:
        if approvals.history is not None:
            approvals.history.close()
    return out
