"""The board report's content, once for every format: each changed record as a card a physician reads top
down (statement, section, grading, population, then the changes, then findings as sentences), with ids, rule
codes and positions on a secondary line. Markdown, HTML and Word only choose the markup.

A value is a run of segments (equal, delete, insert), so each format marks removed and added words its own way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from guideline.findings import Finding
from guideline.report.model import FieldChange, FindingChange, RecordChange, Segment, ValueChange
from guideline.report.nested import text_of

CHANGE_LABELS = {"added": "Added", "removed": "Removed", "modified": "Modified", "renamed": "Renamed",
                 "moved": "Moved"}
REVIEW_LABELS = {"approved": "approved for this content", "stale": "approval stale", "awaiting": "awaiting review",
                 "retired": "retired", "removed": "removed without retirement"}
STATEMENT_FIELDS = {"recommendation": "statement", "topic": "question", "reference": "title"}
# Side by side ("daily → every other day") reads best for short values; a long text reads best as one passage.
_SIDE_BY_SIDE_MAX = 80
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_DOSE_ORDER = ("agent", "dose", "dose_max", "unit", "route", "frequency", "duration", "qualifier", "criterion")

Value = tuple[Segment, ...]


@dataclass(frozen=True)
class Line:
    """One line of a change tree: sign "+" added, "−" removed, "" changed; depth 0 is a top-level field."""

    depth: int
    sign: str
    label: str
    value: Value
    material: bool = False


@dataclass(frozen=True)
class FindingLine:
    status: str
    severity: str
    sentence: Value
    rule: str
    where: str


@dataclass(frozen=True)
class Card:
    change: RecordChange
    statement: Value
    labels: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    lines: tuple[Line, ...]
    notes: tuple[str, ...]
    findings: tuple[FindingLine, ...]
    secondary: str


def isolate(text: str) -> str:
    """Text holding bidi controls, wrapped in an isolate so an override cannot run past it into the page."""
    return f"\u2068{text}\u2069" if _BIDI.search(text) else text


def inline(value: Any) -> str:
    """A value on one line, in words: a dose as "calcitonin 200 IU intranasal daily", a mapping as "key value"
    pairs, a list comma-joined."""
    if isinstance(value, dict):
        if "agent" in value:
            dose = [text_of(value.get(k)) for k in _DOSE_ORDER if value.get(k) is not None and k != "dose_max"]
            if value.get("dose_max") is not None and len(dose) > 1:
                dose[1] = f"{dose[1]}–{text_of(value['dose_max'])}"
            return " ".join(dose)
        return " · ".join(f"{k} {inline(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        joiner = "; " if any(isinstance(v, (dict, list)) for v in value) else ", "
        return joiner.join(inline(v) for v in value)
    return text_of(value)


def _side(words: Value, shown: str) -> Value:
    return tuple(s for s in words if s.op in ("equal", shown))


def leaf_value(before: Any, after: Any, words: Value, unit: str = "") -> Value:
    """before → after with the changed words marked, or one marked passage for long text."""
    if before is None:
        return (Segment("insert", inline(after)),)
    if after is None:
        return (Segment("delete", inline(before)),)
    if not words:
        return (Segment("delete", inline(before)), Segment("equal", " → "), Segment("insert", inline(after)))
    tail = (Segment("equal", f" {unit}"),) if unit else ()
    if len(text_of(before)) + len(text_of(after)) > _SIDE_BY_SIDE_MAX:
        return words + tail
    return _side(words, "delete") + (Segment("equal", " → "),) + _side(words, "insert") + tail


def _nodes(nodes: Iterable[ValueChange], depth: int) -> Iterator[Line]:
    for node in nodes:
        if node.op == "added":
            yield Line(depth, "+", node.label, (Segment("insert", inline(node.after)),))
        elif node.op == "removed":
            yield Line(depth, "−", node.label, (Segment("delete", inline(node.before)),))
        elif node.children:
            yield Line(depth, "", node.label, ())
            yield from _nodes(node.children, depth + 1)
        else:
            yield Line(depth, "", node.label, leaf_value(node.before, node.after, node.words, node.unit))


def field_lines(item: FieldChange) -> Iterator[Line]:
    """A field's change: one line for a plain value, a tree of item and leaf lines for a nested one."""
    if item.changes:
        yield Line(0, "", item.name, (), item.material)
        yield from _nodes(item.changes, 1)
        return
    sign = "+" if item.before is None else "−" if item.after is None else ""
    yield Line(0, sign, item.name, leaf_value(item.before, item.after, item.words), item.material)


