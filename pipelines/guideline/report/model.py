"""The board report's data: what changed between two revisions, record by record, for reporters to format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from guideline import __version__
from guideline.findings import Finding, Severity
from guideline.git.revisions import Revision

KIND_ORDER = {"topic": 0, "recommendation": 1, "reference": 2}
CHANGE_KINDS = ("added", "removed", "modified", "renamed", "moved")
REVIEW_STATUSES = ("approved", "stale", "awaiting", "retired", "removed")


@dataclass(frozen=True)
class Segment:
    """A run of a word-level diff: equal, delete or insert."""

    op: str
    text: str


@dataclass(frozen=True)
class ValueChange:
    """One changed place inside a field's value: a leaf shown before → after (words: its word diff), an item
    added or removed whole, or an item or mapping whose children changed (op "changed", children set).

    unit is shown after a changed amount whose unit stayed the same ("dose 100 → 400 IU")."""

    label: str
    op: str
    before: Any = None
    after: Any = None
    words: tuple[Segment, ...] = ()
    unit: str = ""
    children: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class FieldChange:
    name: str
    category: str
    before: Any
    after: Any
    words: tuple[Segment, ...] = ()
    # For a mapping or a list on both sides: what changed inside it, item by item.
    changes: tuple[ValueChange, ...] = ()

    @property
    def material(self) -> bool:
        return self.category == "material"


@dataclass(frozen=True)
class Place:
    """Where a record sits at one revision."""

    file: str
    line: int
    id: str
    topic: str | None = None
    section: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class FindingChange:
    """The same finding (rule, record, subject) at both revisions, reworded."""

    before: Finding
    after: Finding
    words: tuple[Segment, ...]


@dataclass(frozen=True)
class FindingDelta:
    introduced: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    still_open: tuple[Finding, ...] = ()
    changed: tuple[FindingChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.introduced or self.resolved or self.still_open or self.changed)


@dataclass(frozen=True)
class Clinical:
    """What a physician reads first about a changed record, in words: section (and the one it left), grading
    ("Strong recommendation against · AAOS 2010 Strong · certainty not rated") and population."""

    section: str | None = None
    section_before: str | None = None
    grading: str | None = None
    population: str | None = None


@dataclass(frozen=True)
class Review:
    status: str
    detail: str
    state: str | None = None


@dataclass(frozen=True)
class RecordChange:
    kind: str
    id: str
    change: str
    base: Place | None
    head: Place | None
    materiality: str
    fields: tuple[FieldChange, ...] = ()
    citations_added: tuple[str, ...] = ()
    citations_removed: tuple[str, ...] = ()
    cited_by: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    statement: str | None = None
    review: Review | None = None
    findings: FindingDelta = FindingDelta()
    clinical: Clinical = Clinical()

    @property
    def place(self) -> Place:
        place = self.head or self.base
        assert place is not None
        return place

    @property
    def material(self) -> bool:
        return self.materiality == "material"

    @property
    def renamed_from(self) -> str | None:
        return self.base.id if self.base and self.head and self.base.id != self.head.id else None

    @property
    def moved(self) -> bool:
        if not (self.base and self.head):
            return False
        return (self.base.file, self.base.section, self.base.group) != (self.head.file, self.head.section,
                                                                         self.head.group)

    def sort_key(self) -> tuple[str, int, str, int, str]:
        return (self.topics[0] if self.topics else "\uffff", KIND_ORDER.get(self.kind, 9), self.place.file,
                self.place.line, self.id)


@dataclass(frozen=True)
class FileEntry:
    """A changed file; problems are findings that kept one side from being read at all."""

    path: str
    status: str
    base_problems: tuple[Finding, ...] = ()
    head_problems: tuple[Finding, ...] = ()
    not_compared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Elsewhere:
    """Findings introduced or resolved on a record (or file) the change did not touch."""

    file: str
    record: str | None
    topic: str | None
    findings: FindingDelta


@dataclass(frozen=True)
class Report:
    base: Revision
    head: Revision
    as_of: date
    files: tuple[FileEntry, ...]
    changes: tuple[RecordChange, ...]
    elsewhere: tuple[Elsewhere, ...] = ()
    findings: FindingDelta | None = None
    open_findings: int = 0
    review_source: str = "review_state"
    notes: tuple[str, ...] = ()
    version: str = __version__

    @property
    def topics(self) -> list[str]:
        names = {t for c in self.changes for t in c.topics} | {e.topic for e in self.elsewhere if e.topic}
        return sorted(names)

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in CHANGE_KINDS}
        for change in self.changes:
            counts[change.change] += 1
        counts["material"] = sum(1 for c in self.changes if c.material)
        counts["records"] = len(self.changes)
        counts["files"] = len(self.files)
        return counts

    def review_counts(self) -> dict[str, int]:
        counts = {status: 0 for status in REVIEW_STATUSES}
        for change in self.changes:
            if change.review:
                counts[change.review.status] = counts.get(change.review.status, 0) + 1
        return counts

    def findings_counts(self) -> dict[str, int] | None:
        if self.findings is None:
            return None
        introduced = self.findings.introduced
        return {
            "introduced": len(introduced),
            "introduced_errors": sum(1 for f in introduced if f.counts_as_error),
            "introduced_warnings": sum(1 for f in introduced if f.counts_at(Severity.WARNING)),
            "resolved": len(self.findings.resolved),
            "changed": len(self.findings.changed),
            "still_open": self.open_findings,
        }
