"""Reading the resources around a Recommendation back into record fields: the justification and certainty
ArtifactAssessments, the eligibility Group, the PlanDefinition with its ActivityDefinitions and their Dosage,
and Citations. Each reader marks the elements it used (reader.Tracked); the rest is reported."""

from __future__ import annotations

from typing import Any

from guideline.corpus.vocabulary import Vocabulary
from guideline.fhir import codes as c
from guideline.fhir.dosage import ALTERNATIVE, duration_text
from guideline.fhir.reader import Tracked, codes
from guideline.fhir.resources import IDENTIFIER_SYSTEMS

_DIRECTIONS = {code: name for name, (code, _) in c.DIRECTIONS.items()}
_STRENGTHS = {code: name for name, (code, _) in c.STRENGTHS.items()}
_ALTERNATIVE = {text: flag for flag, text in ALTERNATIVE.items()}
_IDENTIFIERS = {system: name for name, system in IDENTIFIER_SYSTEMS.items()}


def own(resource: Tracked, *derived: str) -> bool:
    """Whether the resource is one this project exported (it names a record id); if so the elements the export
    derives from the project rather than the record (`derived`: publisher, titles...) are marked used."""
    found = False
    for index, item in resource.items("identifier"):
        if isinstance(item, dict) and item.get("system") == c.RECORD_IDS:
            resource.get("identifier", index)
            found = True
    if found:
        for name in derived:
            resource.get(name)
    return found


def concept_id(vocabulary: Vocabulary, value: Any) -> str | None:
    """The vocabulary concept a CodeableConcept names: the project's concept code, else any vocabulary code."""
    own = codes(value, c.CONCEPTS)
    if own:
        return own[0]
    for key, system in c.VOCABULARY_SYSTEMS.items():
        for code in codes(value, system):
            found = next((i for i, x in vocabulary.concepts.items() if x.codes.get(key) == code), None)
            if found:
                return found
    return None


def _component(resource: Tracked, path: tuple[str | int, ...], strength: dict[str, Any],
               record: dict[str, Any]) -> None:
    part = resource.peek(*path)
    kind = codes(part.get("type"), c.EBM_CODES)
    classifier = part.get("classifier") or [{}]
    first = classifier[0] if isinstance(classifier[0], dict) else {}
    if "rating-system" in kind:
        schemes = codes(first, c.GUIDELINE_CODES + "/grading-scheme")
        strength["scheme"] = schemes[0] if schemes else first.get("text")
        versions = [x.get("version") for x in first.get("coding") or () if x.get("version")]
        if versions:
            strength["version"] = versions[0]
    elif "strength-of-recommendation" in kind:
        for item in classifier:
            grades = [x["code"] for x in item.get("coding") or () if str(x.get("system")).startswith(
                c.BASE + "/CodeSystem/grade-")]
            if grades:
                strength["grade"] = grades[0]
            found = codes(item, c.STRENGTH_CLASS) or [_STRENGTHS[x] for x in codes(item, c.RJCS) if x in _STRENGTHS]
            if found:
                strength["class"] = found[0]
    elif "direction-of-recommendation" in kind:
        found = codes(first, c.DIRECTION) or [_DIRECTIONS[x] for x in codes(first, c.RJCS) if x in _DIRECTIONS]
        if not found:
            return
        record["direction"] = found[0]
    elif "ratings" in kind:
        paradigm = codes(first, c.PARADIGM)
        if paradigm:
            strength["paradigm"] = paradigm[0]
        elif first.get("text"):
            strength.setdefault("grade", first["text"])
    elif "discussion" in kind and part.get("summary"):
        strength["rationale"] = part["summary"]
    else:
        return
    resource.get(*path)


