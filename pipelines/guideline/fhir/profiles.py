"""What the EBM profiles (and FHIR R5 under them) require of the resources exported, written down from the
guide's FSH: required elements, fixed codes and systems, slice cardinalities, forbidden elements, and references
that resolve inside the Bundle; plus R5's required bindings, checked against the core package's value sets
(terminology.py). Not a FHIR validator: no StructureDefinition snapshot, no terminology server; see
docs/fhir.md."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from guideline.fhir import codes as c
from guideline.fhir.terminology import check_bindings

Check = Callable[[dict[str, Any]], Iterator[tuple[str, str]]]

_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# Elements R5 makes 1..1 (or 1..*) on the resources exported.
REQUIRED = {"Composition": ("status", "type", "date", "author", "title"), "Citation": ("status",),
            "PlanDefinition": ("status",), "ActivityDefinition": ("status",), "Group": ("type", "membership"),
            "ArtifactAssessment": ("content",), "Bundle": ("type",)}

# RecommendationJustification: content slices (closed, by type) and their component slices (closed).
JUSTIFICATION: dict[str, dict[str, str | None]] = {
    "recommendation-specification": {"rating-system": "classifier", "strength-of-recommendation": "rating",
                                     "direction-of-recommendation": "classifier", "ratings": "rating",
                                     "discussion": "comment"},
    "evidence": {"summary-of-findings": None, "desirable-effects": None, "undesirable-effects": None,
                 "discussion": None},
    "net-effect": {"preferences": None, "discussion": None},
    "judgments": {k: None for k in ("justification", "problem-importance", "costs", "cost-effectiveness",
                                    "equity", "acceptability", "feasibility")},
    "competing-interests": {},
}
RECOMMENDATION_SECTIONS = ("recommendation-specification", "evidence", "justification", "considerations")
SPECIFICATION_SECTIONS = ("recommendation-statement", "ratings", "population", "action", "opposite-action")
PACKAGE_SECTIONS = ("introduction", "discussion", "methods", "references", "competing-interests",
                    "acknowledgements", "appendices")


@dataclass(frozen=True)
class Problem:
    resource: str
    path: str
    message: str
    # The record the resource was exported from, when it names one.
    record: str | None = None

    def __str__(self) -> str:
        return f"{self.resource}: {self.path}: {self.message}" + (f" [{self.record}]" if self.record else "")


def codes_of(value: Any, system: str) -> list[str]:
    """The codes of a CodeableConcept in one system."""
    if not isinstance(value, dict):
        return []
    return [str(x.get("code")) for x in value.get("coding") or () if isinstance(x, dict) and x.get("system") == system]


def _ebm_code(value: Any) -> str | None:
    found = codes_of(value.get("code") if isinstance(value, dict) else None, c.EBM_CODES)
    return found[0] if found else None


def _sections(owner: dict[str, Any], path: str, allowed: tuple[str, ...],
              required: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Open slicing by code.coding: each named slice at most once (the required ones exactly once), each slice
    with one coding."""
    seen: dict[str, int] = {}
    for index, item in enumerate(owner.get("section") or ()):
        code = _ebm_code(item)
        if code in allowed:
            seen[code] = seen.get(code, 0) + 1
            if len(item["code"].get("coding") or ()) != 1:
                yield f"{path}.section[{index}].code.coding", f"slice {code} allows exactly one coding"
        if not (item.get("text") or item.get("entry") or item.get("section") or item.get("emptyReason")):
            yield f"{path}.section[{index}]", "a section needs text, entries, sections or an emptyReason (cmp-1)"
    for code, count in seen.items():
        if count > 1:
            yield f"{path}.section", f"slice {code} appears {count} times (max 1)"
    for code in required:
        if code not in seen:
            yield f"{path}.section", f"required slice {code} is missing"


def _type_is(resource: dict[str, Any], code: str) -> Iterator[tuple[str, str]]:
    coding = (resource.get("type") or {}).get("coding") or []
    if len(coding) != 1 or coding[0].get("system") != c.EBM_CODES or coding[0].get("code") != code:
        yield "Composition.type.coding", f"must be exactly {c.EBM_CODES}#{code}"


def _entries_only(section: dict[str, Any], path: str, kind: str) -> Iterator[tuple[str, str]]:
    for index, entry in enumerate(section.get("entry") or ()):
        target = entry.get("type") or str(entry.get("reference", "")).split("/")[0]
        if entry.get("reference") and target != kind:
            yield f"{path}.entry[{index}]", f"must reference a {kind}"


