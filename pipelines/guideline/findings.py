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

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "record": self.record}


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

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "record": self.record,
            "message": self.message,
        }
        if self.hint:
            out["hint"] = self.hint
        if self.related:
            out["related"] = [loc.as_dict() for loc in self.related]
        if self.source:
            out["source"] = {"file": self.source.file, "line": self.source.line}
        if self.waiver:
            out["waived"] = {"waiver": self.waiver}
        out["fingerprint"] = self.fingerprint
        return out


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
