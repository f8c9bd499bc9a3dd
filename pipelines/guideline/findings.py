"""The one result type that flows from every check to every output."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a file, optionally tied to a record."""

    file: str
    line: int = 1
    column: int = 1
    record: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    location: Location
    message: str
    hint: str | None = None
    related: tuple[Location, ...] = ()
    source: Location | None = None
    # Extra words that identify the finding across unrelated edits (e.g. the other record of a pair).
    key: str = ""
    waiver: str | None = field(default=None, compare=False)

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    @property
    def record(self) -> str | None:
        return self.location.record

    @property
    def fingerprint(self) -> str:
        """Stable across edits that move lines: rule, file, record and key, not the line number."""
        basis = "\x1f".join((self.rule, self.location.file, self.location.record or "", self.key or self.message))
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.rule, self.record or "", self.message)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)

    def counts_at(self, severity: Severity) -> bool:
        """Counted at this level: a waived finding is still shown, but counts at no level."""
        return self.severity is severity and not self.waiver

    @property
    def counts_as_error(self) -> bool:
        """An error that counts: what fails the exit code, the publication gate and a JUnit test case."""
        return self.counts_at(Severity.ERROR)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def summarize(findings: Iterable[Finding]) -> dict[str, Any]:
    items = list(findings)
    by_severity = Counter(f.severity.value for f in items if not f.waiver)
    by_rule = Counter(f.rule for f in items)
    return {
        "total": len(items),
        "by_severity": {s.value: by_severity.get(s.value, 0) for s in Severity},
        "by_rule": dict(sorted(by_rule.items())),
        "waived": sum(1 for f in items if f.waiver),
    }
