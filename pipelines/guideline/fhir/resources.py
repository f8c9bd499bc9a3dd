"""One record (or part of one) as an EBM-profiled resource: Citation, eligibility Group, ActivityDefinition,
PlanDefinition, the justification and certainty ArtifactAssessments, and review comments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guideline.corpus.model import Record
from guideline.corpus.vocabulary import Vocabulary
from guideline.fhir import codes as c
from guideline.fhir.dosage import dosage
from guideline.fhir.extensions import record_extension

# Reference type -> MeSH publication type in the citation-artifact-classifier system.
PUBLICATION_TYPES = {"guideline": ("D017065", "Practice Guideline"),
                     "systematic-review": ("D000078182", "Systematic Review"),
                     "rct": ("D016449", "Randomized Controlled Trial"),
                     "cohort": ("D064888", "Observational Study"),
                     "narrative-review": ("D016454", "Review")}
IDENTIFIER_SYSTEMS = {"pmid": "https://pubmed.ncbi.nlm.nih.gov", "doi": "https://doi.org",
                      "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/", "nct": "https://clinicaltrials.gov"}
ISBN_TYPE = c.concept(c.coding(c.EBM_CODES, "object-identifier", "Object Identifier"), text="ISBN")
_DRUG_KINDS = ("drug", "drug-class")


@dataclass(frozen=True)
class Scope:
    """What every resource of one export shares."""

    vocabulary: Vocabulary
    publisher: str
    # Ids of the references that exist: a citation of any other id keeps only its id (no dangling reference).
    references: frozenset[str]

    def cite(self, reference_id: str) -> dict[str, Any]:
        if reference_id in self.references:
            return c.reference("Citation", c.fhir_id("citation", reference_id))
        return {"identifier": {"system": c.RECORD_IDS, "value": reference_id}, "display": reference_id}


def ids(record_id: str) -> dict[str, str]:
    """The ids of the resources one recommendation becomes."""
    return {name: c.fhir_id(name, record_id) for name in ("rec", "justification", "certainty", "plan", "population")}


def identifier(record_id: str) -> list[dict[str, Any]]:
    return [{"system": c.RECORD_IDS, "value": record_id}]


def concept_of(scope: Scope, concept_id: str) -> dict[str, Any]:
    """A vocabulary concept: its MeSH, RxNorm, ATC... codes, then the project's own concept id."""
    found = scope.vocabulary.concepts.get(concept_id)
    codings = [c.coding(c.VOCABULARY_SYSTEMS[key], code, found.label if found else None)
               for key, code in sorted((found.codes if found else {}).items()) if key in c.VOCABULARY_SYSTEMS]
    codings.append(c.coding(c.CONCEPTS, concept_id, found.label if found else None))
    return c.concept(*codings, text=found.label if found else concept_id)


def publication_status(state: Any) -> str:
    return c.PUBLICATION_STATUS.get(state, "draft") if isinstance(state, str) else "unknown"


def citation(reference: Record) -> dict[str, Any]:
    data = reference.data
    found_ids = data.get("identifiers") or {}
    profile, artifact_type = _citation_kind(found_ids)
    artifact: dict[str, Any] = {"title": [{"text": data.get("title", reference.id)}],
                                "classification": [_classification("knowledge-artifact-type",
                                                                   "Knowledge Artifact Type", artifact_type)]}
    publication = PUBLICATION_TYPES.get(data.get("type", ""))
    if data.get("type"):
        artifact["classification"].append(_classification("publication-type", "Publication type", c.concept(
            *([c.coding(c.ARTIFACT_CLASSIFIER, *publication)] if publication else []), text=data["type"])))
    if data.get("listed_as"):
        artifact["classification"].append({"type": c.ebm_code("defined-in-text", "Defined in text"),
                                           "classifier": [c.concept(text=data["listed_as"])]})
    identifiers = [{"system": IDENTIFIER_SYSTEMS[name], "value": found_ids[name]}
                   for name in ("pmid", "doi", "pmcid", "nct") if found_ids.get(name)]
    if found_ids.get("isbn"):
        identifiers.append({"type": ISBN_TYPE, "value": found_ids["isbn"]})
    if identifiers:
        artifact["identifier"] = identifiers
    if found_ids.get("url"):
        artifact["webLocation"] = [{"url": found_ids["url"], "classifier": [
            c.concept(c.coding(c.URL_CLASSIFIER, "webpage", "Webpage"))]}]
    form: dict[str, Any] = {}
    if data.get("source"):
        form["publishedIn"] = {"title": data["source"]}
    if data.get("year") is not None:
        form["articleDate"] = str(data["year"])
    if form:
        artifact["publicationForm"] = [form]
    if data.get("authors"):
        artifact["contributorship"] = {"entry": [{"contributor": {"display": name}} for name in data["authors"]]}
    resource_id = c.fhir_id("citation", reference.id)
    resource: dict[str, Any] = {
        "resourceType": "Citation", "id": resource_id, "url": c.canonical_url("Citation", resource_id),
        "identifier": identifier(reference.id), "status": "active", "title": data.get("title", reference.id),
        "citedArtifact": artifact}
    if profile:
        resource["meta"] = {"profile": [c.PROFILES[profile]]}
    if data.get("notes"):
        resource["note"] = [{"text": data["notes"]}]
    extensions = record_extension(data)
    if extensions:
        resource["extension"] = extensions
    return resource