def justification(resource: Tracked, record: dict[str, Any]) -> None:
    """Direction and strength (scheme, version, grade, class, paradigm, rationale) from a justification."""
    strength: dict[str, Any] = {}
    for index, content in resource.items("content"):
        if "recommendation-specification" in codes(content.get("type"), c.EBM_CODES):
            for number, _ in resource.items("content", index, "component"):
                _component(resource, ("content", index, "component", number), strength, record)
            resource.get("content", index, "type")
            resource.get("content", index, "informationType")
            if content.get("summary") == record.get("statement"):
                resource.get("content", index, "summary")
        elif "evidence" in codes(content.get("type"), c.EBM_CODES) and set(content) <= {
                "informationType", "type", "relatedArtifact"}:
            resource.get("content", index)  # the citations, read from the references section
    if strength:
        order = ("scheme", "version", "grade", "class", "paradigm", "rationale")
        record["strength"] = {k: strength[k] for k in order if strength.get(k) is not None}


def certainty(resource: Tracked) -> str | None:
    for index, content in resource.items("content"):
        for number, item in enumerate(content.get("classifier") or ()):
            level = codes(item, c.CERTAINTY_LEVEL) or [x for x in codes(item, c.CERTAINTY_RATING)
                                                       if x in c.CERTAINTIES]
            if level:
                resource.get("content", index, "classifier", number)
                resource.get("content", index, "type")
                resource.get("content", index, "informationType")
                return level[0]
    return None


