"""Record changes between two corpora of changed files: records matched by kind and id, then removed and added
records of the same kind paired by content hash (a rename)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from guideline.corpus.materiality import (
    EDITORIAL_FIELDS,
    WORKFLOW_FIELDS,
    changed_fields,
    content_hash,
    is_material_field,
    presentation_hash,
)
from guideline.corpus.model import Corpus, Record
from guideline.report.clinical import SectionTitles, clinical, section_titles
from guideline.report.model import KIND_ORDER, FieldChange, Place, RecordChange
from guideline.report.nested import diff_nested, is_nested, text_of
from guideline.report.words import word_diff


def category_of(name: str) -> str:
    if name in WORKFLOW_FIELDS:
        return "workflow"
    return "editorial" if name in EDITORIAL_FIELDS else "material" if is_material_field(name) else "editorial"


def _field(name: str, before: Any, after: Any) -> FieldChange:
    if is_nested(before) and is_nested(after):
        return FieldChange(name, category_of(name), before, after, changes=diff_nested(before, after, name=name))
    words = word_diff(text_of(before), text_of(after)) if before is not None and after is not None else ()
    return FieldChange(name, category_of(name), before, after, words)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Changed top-level fields in the record's own key order: content per materiality, workflow fields as is."""
    names = set(changed_fields(before, after))
    names |= {n for n in WORKFLOW_FIELDS - {"id"} if before.get(n) != after.get(n)}
    order = list(after) + [n for n in before if n not in after]
    return tuple(_field(n, before.get(n), after.get(n)) for n in order if n in names)


def _all_fields(data: dict[str, Any], *, side: str) -> tuple[FieldChange, ...]:
    return tuple(_field(n, v, None) if side == "before" else _field(n, None, v)
                 for n, v in data.items() if n != "id" and v is not None)


def _materiality(fields: Sequence[FieldChange], moved: bool, renamed: bool) -> str:
    if any(f.material for f in fields):
        return "material"
    if moved or renamed or any(f.category == "editorial" for f in fields):
        return "editorial"
    return "workflow" if fields else "none"



def _place(record: Record) -> Place:
    section = record.get("section") if record.kind == "recommendation" else None
    group = record.get("group") if record.kind == "recommendation" else None
    return Place(record.file, record.line, record.id, record.topic,
                 section if isinstance(section, str) else None, group if isinstance(group, str) else None)


def _citations(record: Record) -> list[str]:
    return [c for c in record.list_of("citations") if isinstance(c, str)]


def _statement(record: Record) -> str | None:
    value = record.get("statement") if record.kind == "recommendation" else record.get(
        "question" if record.kind == "topic" else "title")
    return value if isinstance(value, str) else None


def _pair_change(before: Record, after: Record, titles: tuple[SectionTitles, SectionTitles]) -> RecordChange | None:
    fields = field_changes(before.data, after.data)
    base, head = _place(before), _place(after)
    renamed = before.id != after.id
    moved = (base.file, base.section, base.group) != (head.file, head.section, head.group)
    if not (fields or renamed or moved):
        return None
    change = "renamed" if renamed else "moved" if moved else "modified"
    old, new = set(_citations(before)), set(_citations(after))
    return RecordChange(after.kind, after.id, change, base, head, _materiality(fields, moved, renamed), fields,
                        tuple(sorted(new - old)), tuple(sorted(old - new)), statement=_statement(after),
                        clinical=clinical(before, after, *titles))


def _one_sided(record: Record, change: str, titles: tuple[SectionTitles, SectionTitles]) -> RecordChange:
    place = _place(record)
    added = change == "added"
    return RecordChange(record.kind, record.id, change, None if added else place, place if added else None,
                        "material", _all_fields(record.data, side="after" if added else "before"),
                        statement=_statement(record),
                        clinical=clinical(None if added else record, record if added else None, *titles))


def _rename_key(record: Record, exact: bool) -> str | None:
    if exact or record.kind == "reference":
        return presentation_hash(record.data)
    return content_hash(record.data)


def diff_records(before: Corpus, after: Corpus, *, unreadable_before: AbstractSet[str] = frozenset(),
                 unreadable_after: AbstractSet[str] = frozenset()) -> tuple[list[RecordChange], dict[str, list[str]]]:
    """Record changes between two corpora of changed files, and ids per file that could not be compared."""
    changes: list[RecordChange] = []
    titles = (section_titles(before), section_titles(after))
    removed: list[Record] = []
    added: list[Record] = []
    for kind in KIND_ORDER:
        old_ids, new_ids = before.by_id(kind), after.by_id(kind)
        for record_id, olds in old_ids.items():
            news = new_ids.get(record_id, [])
            for old, new in zip(olds, news):
                # Most records of a changed file did not change: equal data in the same file needs no field diff.
                if old.file == new.file and old.data == new.data:
                    continue
                change = _pair_change(old, new, titles)
                if change:
                    changes.append(change)
            removed.extend(olds[len(news):])
        for record_id, news in new_ids.items():
            added.extend(news[len(old_ids.get(record_id, [])):])
    removed, added = _pair_renames(removed, added, changes, titles)
    not_compared: dict[str, list[str]] = defaultdict(list)
    for record in removed:
        if record.file in unreadable_after:
            not_compared[record.file].append(record.id)
        else:
            changes.append(_one_sided(record, "removed", titles))
    for record in added:
        if record.file in unreadable_before:
            not_compared[record.file].append(record.id)
        else:
            changes.append(_one_sided(record, "added", titles))
    return changes, {k: sorted(set(v)) for k, v in not_compared.items()}


def _pair_renames(removed: list[Record], added: list[Record], changes: list[RecordChange],
                  titles: tuple[SectionTitles, SectionTitles]) -> tuple[list[Record], list[Record]]:
    """Pair removed and added records carrying the same content under a new id (their changes go to changes):
    exact presentation first, then the clinical content alone. Gives back the records left unpaired."""
    empty = content_hash({})
    for exact in (True, False):
        pool: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in removed:
            key = _rename_key(record, exact)
            if key and (exact or key != empty):
                pool[(record.kind, key)].append(record)
        still_added: list[Record] = []
        matched: set[int] = set()
        for record in added:
            candidates = pool.get((record.kind, _rename_key(record, exact) or ""))
            if candidates:
                old = candidates.pop(0)
                matched.add(id(old))
                change = _pair_change(old, record, titles)
                if change:
                    changes.append(change)
            else:
                still_added.append(record)
        added = still_added
        removed = [r for r in removed if id(r) not in matched]
    return removed, added
