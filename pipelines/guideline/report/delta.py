"""The findings delta: findings introduced, resolved, changed (reworded) and still open between two revisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

from guideline.findings import Finding, sort_findings
from guideline.report.model import FindingChange, FindingDelta
from guideline.report.words import word_diff

_Key = Callable[[Finding], Hashable | None]


def _fingerprint(finding: Finding) -> Hashable:
    return finding.fingerprint


def _moved_key(finding: Finding) -> Hashable | None:
    """What identifies a record's finding when the record moved to another file."""
    if not finding.record:
        return None
    return (finding.rule, finding.record, finding.key or finding.message)


def _subject_key(finding: Finding) -> Hashable:
    """The finding's subject without its wording: rule, record (or file) and key. A finding with no key of its
    own is identified by its rule and record alone, so a reworded message is the same finding."""
    return (finding.rule, finding.record or finding.file, finding.key)


def _match(before: list[Finding], after: list[Finding], key: _Key,
           pairs: list[tuple[Finding, Finding]]) -> tuple[list[Finding], list[Finding]]:
    """Pair findings of equal key (as many times as they occur, in order); give back those left unpaired."""
    pending: dict[Hashable, list[Finding]] = defaultdict(list)
    for finding in reversed(before):
        found = key(finding)
        if found is not None:
            pending[found].append(finding)
    unmatched: list[Finding] = []
    for finding in after:
        found = key(finding)
        olds = pending.get(found) if found is not None else None
        if olds:
            pairs.append((olds.pop(), finding))
        else:
            unmatched.append(finding)
    paired = {id(old) for old, _ in pairs}
    return [f for f in before if id(f) not in paired], unmatched


def findings_delta(before: Sequence[Finding], after: Sequence[Finding]) -> FindingDelta:
    """Match findings by fingerprint, then a moved record's by rule/record/key, then by subject alone; a matched
    finding whose message differs is changed, not introduced and resolved."""
    pairs: list[tuple[Finding, Finding]] = []
    left, unmatched = sort_findings(before), sort_findings(after)
    for key in (_fingerprint, _moved_key, _subject_key):
        left, unmatched = _match(left, unmatched, key, pairs)
    still_open = [new for old, new in pairs if old.message == new.message]
    changed = sorted((FindingChange(old, new, word_diff(old.message, new.message))
                      for old, new in pairs if old.message != new.message), key=lambda c: c.after.sort_key())
    return FindingDelta(tuple(sort_findings(unmatched)), tuple(sort_findings(left)),
                        tuple(sort_findings(still_open)), tuple(changed))
