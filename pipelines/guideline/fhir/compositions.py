"""The Guideline Composition of a topic and the Recommendation Composition of each record, with the section
codes of the EBM Recommendation and Guideline profiles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guideline.corpus.model import Record
from guideline.corpus.reviews import Decision
from guideline.fhir import codes as c
from guideline.fhir.extensions import record_extension
from guideline.fhir.resources import Scope, agents, concept_of, identifier, ids

USAGE_CONTEXT = "http://terminology.hl7.org/CodeSystem/usage-context-type"


def section(code: str, display: str, *, text: str | None = None, entries: Sequence[dict[str, Any]] = (),
            sections: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    found: dict[str, Any] = {"title": display, "code": c.ebm_code(code, display)}
    if text:
        found["text"] = c.narrative(text)
    if entries:
        found["entry"] = list(entries)
    if sections:
        found["section"] = list(sections)
    if not (text or entries or sections):
        found["emptyReason"] = c.concept(c.coding("http://terminology.hl7.org/CodeSystem/list-empty-reason",
                                                  "notstarted", "Not Started"))
    return found


def _tags(state: Any) -> dict[str, Any]:
    return {"tag": [c.coding(c.REVIEW_STATE, state)]} if isinstance(state, str) else {}


def _base(kind: str, resource_id: str, record: Record, scope: Scope, date: str | None) -> dict[str, Any]:
    state = record.get("review_state")
    found: dict[str, Any] = {
        "resourceType": "Composition", "id": resource_id,
        "meta": {"profile": [c.PROFILES[kind]], **_tags(state)},
        "url": c.canonical_url("Composition", resource_id), "identifier": identifier(record.id),
        "status": c.COMPOSITION_STATUS.get(state, "unknown") if isinstance(state, str) else "unknown",
        "type": c.ebm_code(kind.capitalize(), kind.capitalize()), "author": [{"display": scope.publisher}]}
    if date:
        found["date"] = date
    return found


def _extension(scope: Scope, record: Record, has_plan: bool) -> list[dict[str, Any]]:
    """Interventions go to the extension only when the plan's actions do not list exactly them (no plan, or
    dosed agents the record does not name as interventions); 'none' (valueBoolean false) when there are none."""
    interventions = [i for i in record.list_of("intervention") if isinstance(i, str)]
    concepts = {"comparator": [concept_of(scope, x) for x in record.list_of("comparator") if isinstance(x, str)]}
    if (agents(record) if has_plan else []) != interventions:
        concepts["intervention"] = [concept_of(scope, x) for x in interventions]
    found = record_extension(record.data, concepts)
    if "intervention" in concepts and not interventions:
        found[-1]["extension"].append({"url": "intervention", "valueBoolean": False})
    return found


def _ratings_text(record: Record) -> str:
    strength = record.get("strength") if isinstance(record.get("strength"), dict) else {}
    parts = [f"direction: {record.get('direction')}" if record.get("direction") else "",
             f"strength: {strength.get('grade')} ({strength.get('scheme')})" if strength else "",
             f"certainty: {record.get('certainty')}" if record.get("certainty") else ""]
    return "; ".join(p for p in parts if p)


def recommendation(scope: Scope, record: Record, date: str | None, *, has_plan: bool, rated: Sequence[str],
                   approvals: Sequence[Decision]) -> dict[str, Any]:
    """rated: which of 'justification' and 'certainty' were exported for the record."""
    own = ids(record.id)
    population = record.get("population") or {}
    ratings = [c.reference("ArtifactAssessment", own[kind]) for kind in rated]
    specification = [
        section("recommendation-statement", "Recommendation Statement", text=record.get("statement", "")),
        section("ratings", "Ratings", text=_ratings_text(record), entries=ratings),
        section("population", "Population", text=population.get("description"),
                entries=[c.reference("Group", own["population"])]),
    ]
    if has_plan:
        specification.append(section("action", "Action", text=record.get("statement", ""),
                                     entries=[c.reference("PlanDefinition", own["plan"])]))
    sections = [section("recommendation-specification", "Recommendation Specification", sections=specification)]
    if "certainty" in rated:
        sections.append(section("evidence", "Evidence", entries=[c.reference("ArtifactAssessment",
                                                                             own["certainty"])]))
    if "justification" in rated:
        sections.append(section("justification", "Justification",
                                entries=[c.reference("ArtifactAssessment", own["justification"])]))
    citations = [scope.cite(r) for r in record.list_of("citations") if isinstance(r, str)]
    if citations:
        sections.append(section("references", "References", entries=citations))
    found = _base("recommendation", own["rec"], record, scope, record.get("last_reviewed") or date)
    found["title"] = record.get("statement", record.id)
    found["category"] = [c.concept(c.coding(c.STATEMENT_TYPE, str(record.get("statement_type"))))]
    found["section"] = sections
    found["relatesTo"] = _relations(record, own, has_plan, rated)
    if approvals:
        found["attester"] = [{"mode": c.concept(c.coding(
            "http://hl7.org/fhir/composition-attestation-mode", "professional", "Professional")),
            "time": d.date, "party": {"display": d.reviewer}} for d in approvals]
    if record.get("notes"):
        found["note"] = [{"text": record.get("notes")}]
    found["extension"] = _extension(scope, record, has_plan)
    return _without_empty(found)


def _without_empty(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty arrays."""
    return {key: value for key, value in resource.items() if value != []}


