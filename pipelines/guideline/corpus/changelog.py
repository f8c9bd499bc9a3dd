"""What changed between the publications of an article: each recommendation's label and the Update information
list. Pure: the publications come from git (workflow/publication_log.py), and the materiality classes
(materiality.py) decide what is a change of content and what an editorial one.

Labels follow NICE's convention. `[new 2026]`: first published in the year of the article's latest publication.
`[2024]`: its current content was first published in 2024. `[2024, amended 2026]`: a later change readers can
see, but no change of content (the recommendation moved). A material change needs the editor's `change_note`,
which Update information prints as the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from guideline.corpus.article import layout
from guideline.corpus.materiality import changed_fields, is_material_field
from guideline.corpus.model import Record

# Editorial fields the article never prints: changing them is no news for readers. The change note is the
# explanation of a change, not part of the recommendation.
UNPRINTED_FIELDS = frozenset({"notes", "provenance", "change_note"})
NEW, UPDATED, AMENDED, WITHDRAWN, ARTICLE = "new", "updated", "amended", "withdrawn", "article"

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """What one publication of a topic printed: the topic's data and its shown recommendations' data, in article
    order."""

    date: date
    topic: Data
    records: Mapping[str, Data]


def snapshot(topic: Record, recommendations: Sequence[Record], day: date) -> Snapshot:
    return Snapshot(day, topic.data, {rec.id: rec.data for rec in layout(topic, recommendations).records()})


@dataclass(frozen=True)
class Label:
    """The year the recommendation's current content was first published, whether it is new in the year of the
    latest publication, and the year of a later editorial change."""

    since: int
    new: bool = False
    amended: int | None = None

    @property
    def text(self) -> str:
        if self.new:
            return f"new {self.since}"
        return f"{self.since}, amended {self.amended}" if self.amended else str(self.since)


@dataclass(frozen=True)
class Change:
    """One line of Update information: a recommendation (or the article's own text) and what happened to it."""

    record: str
    kind: str
    statement: str
    fields: tuple[str, ...] = ()
    # The editor's change note, when it was written for this change.
    note: str | None = None
    # The earlier wording, when the statement changed.
    before: str | None = None


@dataclass(frozen=True)
class Update:
    date: date
    first: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class MissingNote:
    """A recommendation whose content changed since `since` without a change note written for that change."""

    record: str
    fields: tuple[str, ...]
    since: date
    # The note it still carries from the earlier publication, if any.
    stale: str | None


@dataclass(frozen=True)
class Changelog:
    """Labels by recommendation id, the date the article was last published, Update information newest first."""

    published: date
    labels: Mapping[str, Label]
    updates: tuple[Update, ...]


def material_changes(before: Data, after: Data) -> tuple[str, ...]:
    return tuple(name for name in changed_fields(before, after)
                 if is_material_field(name) and name not in UNPRINTED_FIELDS)


def editorial_changes(before: Data, after: Data) -> tuple[str, ...]:
    """Changed editorial fields that the article shows (where the recommendation stands)."""
    return tuple(name for name in changed_fields(before, after)
                 if not is_material_field(name) and name not in UNPRINTED_FIELDS)


def differs(before: Snapshot, after: Snapshot) -> bool:
    """Whether readers would see a difference between the two articles' recommendations or texts."""
    if list(before.records) != list(after.records):
        return True
    if material_changes(before.topic, after.topic) or editorial_changes(before.topic, after.topic):
        return True
    return any(material_changes(before.records[i], data) or editorial_changes(before.records[i], data)
               for i, data in after.records.items())


@dataclass(frozen=True)
class _Step:
    """What one publication did to one recommendation, against the version last published before it."""

    kind: str | None
    before: Data | None
    after: Data
    fields: tuple[str, ...] = ()


def _steps(publications: Sequence[Snapshot]) -> Iterator[tuple[Snapshot, dict[str, _Step]]]:
    seen: dict[str, Data] = {}
    for snap in publications:
        steps: dict[str, _Step] = {}
        for rec_id, data in snap.records.items():
            old = seen.get(rec_id)
            if old is None:
                steps[rec_id] = _Step(NEW, None, data)
            elif fields := material_changes(old, data):
                steps[rec_id] = _Step(UPDATED, old, data, fields)
            elif fields := editorial_changes(old, data):
                steps[rec_id] = _Step(AMENDED, old, data, fields)
            else:
                steps[rec_id] = _Step(None, old, data)
            seen[rec_id] = data
        yield snap, steps


def changelog(publications: Sequence[Snapshot]) -> Changelog:
    """The labels and Update information of the latest of the publications (oldest first, at least one)."""
    latest = publications[-1]
    first: dict[str, int] = {}
    since: dict[str, int] = {}
    amended: dict[str, int] = {}
    updates: list[Update] = []
    previous: Snapshot | None = None
    for snap, steps in _steps(publications):
        year = snap.date.year
        for rec_id, step in steps.items():
            if step.kind == NEW:
                first.setdefault(rec_id, year)
                since[rec_id] = year
                amended.pop(rec_id, None)
            elif step.kind == UPDATED:
                since[rec_id] = year
                amended.pop(rec_id, None)
            elif step.kind == AMENDED and year > since[rec_id]:
                amended[rec_id] = year
        updates.append(Update(snap.date, previous is None, () if previous is None else
                              tuple(_changes(previous, snap, steps))))
        previous = snap
    labels = {rec_id: Label(since[rec_id], first[rec_id] == latest.date.year, amended.get(rec_id))
              for rec_id in latest.records}
    return Changelog(latest.date, labels, tuple(reversed(updates)))


def _changes(previous: Snapshot, snap: Snapshot, steps: Mapping[str, _Step]) -> Iterator[Change]:
    topic_fields = material_changes(previous.topic, snap.topic) + editorial_changes(previous.topic, snap.topic)
    if topic_fields:
        yield Change(str(snap.topic.get("id") or ""), ARTICLE, _text(snap.topic.get("question")), topic_fields)
    for rec_id, step in steps.items():
        if step.kind is None:
            continue
        before = step.before or {}
        reworded = "statement" in step.fields
        yield Change(rec_id, step.kind, _text(step.after.get("statement")), step.fields, _new_note(before, step.after),
                     _text(before.get("statement")) if reworded else None)
    for rec_id, data in previous.records.items():
        if rec_id not in snap.records:
            yield Change(rec_id, WITHDRAWN, _text(data.get("statement")))


def missing_notes(publications: Sequence[Snapshot]) -> list[MissingNote]:
    """Recommendations of the latest publication whose content changed since they were last published, with no
    change note written for this change (none, or still the one printed before)."""
    dated: dict[str, date] = {}
    out: list[MissingNote] = []
    for snap, steps in _steps(publications):
        last = snap is publications[-1]
        for rec_id, step in steps.items():
            if last and step.kind == UPDATED and step.before is not None and _new_note(step.before, step.after) is None:
                note = _text(step.before.get("change_note")) or None
                out.append(MissingNote(rec_id, step.fields, dated[rec_id], note))
            dated[rec_id] = snap.date
    return out


def _new_note(before: Data, after: Data) -> str | None:
    note = _text(after.get("change_note"))
    return note if note and note != _text(before.get("change_note")) else None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""
