"""guideline import --from fhir: a FHIR R5 Bundle (as `guideline export` writes it, or any Bundle of EBM
Recommendations) back into a topic, its recommendations and their references. What the records have no field
for is reported (FHR001) with the resource and FHIR path; nothing is dropped silently."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.vocabulary import Vocabulary
from guideline.fhir import codes as c
from guideline.fhir import parts
from guideline.fhir.extensions import LAST_REVIEW_DATE, MAPPINGS, RECORD, STRINGS, read_record_extension
from guideline.fhir.reader import Tracked, codes, narrative, not_imported
from guideline.findings import Finding, sort_findings
from guideline.importer.records import slug

# Elements that address a resource rather than say anything: used by the references that resolve to it.
_ENVELOPE = ("resourceType", "id", "url", ("meta", "profile"))
_RECORD_ORDER = ("id", "section", "group", "statement", "statement_type", "direction", "strength", "certainty",
                 "population", "intervention", "comparator", "dosing", "citations", "review_state", "superseded_by",
                 "restates", "last_reviewed", "provenance", "notes", "change_note")
_TOPIC_ORDER = ("id", "question", "title", "summary", "audience", "last_updated", "last_reviewed", "review_state",
                "superseded_by", "sections", "provenance")
_REFERENCE_ORDER = ("id", "type", "title", "source", "year", "authors", "identifiers", "listed_as", "provenance",
                    "notes")


@dataclass
class BundleImport:
    topic: dict[str, Any]
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    references: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class _Bundle:
    """The Bundle's resources, found by literal reference or canonical url."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.resources = [Tracked(e["resource"]) for e in bundle.get("entry") or ()]
        self.by_name = {r.name: r for r in self.resources}
        self.by_url = {str(r.data["url"]): r for r in self.resources if "url" in r.data}

    def target(self, reference: Any) -> Tracked | None:
        return self.by_name.get(str(reference.get("reference"))) if isinstance(reference, dict) else None

    def of_type(self, code: str) -> list[Tracked]:
        return [r for r in self.resources if r.data["resourceType"] == "Composition"
                and code in codes(r.data.get("type"), c.EBM_CODES)]


def record_id(resource: Tracked, fallback: str) -> str:
    for index, item in resource.items("identifier"):
        if isinstance(item, dict) and item.get("system") == c.RECORD_IDS and isinstance(item.get("value"), str):
            resource.get("identifier", index)
            return str(item["value"])
    return slug(fallback) or "record"


def import_bundle(bundle: dict[str, Any], text: str, file: str, vocabulary: Vocabulary,
                  topic_id: str | None = None) -> BundleImport:
    """Records from a Bundle; findings for every element they cannot hold."""
    found = _Bundle(bundle)
    guidelines = found.of_type("Guideline")
    fallback = topic_id or str((bundle.get("identifier") or {}).get("value") or bundle.get("id") or "fhir-import")
    topic, places = _topic(guidelines[0], fallback) if guidelines else ({"id": slug(fallback)}, {})
    if topic_id:
        topic["id"] = topic_id
    result = BundleImport(_ordered(topic, _TOPIC_ORDER))
    owners: dict[str, str] = {r.name: str(topic["id"]) for r in guidelines}
    for composition in found.of_type("Recommendation"):
        fallback_id = f"{topic['id']}-{composition.data.get('id')}"
        record = _recommendation(found, composition, record_id(composition, fallback_id), places, vocabulary)
        result.recommendations.append(_ordered(record, _RECORD_ORDER))
        owners.update({r.name: record["id"] for r in found.resources if r.used and r.name not in owners})
    for resource in found.resources:
        if resource.data["resourceType"] == "Citation" and (resource.used or resource.name in _cited(found)):
            reference = {"id": record_id(resource, str(resource.data.get("id"))), **parts.citation(resource)}
            reference.update(_local(resource))
            if resource.peek("note"):
                reference["notes"] = resource.get("note", 0, "text")
            result.references.append(_ordered(reference, _REFERENCE_ORDER))
    for resource in found.resources:
        if resource.used:  # a resource nothing used is reported whole
            for name in _ENVELOPE:
                resource.get(*((name,) if isinstance(name, str) else name))
        result.findings.extend(not_imported(file, text, resource, owners.get(resource.name)))
    result.findings = sort_findings(result.findings)
    return result


def _cited(found: _Bundle) -> set[str]:
    return {str(e.get("reference")) for r in found.of_type("Recommendation") + found.of_type("Guideline")
            for s in _sections(r.data) for e in s.get("entry") or () if isinstance(e, dict)}


