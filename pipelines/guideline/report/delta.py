"""The findings delta: findings introduced, resolved and still open between two revisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from guideline.findings import Finding, sort_findings
from guideline.report.model import FindingDelta


def _other_key(finding: Finding) -> tuple[str, str, str] | None:
    """What identifies a record's finding when the record moved to another file."""
    if not finding.record:
        return None
    return (finding.rule, finding.record, finding.key or finding.message)


def findings_delta(before: Sequence[Finding], after: Sequence[Finding]) -> FindingDelta:
    """Match findings by fingerprint (as many times as they occur), then unmatched ones by rule/record/key."""
    pending: dict[str, list[Finding]] = defaultdict(list)
    for finding in before:
        pending[finding.fingerprint].append(finding)
    still_open: list[Finding] = []
    unmatched: list[Finding] = []
    for finding in after:
        olds = pending.get(finding.fingerprint)
        if olds:
            olds.pop()
            still_open.append(finding)
        else:
            unmatched.append(finding)
    left = [f for olds in pending.values() for f in olds]
    by_other: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in left:
        key = _other_key(finding)
        if key:
            by_other[key].append(finding)
    introduced: list[Finding] = []
    matched: set[int] = set()
    for finding in unmatched:
        key = _other_key(finding)
        olds = by_other.get(key) if key else None
        if olds:
            matched.add(id(olds.pop()))
            still_open.append(finding)
        else:
            introduced.append(finding)
    resolved = [f for f in left if id(f) not in matched]
    return FindingDelta(tuple(sort_findings(introduced)), tuple(sort_findings(resolved)),
                        tuple(sort_findings(still_open)))
