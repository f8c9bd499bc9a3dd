"""A topic's publications, read back from its review log and git: the changelog its article prints.

A publication is what one `guideline publish` recorded: the `publish` transitions it appended to the topic's
review log, dated with the publication date, in the commit that recorded them (git blame says which). What it
printed is the topic file as that commit holds it (uncommitted transitions: as the working tree holds it). The
article being published now is one more publication when readers would see something new, or when a record
still has to move to published; it is dated by the commit being published, never by the clock, so one commit
always gives the same article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from guideline.checks.workflow import MISSING_CHANGE_NOTE
from guideline.corpus.article import topic_records
from guideline.corpus.changelog import Changelog, Snapshot, changelog, differs, missing_notes, snapshot
from guideline.corpus.loader import parse_text
from guideline.corpus.model import Record, records_of
from guideline.corpus.project import Project
from guideline.corpus.reviews import ReviewLog
from guideline.findings import Finding
from guideline.git.commits import tree_files
from guideline.git.history import History
from guideline.git.runner import commit_of

PUBLISH = "publish"
PUBLISHED = "published"


def publication_date(history: History | None, fallback: date) -> date:
    """The committer date (UTC) of the commit being published; fallback only without a commit to go by."""
    head = commit_of(history.workdir, "HEAD") if history is not None else None
    if history is None or head is None:
        return fallback
    return datetime.fromtimestamp(history.objects.commit(head).committed, tz=UTC).date()


@dataclass(frozen=True)
class TopicHistory:
    """The publications of a topic, oldest first, the last being the article as published now; `new`: that one
    is not recorded yet (it publishes something)."""

    publications: tuple[Snapshot, ...]
    new: bool

    @property
    def changelog(self) -> Changelog:
        return changelog(self.publications)

    def missing_notes(self, recommendations: Sequence[Record]) -> list[Finding]:
        """A refusal for every recommendation whose content changed since it was published without a change note
        written for this change (earlier publications are history: nothing asks them for notes now)."""
        by_id = {rec.id: rec for rec in recommendations}
        out = []
        for missing in missing_notes(self.publications) if self.new else []:
            rec = by_id[missing.record]
            when = missing.since.isoformat()
            fields = ", ".join(missing.fields)
            if missing.stale:
                message = (f"recommendation '{rec.id}' changed ({fields}) since it was published on {when}, but its "
                           f"change_note is still the one published then")
                hint = ("write a new change_note for this change (what changed and why, for readers): it is printed "
                        "under Update information")
            else:
                message = (f"recommendation '{rec.id}' changed ({fields}) since it was published on {when}, and has "
                           f"no change_note to tell readers what changed and why")
                hint = ("add `change_note: <what changed and why, for readers>` to the record: it is printed under "
                        "Update information")
            where = rec.location("change_note") if rec.get("change_note") is not None else rec.location()
            out.append(MISSING_CHANGE_NOTE.finding(where, message, hint=f"{hint}; the board approves it with the "
                                                                        f"change (guideline review approve {rec.id})"))
        return out


def topic_history(history: History | None, project: Project, topic: Record, recommendations: Sequence[Record],
                  log: ReviewLog, today: date) -> TopicHistory:
    """The topic's recorded publications and, when it publishes something new, the article as it is now."""
    day = publication_date(history, today)
    current = snapshot(topic, recommendations, day)
    past = _recorded(history, project, topic, log, current)
    pending = any(r.get("review_state") != PUBLISHED for r in topic_records(topic, recommendations))
    if past and not pending and not differs(past[-1], current):
        return TopicHistory(tuple(past), new=False)
    return TopicHistory((*past, current), new=True)


def _recorded(history: History | None, project: Project, topic: Record, log: ReviewLog,
              current: Snapshot) -> list[Snapshot]:
    """Each publication in the log, oldest first, as the commit that recorded it printed the topic."""
    if history is None:
        return []
    groups: dict[tuple[date, str | None], None] = {}
    for transition in log.transitions:
        if transition.action != PUBLISH or transition.target != PUBLISHED:
            continue
        try:
            day = date.fromisoformat(transition.date)
        except ValueError:
            continue
        commits = history.line_commits(log.path, set(transition.lines)) if transition.lines else []
        groups.setdefault((day, next((sha for sha in commits if sha), None)), None)
    path = project.located(topic.file)
    out: list[Snapshot] = []
    for day, sha in sorted(groups, key=lambda key: key[0]):
        printed = replace(current, date=day) if sha is None else _printed_at(history, path, topic.id, sha, day)
        if printed is not None:
            out.append(printed)
    return out


def _printed_at(history: History, path: Path, topic_id: str, sha: str, day: date) -> Snapshot | None:
    """The topic as the topic file at commit sha held it; None when the file was not there under this name."""
    folder, _, name = history.relative(path).rpartition("/")
    blob = tree_files(history.workdir, sha, folder).get(name)
    if blob is None:
        return None
    records = list(records_of(parse_text(history.read_blob(blob), path.name)))
    topic = next((r for r in records if r.kind == "topic" and r.id == topic_id), None)
    if topic is None:
        return None
    return snapshot(topic, [r for r in records if r.kind == "recommendation"], day)