def check_recommendation(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _type_is(resource, "Recommendation")
    yield from _sections(resource, "Composition", RECOMMENDATION_SECTIONS + PACKAGE_SECTIONS,
                         ("recommendation-specification",))
    for index, item in enumerate(resource.get("section") or ()):
        path = f"Composition.section[{index}]"
        code = _ebm_code(item)
        if code == "recommendation-specification":
            yield from _sections(item, path, SPECIFICATION_SECTIONS)
        elif code == "justification":
            yield from _entries_only(item, path, "ArtifactAssessment")
        elif code == "references":
            yield from _entries_only(item, path, "Citation")


def check_guideline(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _type_is(resource, "Guideline")
    yield from _sections(resource, "Composition", ("recommendations", *PACKAGE_SECTIONS))
    for index, item in enumerate(resource.get("section") or ()):
        if _ebm_code(item) == "recommendations":
            yield from _nested_entries(item, f"Composition.section[{index}]", "Composition")


def _nested_entries(section: dict[str, Any], path: str, kind: str) -> Iterator[tuple[str, str]]:
    yield from _entries_only(section, path, kind)
    for index, item in enumerate(section.get("section") or ()):
        yield from _nested_entries(item, f"{path}.section[{index}]", kind)


def _slice(value: Any, slices: dict[str, Any]) -> str | None:
    """The slice a type CodeableConcept selects (its EBM code among the slice codes)."""
    found = [code for code in codes_of(value, c.EBM_CODES) if code in slices]
    return found[0] if found else None


def check_justification(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    content = resource.get("content") or []
    if not 1 <= len(content) <= 5:
        yield "ArtifactAssessment.content", f"has {len(content)} items (1..5)"
    kinds = []
    for index, item in enumerate(content):
        path = f"ArtifactAssessment.content[{index}]"
        kind = _slice(item.get("type"), JUSTIFICATION)
        if kind is None:
            yield f"{path}.type", "matches no content slice (closed slicing)"
            continue
        kinds.append(kind)
        if item.get("informationType", "container") != "container":
            yield f"{path}.informationType", "must be container"
        components = JUSTIFICATION[kind]
        for number, part in enumerate(item.get("component") or ()):
            name = _slice(part.get("type"), components)
            fixed = components.get(name) if name else None
            if name is None:
                yield f"{path}.component[{number}].type", f"matches no component slice of {kind} (closed slicing)"
            elif fixed and part.get("informationType", fixed) != fixed:
                yield f"{path}.component[{number}].informationType", f"must be {fixed}"
    if kinds.count("recommendation-specification") != 1:
        yield "ArtifactAssessment.content", "needs exactly one recommendation-specification container"
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            yield "ArtifactAssessment.content", f"slice {kind} appears more than once"


def check_certainty(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for index, item in enumerate(resource.get("content") or ()):
        if item.get("type") and not codes_of(item["type"], c.CERTAINTY_TYPE) and not item["type"].get("text"):
            yield f"ArtifactAssessment.content[{index}].type", "expected a certainty-type code (extensible)"


def check_plan(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name in ("url", "version", "title", "description", "type"):
        if not resource.get(name):
            yield f"PlanDefinition.{name}", "required by RecommendationPlan (1..1)"
    if codes_of(resource.get("type"), c.PLAN_TYPE) != ["eca-rule"]:
        yield "PlanDefinition.type", f"must be {c.PLAN_TYPE}#eca-rule"
    if "topic" in resource:
        yield "PlanDefinition.topic", "not allowed (0..0)"
    if not resource.get("action"):
        yield "PlanDefinition.action", "required (1..*)"
    for index, action in enumerate(resource.get("action") or ()):
        if any(k.startswith("definition") and k != "definitionCanonical" for k in action):
            yield f"PlanDefinition.action[{index}]", "definition[x] only canonical"


def check_action(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "topic" in resource:
        yield "ActivityDefinition.topic", "not allowed (0..0)"


def check_eligibility(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if resource.get("membership") != "definitional":
        yield "Group.membership", "must be definitional (CohortDefinition)"
    for name in ("quantity", "member"):
        if name in resource:
            yield f"Group.{name}", "not allowed (0..0)"
    for index, item in enumerate(resource.get("characteristic") or ()):
        if "code" not in item or "exclude" not in item or not any(k.startswith("value") for k in item):
            yield f"Group.characteristic[{index}]", "needs code, value[x] and exclude"


def _cited(classifier_code: str, display: str, web: bool = False) -> Check:
    def check(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
        artifact = resource.get("citedArtifact") or {}
        slices = [item for item in artifact.get("classification") or ()
                  if codes_of(item.get("type"), c.CLASSIFICATION_TYPE) == ["knowledge-artifact-type"]]
        if len(slices) != 1:
            yield "Citation.citedArtifact.classification", "needs one knowledge-artifact-type classification"
        elif not any(codes_of(k, c.ARTIFACT_CLASSIFIER) == [classifier_code] for k in slices[0].get("classifier", ())):
            yield "Citation.citedArtifact.classification.classifier", f"needs {classifier_code} {display}"
        if web and not artifact.get("webLocation"):
            yield "Citation.citedArtifact.webLocation", "required (1..*)"
        if "effectivePeriod" in resource and classifier_code == "D016428":
            yield "Citation.effectivePeriod", "not allowed (0..0)"
    return check


PROFILE_CHECKS: dict[str, Check] = {
    c.PROFILES["recommendation"]: check_recommendation, c.PROFILES["guideline"]: check_guideline,
    c.PROFILES["justification"]: check_justification, c.PROFILES["certainty"]: check_certainty,
    c.PROFILES["plan"]: check_plan, c.PROFILES["action"]: check_action,
    c.PROFILES["eligibility"]: check_eligibility,
    c.PROFILES["journal-article"]: _cited("D016428", "Journal Article"),
    c.PROFILES["book"]: _cited("D001877", "Book"), c.PROFILES["web-page"]: _cited("webpage", "Webpage", web=True),
}


def check_base(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    kind = str(resource.get("resourceType"))
    if "id" in resource and not _ID_RE.match(str(resource["id"])):
        yield f"{kind}.id", f"{resource['id']!r} is not a FHIR id"
    for name in REQUIRED.get(kind, ()):
        if resource.get(name) in (None, "", [], {}):
            yield f"{kind}.{name}", "required (min 1)"
    yield from check_bindings(resource)
    if kind == "ArtifactAssessment" and not any(k.startswith("artifact") for k in resource):
        yield "ArtifactAssessment.artifact[x]", "required (1..1)"


def check_resource(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(FHIR path, message) for every requirement the resource misses, for R5 and its declared EBM profiles."""
    found = list(check_base(resource))
    for profile in (resource.get("meta") or {}).get("profile") or ():
        check = PROFILE_CHECKS.get(profile)
        if check is not None:
            found.extend(check(resource))
    return found


_REFERENCE = re.compile(r'"reference":\s*"((?:[^"\\]|\\.)*)"')


def _targets(text: str) -> set[str]:
    """The literal references in a resource's JSON text (json's C encoder makes it fast)."""
    return {json.loads(f'"{found}"') if "\\" in found else found for found in _REFERENCE.findall(text)
            if not found.startswith("#")}


def _references(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str) and not value["reference"].startswith("#"):
            yield path, value["reference"]
        for key, item in value.items():
            yield from _references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(item, f"{path}[{index}]")


def _record_of(resource: dict[str, Any]) -> str | None:
    found = [i.get("value") for i in resource.get("identifier") or () if isinstance(i, dict)
             and i.get("system") == c.RECORD_IDS]
    return str(found[0]) if found else None


def check_bundle(bundle: dict[str, Any], encoded: Sequence[str] | None = None) -> list[Problem]:
    """Every resource of the Bundle checked, and every literal reference resolved to an entry. `encoded`: the
    entries' JSON text, when the caller has it."""
    problems = [Problem("Bundle", path, message) for path, message in check_base(bundle)]
    entries = bundle.get("entry") or ()
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries}
    for index, entry in enumerate(entries):
        resource = entry["resource"]
        name = f"{resource.get('resourceType')}/{resource.get('id')}"
        record = _record_of(resource)
        problems.extend(Problem(name, path, message, record) for path, message in check_resource(resource))
        text = encoded[index] if encoded is not None else json.dumps(resource, ensure_ascii=False)
        if not _targets(text) <= present:  # the paths only for a resource that has a dangling reference
            problems.extend(Problem(name, path, f"{target} is not in the Bundle", record)
                            for path, target in _references(resource, str(resource.get("resourceType")))
                            if target not in present)
    return problems
