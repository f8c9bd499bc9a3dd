"""The record fields FHIR R5 and the EBM guide have no element for, carried in one project extension so that an
export imports back to the same record: provenance, comparators, a recommendation's section and group, a topic's
summary statement, and interventions a plan does not list. Everything else uses FHIR's own elements."""

from __future__ import annotations

from typing import Any

from guideline.fhir import codes as c

RECORD = c.BASE + "/StructureDefinition/record"
# FHIR's own artifact extension (hl7.fhir.uv.extensions): Composition has no lastReviewDate element.
LAST_REVIEW_DATE = "http://hl7.org/fhir/StructureDefinition/artifact-lastReviewDate"
PROVENANCE_FIELDS = {"file": "valueString", "line": "valueInteger", "method": "valueCode", "extracted": "valueString"}


def provenance(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        return []
    parts: list[dict[str, Any]] = []
    for name, kind in PROVENANCE_FIELDS.items():
        items = value.get(name)
        for item in (items if isinstance(items, list) else [items] if items is not None else []):
            parts.append({"url": name, kind: item})
    return [{"url": "provenance", "extension": parts}]


def record_extension(data: dict[str, Any], *, strings: tuple[str, ...] = (),
                     concepts: dict[str, list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """The extensions of one record: its lastReviewDate, and the project extension with the named string
    fields, the coded lists given (field -> CodeableConcepts) and the provenance. Empty when there is nothing."""
    found: list[dict[str, Any]] = []
    if isinstance(data.get("last_reviewed"), str):
        found.append({"url": LAST_REVIEW_DATE, "valueDate": data["last_reviewed"]})
    parts: list[dict[str, Any]] = [{"url": name, "valueString": data[name]} for name in strings
                                   if isinstance(data.get(name), str)]
    for name, values in (concepts or {}).items():
        parts.extend({"url": name, "valueCodeableConcept": value} for value in values)
    parts.extend(provenance(data.get("provenance")))
    if parts:
        found.append({"url": RECORD, "extension": parts})
    return found


def read_record_extension(extensions: Any) -> dict[str, list[Any]]:
    """Project extension part name -> its values (a provenance part as the provenance mapping)."""
    found: dict[str, list[Any]] = {}
    for extension in extensions if isinstance(extensions, list) else ():
        if not isinstance(extension, dict) or extension.get("url") != RECORD:
            continue
        for part in extension.get("extension") or ():
            name = str(part.get("url"))
            if name == "provenance":
                found.setdefault(name, []).append(_provenance(part.get("extension") or ()))
            else:
                found.setdefault(name, []).extend(v for k, v in part.items() if k.startswith("value"))
    return found


def _provenance(parts: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in parts:
        name = str(part.get("url"))
        kind = PROVENANCE_FIELDS.get(name)
        if kind is None or kind not in part:
            continue
        if name == "extracted":
            found.setdefault(name, []).append(part[kind])
        else:
            found[name] = part[kind]
    return found
