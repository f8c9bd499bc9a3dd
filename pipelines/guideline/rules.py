"""Rule metadata: what users list with `guideline rules` and what stamps a finding's severity."""

from __future__ import annotations

from dataclasses import dataclass

from guideline.findings import Finding, Location, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    description: str

    def finding(
        self,
        location: Location,
        message: str,
        *,
        hint: str | None = None,
        related: tuple[Location, ...] = (),
        source: Location | None = None,
        key: str = "",
    ) -> Finding:
        return Finding(self.id, self.severity, location, message, hint, related, source, key)