def _sentence(words: Value) -> Value:
    """A message as a sentence: capital first letter, closing full stop."""
    if not words:
        return words
    first = words[0]
    shown = (Segment(first.op, first.text[:1].upper() + first.text[1:]),) + words[1:]
    return shown if shown[-1].text.rstrip().endswith((".", "!", "?")) else shown + (Segment("equal", "."),)


def _finding_line(finding: Finding, status: str, words: Value = ()) -> FindingLine:
    value = _sentence(words or (Segment("equal", finding.message.strip()),))
    return FindingLine(status, finding.severity.value, value, finding.rule, f"{finding.file}:{finding.line}")


def finding_lines(introduced: Iterable[Finding], resolved: Iterable[Finding],
                  changed: Iterable[FindingChange] = ()) -> tuple[FindingLine, ...]:
    return (tuple(_finding_line(f, "introduced") for f in introduced)
            + tuple(_finding_line(c.after, "reworded", c.words) for c in changed)
            + tuple(_finding_line(f, "resolved") for f in resolved))


def _statement(change: RecordChange) -> Value:
    name = STATEMENT_FIELDS.get(change.kind, "")
    field = next((f for f in change.fields if f.name == name and f.words), None)
    if field is not None and change.change != "added" and change.change != "removed":
        return field.words
    return (Segment("equal", change.statement or change.id),)


def _facts(change: RecordChange) -> tuple[tuple[str, str], ...]:
    clinical = change.clinical
    facts: list[tuple[str, str]] = []
    if clinical.section:
        moved = f" (moved from {clinical.section_before})" if clinical.section_before else ""
        facts.append(("Section", clinical.section + moved))
    if clinical.grading:
        facts.append(("Grading", clinical.grading))
    if clinical.population:
        facts.append(("Population", clinical.population))
    return tuple(facts)


def _notes(change: RecordChange) -> tuple[str, ...]:
    notes: list[str] = []
    if change.kind == "reference" and change.cited_by:
        count = len(change.cited_by)
        note = f"Cited by {count} recommendation{'s' if count != 1 else ''}: {', '.join(change.cited_by)}."
        # An approval covers the cited references as published: a changed reference reopens its citing records.
        if change.fields:
            note += f" {'They need' if count != 1 else 'It needs'} the board's re-approval of this change."
        notes.append(note)
    if change.review and not change.review.detail.startswith("review_state:"):
        notes.append(f"Review: {change.review.detail}")
    if change.findings.still_open:
        rules = ", ".join(sorted({f.rule for f in change.findings.still_open}))
        notes.append(f"Still open: {len(change.findings.still_open)} earlier finding(s) ({rules}).")
    return tuple(notes)


def _secondary(change: RecordChange) -> str:
    place = change.place
    parts = [f"{change.kind} {change.id}", f"{place.file}:{place.line}"]
    if place.section:
        parts.append(f"section {place.section}" + (f" / {place.group}" if place.group else ""))
    if change.renamed_from:
        parts.append(f"renamed from {change.renamed_from} (matched by content)")
    if change.moved and change.base:
        base = change.base
        parts.append(f"moved from {base.file}:{base.line}" + (f" section {base.section}" if base.section else "")
                     + (f" / {base.group}" if base.group else ""))
    return " · ".join(parts)


def card(change: RecordChange) -> Card:
    labels = [CHANGE_LABELS[change.change]]
    if change.material:
        labels.append("material")
    elif change.materiality != "none":
        labels.append(change.materiality)
    if change.review:
        labels.append(REVIEW_LABELS.get(change.review.status, change.review.status))
    statement_field = STATEMENT_FIELDS.get(change.kind)
    lines = tuple(line for f in change.fields if f.name != statement_field and f.name != "id"
                  for line in field_lines(f))
    delta = change.findings
    return Card(change, _statement(change), tuple(labels), _facts(change), lines, _notes(change),
                finding_lines(delta.introduced, delta.resolved, delta.changed), _secondary(change))


def group_key(change: RecordChange) -> tuple[str, str]:
    """The report's sections: one per topic, then the references, then records of no topic."""
    if change.kind == "reference":
        return "\x01references", "References"
    if change.topics:
        return change.topics[0], f"Topic {change.topics[0]}"
    return "\x02other", "Other records"


def grouped(changes: Iterable[RecordChange]) -> list[tuple[str, list[RecordChange]]]:
    groups: list[tuple[str, str, list[RecordChange]]] = []
    for change in changes:
        key, title = group_key(change)
        if not groups or groups[-1][0] != key:
            groups.append((key, title, []))
        groups[-1][2].append(change)
    return [(title, items) for _, title, items in groups]