def _relations(record: Record, own: dict[str, str], has_plan: bool, rated: Sequence[str]) -> list[dict[str, Any]]:
    found = []
    if has_plan:
        found.append({"type": "supported-with", "resourceReference": c.reference("PlanDefinition", own["plan"])})
    if "justification" in rated:
        found.append({"type": "justification",
                      "resourceReference": c.reference("ArtifactAssessment", own["justification"])})
    found.extend(replaced(record, "rec"))
    return found


def replaced(record: Record, prefix: str) -> list[dict[str, Any]]:
    """superseded_by as relatesTo replaced-with; the reference names the record id too, for a reader whose
    Bundle lacks the target."""
    target = record.get("superseded_by")
    if not isinstance(target, str):
        return []
    return [{"type": "replaced-with", "resourceReference": {
        **c.reference("Composition", c.fhir_id(prefix, target)), "identifier": {"system": c.RECORD_IDS,
                                                                             "value": target}}}]


def guideline(scope: Scope, topic: Record, recommendations: Sequence[Record],
              references: Sequence[Record]) -> dict[str, Any]:
    """The topic: its question as the introduction, its sections and lead-in groups as nested sections of the
    Recommendations section (section and group ids as their codes' text), its references."""
    by_place: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for record in recommendations:
        by_place.setdefault((str(record.get("section")), record.get("group")), []).append(
            c.reference("Composition", ids(record.id)["rec"]))
    # The first part holds the summary statement (section 'summary', which no topic section may be called).
    parts = [_place("summary", "Summary", by_place.get(("summary", None), []))]
    for part in topic.list_of("sections"):
        if not isinstance(part, dict):
            continue
        groups = [_place(str(g.get("id")), str(g.get("lead") or g.get("id")),
                         by_place.get((str(part.get("id")), g.get("id")), []))
                  for g in part.get("groups") or () if isinstance(g, dict)]
        parts.append(_place(str(part.get("id")), str(part.get("title") or part.get("id")),
                            by_place.get((str(part.get("id")), None), []), groups))
    found = _base("guideline", c.fhir_id("guideline", topic.id), topic, scope, topic.get("last_updated"))
    found["title"] = topic.get("title", topic.id)
    found["section"] = [section("introduction", "Introduction", text=topic.get("question")),
                        section("recommendations", "Recommendations", sections=parts)]
    if references:
        found["section"].append(section("references", "References", entries=[
            c.reference("Citation", c.fhir_id("citation", r.id)) for r in references]))
    audience = [a for a in topic.list_of("audience") if isinstance(a, str)]
    if audience:
        found["useContext"] = [{"code": c.coding(USAGE_CONTEXT, "user", "User Type"),
                                "valueCodeableConcept": c.concept(c.coding(c.AUDIENCE, a), text=a)} for a in audience]
    found["relatesTo"] = replaced(topic, "guideline")
    found["extension"] = record_extension(topic.data)
    return _without_empty(found)


def _place(place_id: str, title: str, entries: list[dict[str, Any]],
           sections: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A topic section or lead-in group (its id as the code's text); every one is written, empty or not."""
    found: dict[str, Any] = {"title": title, "code": c.concept(text=place_id)}
    if entries:
        found["entry"] = entries
    if sections:
        found["section"] = list(sections)
    if not (entries or sections):
        found["emptyReason"] = c.concept(c.coding("http://terminology.hl7.org/CodeSystem/list-empty-reason",
                                                  "nilknown", "Nil Known"))
    return found