def population(resource: Tracked, vocabulary: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if isinstance(resource.get("description"), str):
        found["description"] = resource.data["description"]
    conditions, qualifiers = [], []
    for index, item in resource.items("characteristic"):
        value = item.get("valueCodeableConcept")
        concept = concept_id(vocabulary, value)
        if concept is not None and item.get("exclude") is False and codes(item.get("code"), c.SNOMED) == ["64572001"]:
            conditions.append(concept)
            resource.get("characteristic", index)
            continue
        described = _description(item)
        if described is None or item.get("exclude") is True:
            continue  # an exclusion is no qualifier: reported, not turned around
        qualifiers.append(described[0])
        if codes(item.get("code"), c.GUIDELINE_CODES) == ["qualifier"]:
            resource.get("characteristic", index)
        else:  # only the words come in; a coded criterion (age >= 18) is reported
            resource.get("characteristic", index, *described[1])
            if item.get("exclude") is False:
                resource.get("characteristic", index, "exclude")
    if conditions:
        found["condition"] = conditions
    if qualifiers:
        found["qualifiers"] = qualifiers
    for name in ("type", "membership", "combinationMethod"):
        resource.get(name)
    own(resource, "name")
    return found


def _description(item: dict[str, Any]) -> tuple[str, tuple[str | int, ...]] | None:
    """A characteristic's words and where they are: the EBM description extension, description, or the text of
    its value."""
    for index, extension in enumerate(item.get("extension") or ()):
        if extension.get("url") == c.CHARACTERISTIC_DESCRIPTION:
            return str(extension.get("valueMarkdown")), ("extension", index)
    if item.get("description"):
        return str(item["description"]), ("description",)
    text = (item.get("valueCodeableConcept") or {}).get("text")
    return (str(text), ("valueCodeableConcept", "text")) if text else None


def activity(resource: Tracked, vocabulary: Vocabulary) -> tuple[str | None, list[tuple[int, dict[str, Any]]]]:
    """The concept an ActivityDefinition acts on, and its dosing entries with their sequence numbers."""
    agent = concept_id(vocabulary, resource.peek("code"))
    if agent is None:
        return None, []
    for name in ("code", "kind", "intent", "doNotPerform"):
        resource.get(name)
    own(resource, "status", "title", "publisher")
    doses = []
    for index, item in resource.items("dosage"):
        dose = _dose(resource, index, item, agent)
        if dose is not None:
            doses.append((int(item.get("sequence") or index + 1), dose))
    return agent, doses


def _dose(resource: Tracked, index: int, item: dict[str, Any], agent: str) -> dict[str, Any] | None:
    amount = (item.get("doseAndRate") or [{}])[0]
    low, high = (amount["doseRange"].get("low"), amount["doseRange"].get("high")) if "doseRange" in amount else (
        amount.get("doseQuantity"), None)
    if not isinstance(low, dict) or "value" not in low:
        return None
    dose: dict[str, Any] = {"agent": agent, "dose": low["value"]}
    if isinstance(high, dict) and "value" in high:
        dose["dose_max"] = high["value"]
    dose["unit"] = low.get("unit") or low.get("code")
    if (item.get("route") or {}).get("text"):
        dose["route"] = item["route"]["text"]
    timing = item.get("timing") or {}
    if (timing.get("code") or {}).get("text"):
        dose["frequency"] = timing["code"]["text"]
    notes = {codes(x, c.GUIDELINE_CODES)[0]: x.get("text") for x in item.get("additionalInstruction") or ()
             if codes(x, c.GUIDELINE_CODES)}
    limits = {k: v for k, v in (timing.get("repeat") or {}).items() if k in ("boundsDuration", "boundsRange")}
    if notes.get("duration") or limits:
        dose["duration"] = notes.get("duration") or duration_text(limits)
    for name in ("qualifier", "criterion"):
        if notes.get(name):
            dose[name] = notes[name]
    if notes.get("alternative") in _ALTERNATIVE:
        dose["alternative"] = _ALTERNATIVE[str(notes["alternative"])]
    resource.get("dosage", index)
    return dose


def citation(resource: Tracked) -> dict[str, Any]:
    """A reference from a Citation; only the elements read are marked (a foreign Citation says more)."""
    art = ("citedArtifact",)
    found: dict[str, Any] = {"type": "other"}
    for index, item in resource.items(*art, "classification"):
        kind = codes(item.get("type"), c.CLASSIFICATION_TYPE) or codes(item.get("type"), c.EBM_CODES)
        text = ((item.get("classifier") or [{}])[0]).get("text")
        if kind == ["knowledge-artifact-type"] and own(resource):
            resource.get(*art, "classification", index)
        elif kind in (["publication-type"], ["defined-in-text"]) and text:
            found["type" if kind == ["publication-type"] else "listed_as"] = text
            resource.get(*art, "classification", index)
    found["title"] = resource.get(*art, "title", 0, "text") or resource.get("title")
    if resource.peek(*art, "title") and len(resource.peek(*art, "title")) == 1:
        resource.get(*art, "title")
    if isinstance(resource.peek(*art, "publicationForm", 0, "publishedIn", "title"), str):
        found["source"] = resource.get(*art, "publicationForm", 0, "publishedIn", "title")
    if str(resource.peek(*art, "publicationForm", 0, "articleDate"))[:4].isdigit():
        found["year"] = int(str(resource.get(*art, "publicationForm", 0, "articleDate"))[:4])
    authors = [resource.get(*art, "contributorship", "entry", n, "contributor", "display")
               for n, e in resource.items(*art, "contributorship", "entry")
               if isinstance((e.get("contributor") or {}).get("display"), str)]
    if authors:
        found["authors"] = authors
    identifiers: dict[str, Any] = {}
    for index, item in resource.items(*art, "identifier"):
        name = "isbn" if (item.get("type") or {}).get("text") == "ISBN" else _IDENTIFIERS.get(item.get("system"))
        if name and item.get("value"):
            identifiers[name] = resource.get(*art, "identifier", index)["value"]
    if resource.peek(*art, "webLocation", 0, "url"):
        identifiers["url"] = resource.get(*art, "webLocation", 0)["url"]
    if identifiers:
        found["identifiers"] = {k: identifiers[k] for k in ("pmid", "doi", "pmcid", "isbn", "nct", "url")
                                if k in identifiers}
    if resource.peek("title") == found["title"]:
        resource.get("title")
    own(resource, "status")
    return found
