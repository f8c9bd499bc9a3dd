"""What a workflow command acts on, and on whose behalf."""

from __future__ import annotations

from dataclasses import dataclass

from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.model import Corpus, Record
from guideline.errors import UsageError
from guideline.git.history import History, normalise_email


@dataclass
class Target:
    """A topic (with its shown recommendations) or one recommendation."""

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
