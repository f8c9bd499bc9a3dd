"""The record fields FHIR R5 and the EBM guide have no element for, carried in one project extension so that an
export imports back to the same record: provenance, comparators, a recommendation's section and group, the source
recommendation it restates, its change note, a topic's summary statement, and interventions a plan does not list.
Everything else uses FHIR's own elements."""

from __future__ import annotations

from typing import Any

from guideline.fhir import codes as c

RECORD = c.BASE + "/StructureDefinition/record"
# FHIR's own artifact extension (hl7.fhir.uv.extensions): Composition has no lastReviewDate element.
LAST_REVIEW_DATE = "http://hl7.org/fhir/StructureDefinition/artifact-lastReviewDate"
# Record fields that are mappings: field -> (its keys -> the value[x] each is written as); list keys repeat.
MAPPINGS = {
    "provenance": {"file": "valueString", "line": "valueInteger", "method": "valueCode", "extracted": "valueString"},
    "restates": {"source": "valueString", "recommendation": "valueString", "adaptation": "valueString"},
}
LIST_KEYS = ("extracted",)
STRINGS = ("section", "group", "summary", "change_note")


def _mapping(name: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        return []
    parts: list[dict[str, Any]] = []
    for key, kind in MAPPINGS[name].items():
        items = value.get(key)
        for item in (items if isinstance(items, list) else [items] if items is not None else []):
            parts.append({"url": key, kind: item})
    return [{"url": name, "extension": parts}]


def record_extension(data: dict[str, Any], concepts: dict[str, list[dict[str, Any]]] | None = None
                     ) -> list[dict[str, Any]]:
    """The extensions of one record: its lastReviewDate, and the project extension with its STRINGS and MAPPINGS
    fields and the coded lists given (field -> CodeableConcepts). Empty when there is nothing."""
    found: list[dict[str, Any]] = []
    if isinstance(data.get("last_reviewed"), str):
        found.append({"url": LAST_REVIEW_DATE, "valueDate": data["last_reviewed"]})
    parts: list[dict[str, Any]] = [{"url": name, "valueString": data[name]} for name in STRINGS
                                   if isinstance(data.get(name), str)]
    for name, values in (concepts or {}).items():
        parts.extend({"url": name, "valueCodeableConcept": value} for value in values)
    for name in MAPPINGS:
        parts.extend(_mapping(name, data.get(name)))
    if parts:
        found.append({"url": RECORD, "extension": parts})
    return found


def read_record_extension(extensions: Any) -> dict[str, list[Any]]:
    """Project extension part name -> its values (a MAPPINGS part as the mapping)."""
    found: dict[str, list[Any]] = {}
    for extension in extensions if isinstance(extensions, list) else ():
        if not isinstance(extension, dict) or extension.get("url") != RECORD:
            continue
        for part in extension.get("extension") or ():
            name = str(part.get("url"))
            if name in MAPPINGS:
                found.setdefault(name, []).append(_read_mapping(MAPPINGS[name], part.get("extension") or ()))
            else:
                found.setdefault(name, []).extend(v for k, v in part.items() if k.startswith("value"))
    return found


def _read_mapping(fields: dict[str, str], parts: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in parts:
        name = str(part.get("url"))
        kind = fields.get(name)
        if kind is None or kind not in part:
            continue
        if name in LIST_KEYS:
            found.setdefault(name, []).append(part[kind])
        else:
            found[name] = part[kind]
    return found