def _citation_kind(found_ids: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The EBM Citation profile a reference fits, and its knowledge artifact type."""
    if found_ids.get("isbn"):
        return "book", c.concept(c.coding(c.ARTIFACT_CLASSIFIER, "D001877", "Book"))
    if any(found_ids.get(k) for k in ("pmid", "pmcid", "doi")):
        return "journal-article", c.concept(c.coding(c.ARTIFACT_CLASSIFIER, "D016428", "Journal Article"))
    if found_ids.get("url"):
        return "web-page", c.concept(c.coding(c.ARTIFACT_CLASSIFIER, "webpage", "Webpage"))
    return None, c.concept(text="Document")


def _classification(code: str, display: str, classifier: dict[str, Any]) -> dict[str, Any]:
    return {"type": c.concept(c.coding(c.CLASSIFICATION_TYPE, code, display)), "classifier": [classifier]}


def population(scope: Scope, record: Record) -> dict[str, Any]:
    data = record.get("population") or {}
    characteristics = [{
        "code": c.concept(c.coding(c.SNOMED, "64572001", "Disease (disorder)")),
        "valueCodeableConcept": concept_of(scope, condition), "exclude": False,
    } for condition in data.get("condition") or ()]
    characteristics.extend({
        "code": c.concept(c.coding(c.GUIDELINE_CODES, "qualifier", "Qualifier")),
        "valueCodeableConcept": c.concept(text=qualifier), "exclude": False,
        "extension": [{"url": c.CHARACTERISTIC_DESCRIPTION, "valueMarkdown": qualifier}],
    } for qualifier in data.get("qualifiers") or ())
    resource_id = ids(record.id)["population"]
    group: dict[str, Any] = {
        "resourceType": "Group", "id": resource_id, "meta": {"profile": [c.PROFILES["eligibility"]]},
        "identifier": identifier(record.id), "type": "person", "membership": "definitional",
        "name": f"Population of {record.id}"}
    if data.get("description"):
        group["description"] = data["description"]
    if len(characteristics) > 1:
        group["combinationMethod"] = "all-of"
    if characteristics:
        group["characteristic"] = characteristics
    return group


def agents(record: Record) -> list[str]:
    """The concepts the plan acts on: the interventions, then any dosed agent they do not name."""
    found = [i for i in record.list_of("intervention") if isinstance(i, str)]
    found.extend(d["agent"] for d in record.list_of("dosing")
                 if isinstance(d, dict) and isinstance(d.get("agent"), str) and d["agent"] not in found)
    return list(dict.fromkeys(found))


def activities(scope: Scope, record: Record) -> list[dict[str, Any]]:
    status = publication_status(record.get("review_state"))
    found = []
    for agent in agents(record):
        known = scope.vocabulary.concepts.get(agent)
        # Each Dosage's sequence is the entry's place in the record's dosing list, so the order survives.
        doses = [(n, d) for n, d in enumerate(record.list_of("dosing"), 1)
                 if isinstance(d, dict) and d.get("agent") == agent]
        resource_id = c.fhir_id("activity", record.id, agent)
        activity: dict[str, Any] = {
            "resourceType": "ActivityDefinition", "id": resource_id, "meta": {"profile": [c.PROFILES["action"]]},
            "url": c.canonical_url("ActivityDefinition", resource_id), "identifier": identifier(record.id),
            "status": status, "title": known.label if known else agent, "publisher": scope.publisher,
            "kind": "MedicationRequest" if doses or (known and known.kind in _DRUG_KINDS) else "ServiceRequest",
            "code": concept_of(scope, agent), "intent": "proposal",
            "doNotPerform": record.get("direction") == "against"}
        if doses:
            activity["dosage"] = [dosage(dose, index) for index, dose in doses]
        found.append(activity)
    return found


def plan(scope: Scope, record: Record, actions: list[dict[str, Any]], version: str) -> dict[str, Any]:
    resource_id = ids(record.id)["plan"]
    return {
        "resourceType": "PlanDefinition", "id": resource_id, "meta": {"profile": [c.PROFILES["plan"]]},
        "url": c.canonical_url("PlanDefinition", resource_id), "identifier": identifier(record.id),
        "version": version, "title": f"Plan for recommendation {record.id}",
        "type": c.concept(c.coding(c.PLAN_TYPE, "eca-rule", "ECA Rule")),
        "status": publication_status(record.get("review_state")), "publisher": scope.publisher,
        "description": record.get("statement", ""),
        "subjectReference": c.reference("Group", ids(record.id)["population"]),
        "action": [{"title": action["title"], "textEquivalent": record.get("statement", ""),
                    "code": action["code"], "definitionCanonical": action["url"]} for action in actions]
        or [{"textEquivalent": record.get("statement", "")}],
    }