def _sections(value: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in value.get("section") or ():
        yield item
        yield from _sections(item)


def _ordered(data: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    return {k: data[k] for k in order if k in data} | {k: v for k, v in data.items() if k not in order}


def _local(resource: Tracked) -> dict[str, Any]:
    """Fields from the project extension and lastReviewDate (marked used)."""
    found: dict[str, Any] = {}
    for index, extension in resource.items("extension"):
        if extension.get("url") == LAST_REVIEW_DATE:
            found["last_reviewed"] = resource.get("extension", index)["valueDate"]
        elif extension.get("url") == RECORD:
            resource.get("extension", index)
            values = read_record_extension([extension])
            found.update({k: v[0] for k, v in values.items() if k in (*STRINGS, *MAPPINGS)})
            found.update({k: v for k, v in values.items() if k in ("comparator", "intervention")})
    return found


def _state(resource: Tracked) -> str:
    """The native review state from the tag; a foreign resource is a draft (its status is reported)."""
    for index, tag in resource.items("meta", "tag"):
        if tag.get("system") == c.REVIEW_STATE:
            resource.get("meta", "tag", index)
            resource.get("status")
            return str(tag.get("code"))
    return "draft"


def _topic(resource: Tracked, fallback: str) -> tuple[dict[str, Any], dict[str, tuple[str, str | None]]]:
    """The topic of a Guideline Composition, and each Recommendation's (section, group) by reference."""
    topic: dict[str, Any] = {"id": record_id(resource, fallback), "title": resource.get("title")}
    if isinstance(resource.peek("date"), str):
        topic["last_updated"] = resource.get("date")[:10]
    topic["review_state"] = _state(resource)
    places: dict[str, tuple[str, str | None]] = {}
    for index, part in resource.items("section"):
        code = codes(part.get("code"), c.EBM_CODES)
        if "introduction" in code and narrative((part.get("text") or {}).get("div")):
            topic["question"] = narrative(resource.get("section", index, "text", "div"))
            resource.get("section", index)
        elif "recommendations" in code:
            resource.get("section", index)
            topic["sections"] = _places(part, places)
        elif "references" in code:
            resource.get("section", index)
    audience = [codes(u.get("valueCodeableConcept"), c.AUDIENCE) for u in resource.peek("useContext") or ()]
    if audience and all(audience):
        topic["audience"] = [a[0] for a in audience]
        resource.get("useContext")
    topic.update(_relations(resource))
    topic.update(_local(resource))
    resource.get("type")
    parts.own(resource, "author")
    return {k: v for k, v in topic.items() if v not in (None, [])}, places


def _places(part: dict[str, Any], places: dict[str, tuple[str, str | None]]) -> list[dict[str, Any]]:
    sections = []
    for item in part.get("section") or ():
        section_id = str((item.get("code") or {}).get("text") or slug(str(item.get("title"))))
        places.update({str(e.get("reference")): (section_id, None) for e in item.get("entry") or ()})
        if section_id == "summary":
            continue
        found: dict[str, Any] = {"id": section_id, "title": item.get("title")}
        groups = []
        for group in item.get("section") or ():
            group_id = str((group.get("code") or {}).get("text") or slug(str(group.get("title"))))
            places.update({str(e.get("reference")): (section_id, group_id) for e in group.get("entry") or ()})
            groups.append({"id": group_id, "lead": group.get("title")})
        if groups:
            found["groups"] = groups
        sections.append(found)
    return sections


def _relations(resource: Tracked) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for index, item in resource.items("relatesTo"):
        target = item.get("resourceReference") or {}
        if item.get("type") == "replaced-with" and (target.get("identifier") or {}).get("system") == c.RECORD_IDS:
            found["superseded_by"] = target["identifier"]["value"]
            resource.get("relatesTo", index)
    return found


def _recommendation(found: _Bundle, composition: Tracked, rec_id: str,
                    places: dict[str, tuple[str, str | None]], vocabulary: Vocabulary) -> dict[str, Any]:
    record: dict[str, Any] = {"id": rec_id}
    local = _local(composition)
    section, group = places.get(composition.name, (None, None))
    record.update({"section": local.pop("section", section), "group": local.pop("group", group)})
    category = codes(composition.peek("category", 0), c.STATEMENT_TYPE)
    record["statement_type"] = category[0] if category else "recommendation"
    if category:
        composition.get("category")
    record["review_state"] = _state(composition)
    record.update(_relations(composition))
    for index, part in composition.items("section"):
        _section(found, composition, ("section", index), part, record, vocabulary)
    if record.get("statement") is None or composition.peek("title") == record.get("statement"):
        record["statement"] = record.get("statement") or composition.get("title")
        composition.get("title")
    for index, item in composition.items("relatesTo"):
        target = found.target(item.get("resourceReference"))
        if item.get("type") in ("supported-with", "justification") and target is not None and target.used:
            composition.get("relatesTo", index)
    if composition.peek("note", 0, "text"):
        record["notes"] = composition.get("note", 0, "text")
        composition.get("note")
    if "intervention" in local:
        record["intervention"] = [x for x in (parts.concept_id(vocabulary, v) for v in local.pop("intervention"))
                                  if x is not None]
    local["comparator"] = [x for x in (parts.concept_id(vocabulary, v) for v in local.get("comparator", ()))
                           if x is not None]
    composition.get("type")
    # The export writes author and date from the project and the topic, not from the record.
    parts.own(composition, "author", "date")
    record.update(local)
    record = {k: v for k, v in record.items() if v not in (None, [])}
    record.setdefault("citations", [])
    return record


def _section(found: _Bundle, composition: Tracked, path: tuple[str | int, ...], part: dict[str, Any],
             record: dict[str, Any], vocabulary: Vocabulary) -> None:
    code = codes(part.get("code"), c.EBM_CODES)
    for name in ("title", "code", "emptyReason"):
        composition.get(*path, name)
    if "recommendation-statement" in code and part.get("text"):
        record["statement"] = narrative(composition.get(*path, "text", "div"))
        composition.get(*path, "text")
    for index, sub in enumerate(part.get("section") or ()):
        _section(found, composition, (*path, "section", index), sub, record, vocabulary)
    for index, entry in enumerate(part.get("entry") or ()):
        if _entry(found, entry, code, record, vocabulary):
            composition.get(*path, "entry", index)
    text = narrative((part.get("text") or {}).get("div"))
    derived = {"ratings": text, "population": (record.get("population") or {}).get("description"),
               "action": record.get("statement")}
    if any(derived.get(k) == text for k in code if k in derived):
        composition.get(*path, "text")


def _entry(found: _Bundle, entry: dict[str, Any], code: list[str], record: dict[str, Any],
           vocabulary: Vocabulary) -> bool:
    """Read what one section entry refers to into the record; whether it was used."""
    if "references" in code:
        target = found.target(entry)
        if target is not None:
            record.setdefault("citations", []).append(record_id(target, str(target.data.get("id"))))
            return True
        if (entry.get("identifier") or {}).get("system") == c.RECORD_IDS:
            record.setdefault("citations", []).append(entry["identifier"]["value"])
            return True
        return False
    target = found.target(entry)
    if target is None:
        return False
    if target.used:
        return True
    kind = target.data["resourceType"]
    profiles = target.data.get("meta", {}).get("profile") or ()
    if kind == "ArtifactAssessment" and c.PROFILES["certainty"] in profiles:
        level = parts.certainty(target)
        if level is not None:
            record["certainty"] = level
    elif kind == "ArtifactAssessment" and c.PROFILES["justification"] in profiles:
        parts.justification(target, record)
    elif kind == "Group":
        record["population"] = parts.population(target, vocabulary) or None
    elif kind == "PlanDefinition":
        _plan(found, target, record, vocabulary)
    else:
        return False
    target.get("artifactReference")
    parts.own(target, "title")
    return target.used != set()


def _plan(found: _Bundle, plan: Tracked, record: dict[str, Any], vocabulary: Vocabulary) -> None:
    agents: list[str] = []
    doses: list[tuple[int, dict[str, Any]]] = []
    for index, action in plan.items("action"):
        target = found.by_url.get(str(action.get("definitionCanonical")))
        agent, dosing = parts.activity(target, vocabulary) if target is not None else (None, [])
        if agent is None:
            continue
        agents.append(agent)
        doses.extend(dosing)
        plan.get("action", index)
    if agents:
        record["intervention"] = agents
    if doses:
        record["dosing"] = [dose for _, dose in sorted(doses, key=lambda d: d[0])]
    for name in ("type", "subjectReference"):
        plan.get(name)
    parts.own(plan, "status", "publisher", "version", "title")
    if plan.peek("description") == record.get("statement"):
        plan.get("description")
