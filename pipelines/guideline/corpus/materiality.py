"""Which fields of a record are clinical content (material) and which are presentation (editorial).

A board approval is bound to `content_hash` of the material fields: a material edit makes every earlier
approval stale, an editorial edit leaves it standing. The same definition feeds the board's diff report,
so the API here is stable. docs/workflow.md has the table.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

# Clinical content of a recommendation (statement .. citations) and of a topic (question, audience, summary).
MATERIAL_FIELDS: frozenset[str] = frozenset({
    "statement", "statement_type", "direction", "strength", "certainty", "population", "intervention",
    "comparator", "dosing", "citations",
    "question", "audience", "summary",
})

# Presentation: where and how the content is shown, and notes about it (change_note tells readers why content
# changed: the board sees it, but rewording the explanation changes no advice).
EDITORIAL_FIELDS: frozenset[str] = frozenset({
    "section", "group", "notes", "provenance", "change_note",
    "title", "sections",
})

# Bookkeeping of the workflow itself: changed by the commands, never a reason to re-review.
WORKFLOW_FIELDS: frozenset[str] = frozenset({
    "id", "review_state", "superseded_by", "last_reviewed", "last_updated",
})

# Lists whose order carries no meaning: citation order only sets reference numbering.
_UNORDERED: frozenset[tuple[str, ...]] = frozenset({
    ("citations",), ("intervention",), ("comparator",), ("audience",), ("population", "condition"),
})
_SPACE_RE = re.compile(r"\s+")


def _normalise(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        # Re-wrapping a YAML block scalar changes line breaks, not wording.
        return _SPACE_RE.sub(" ", value).strip()
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): _normalise(v, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_normalise(v, path) for v in value]
        if path in _UNORDERED:
            items = sorted({_canonical(v): v for v in items}.values(), key=_canonical)
        return items
    return str(value)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_material_field(name: str) -> bool:
    """Unknown fields count as material: an unclassified field must not slip past review."""
    return name not in EDITORIAL_FIELDS and name not in WORKFLOW_FIELDS


def material_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """The record's material fields, normalised (whitespace, unordered lists, 1.0 == 1)."""
    return {name: _normalise(value, (name,)) for name, value in data.items()
            if is_material_field(name) and value is not None}


def presentation_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """Material and editorial fields together: everything a reader sees, without workflow bookkeeping."""
    return {name: _normalise(value, (name,)) for name, value in data.items()
            if name not in WORKFLOW_FIELDS and value is not None}


def _digest(view: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(view).encode("utf-8")).hexdigest()


def content_hash(data: Mapping[str, Any]) -> str:
    """sha256 (hex) of the sorted-key compact JSON of the material view."""
    return _digest(material_view(data))


def presentation_hash(data: Mapping[str, Any]) -> str:
    """sha256 (hex) of the presentation view: changes on any edit a reader could see."""
    return _digest(presentation_view(data))


def hashes(data: Mapping[str, Any]) -> tuple[str, str]:
    """(content_hash, presentation_hash) with one normalisation pass."""
    presented = presentation_view(data)
    material = {name: value for name, value in presented.items() if is_material_field(name)}
    return _digest(material), _digest(presented)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Top-level fields whose normalised values differ, sorted; workflow bookkeeping is left out."""
    names = (set(before) | set(after)) - WORKFLOW_FIELDS
    return sorted(name for name in names
                  if _normalise(before.get(name), (name,)) != _normalise(after.get(name), (name,)))


def is_material_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return any(is_material_field(name) for name in changed_fields(before, after))
