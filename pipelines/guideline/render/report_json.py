"""The board report as JSON (schemas/report.schema.json): the contract for tools that read the report."""

from __future__ import annotations

import json
from typing import Any

from guideline.findings import Finding
from guideline.git.revisions import Revision
from guideline.render.findings_formats import finding_json
from guideline.render.values import json_value
from guideline.report.model import (
    Elsewhere,
    FieldChange,
    FileEntry,
    FindingChange,
    FindingDelta,
    Place,
    RecordChange,
    Report,
    Segment,
    ValueChange,
)


def _revision(revision: Revision) -> dict[str, Any]:
    return {
        "rev": None if revision.worktree else revision.spec,
        "label": revision.label,
        "commit": revision.commit,
        "short": revision.short,
        "date": revision.date.isoformat(),
        "subject": revision.subject,
        "worktree": revision.worktree,
        "chosen_as": revision.how or None,
    }


def _place(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {"file": place.file, "line": place.line, "id": place.id, "topic": place.topic, "section": place.section,
            "group": place.group}


def _findings(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    return [finding_json(f) for f in findings]


def _changed(changes: tuple[FindingChange, ...]) -> list[dict[str, Any]]:
    return [{"before": finding_json(c.before), "after": finding_json(c.after), "words": _words(c.words)}
            for c in changes]


def _delta(delta: FindingDelta) -> dict[str, Any]:
    return {"introduced": _findings(delta.introduced), "resolved": _findings(delta.resolved),
            "changed": _changed(delta.changed), "still_open": _findings(delta.still_open)}


def _words(words: tuple[Segment, ...]) -> list[dict[str, str]]:
    return [{"op": s.op, "text": s.text} for s in words]


def _value_change(node: ValueChange) -> dict[str, Any]:
    out: dict[str, Any] = {"label": node.label, "op": node.op, "before": json_value(node.before),
                           "after": json_value(node.after)}
    if node.words:
        out["words"] = _words(node.words)
    if node.unit:
        out["unit"] = node.unit
    if node.children:
        out["children"] = [_value_change(c) for c in node.children]
    return out


def _field(change: FieldChange) -> dict[str, Any]:
    out: dict[str, Any] = {"name": change.name, "category": change.category, "material": change.material,
                           "before": json_value(change.before), "after": json_value(change.after)}
    if change.words:
        out["words"] = _words(change.words)
    if change.changes:
        out["changes"] = [_value_change(c) for c in change.changes]
    return out


def _change(change: RecordChange) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "id": change.id,
        "change": change.change,
        "materiality": change.materiality,
        "material": change.material,
        "topics": list(change.topics),
        "renamed_from": change.renamed_from,
        "moved": change.moved,
        "base": _place(change.base),
        "head": _place(change.head),
        "statement": change.statement,
        "clinical": {"section": change.clinical.section, "section_before": change.clinical.section_before,
                     "grading": change.clinical.grading, "population": change.clinical.population},
        "fields": [_field(f) for f in change.fields],
        "citations": {"added": list(change.citations_added), "removed": list(change.citations_removed)},
        "cited_by": list(change.cited_by),
        "review": None if change.review is None else {"status": change.review.status, "detail": change.review.detail,
                                                       "state": change.review.state},
        "findings": _delta(change.findings),
    }


def _file(entry: FileEntry) -> dict[str, Any]:
    return {"path": entry.path, "status": entry.status, "base_problems": _findings(entry.base_problems),
            "head_problems": _findings(entry.head_problems), "not_compared": list(entry.not_compared)}


def _elsewhere(entry: Elsewhere) -> dict[str, Any]:
    return {"file": entry.file, "record": entry.record, "topic": entry.topic,
            "introduced": _findings(entry.findings.introduced), "resolved": _findings(entry.findings.resolved),
            "changed": _changed(entry.findings.changed)}


def report_document(report: Report) -> dict[str, Any]:
    return {
        "report": "board-report",
        "version": report.version,
        "base": _revision(report.base),
        "head": _revision(report.head),
        "as_of": report.as_of.isoformat(),
        "summary": {**report.counts(), "review": report.review_counts(), "review_source": report.review_source,
                    "findings": report.findings_counts()},
        "topics": report.topics,
        "notes": list(report.notes),
        "files": [_file(f) for f in report.files],
        "changes": [_change(c) for c in report.changes],
        "elsewhere": [_elsewhere(e) for e in report.elsewhere],
    }


def render(report: Report, *, full_report: str | None = None) -> str:
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
