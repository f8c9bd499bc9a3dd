"""ArtifactAssessments: the justification of a recommendation (rating system, native grade, strength, direction,
paradigm, rationale), the certainty of its evidence, and the board's review comments."""

from __future__ import annotations

from typing import Any

from guideline.corpus.model import Record
from guideline.corpus.reviews import Comment
from guideline.fhir import codes as c
from guideline.fhir.resources import Scope, ids


def _component(info: str, code: str, display: str, **fields: Any) -> dict[str, Any]:
    return {"informationType": info, "type": c.ebm_code(code, display), **fields}


def _strength(strength: dict[str, Any]) -> dict[str, Any]:
    scheme = str(strength.get("scheme", ""))
    grade = str(strength.get("grade", ""))
    classifiers = [c.concept(c.coding(c.grade_system(scheme), grade, grade), text=grade)]
    if strength.get("class"):
        rjcs = c.STRENGTHS.get(strength["class"])
        classifiers.append(c.concept(c.coding(c.STRENGTH_CLASS, strength["class"]),
                                     *([c.coding(c.RJCS, *rjcs)] if rjcs else []), text=strength["class"]))
    return _component("rating", "strength-of-recommendation", "Strength of Recommendation", classifier=classifiers)


def _specification(record: Record) -> list[dict[str, Any]]:
    strength = record.get("strength")
    components = []
    if isinstance(strength, dict):
        scheme = str(strength.get("scheme", ""))
        label = scheme + (f" {strength['version']}" if strength.get("version") else "")
        system = c.concept(c.coding(c.GUIDELINE_CODES + "/grading-scheme", scheme, label), text=label)
        if strength.get("version"):
            system["coding"][0]["version"] = str(strength["version"])
        components.append(_component("classifier", "rating-system", "Rating System", classifier=[system]))
        components.append(_strength(strength))
    direction = record.get("direction")
    if direction in c.DIRECTIONS:
        components.append(_component("classifier", "direction-of-recommendation", "Direction of Recommendation",
                                     classifier=[c.concept(c.coding(c.RJCS, *c.DIRECTIONS[direction]),
                                                           c.coding(c.DIRECTION, direction), text=direction)]))
    if isinstance(strength, dict) and strength.get("paradigm"):
        components.append(_component("rating", "ratings", "Ratings", classifier=[
            c.concept(c.coding(c.PARADIGM, strength["paradigm"]), text=strength["paradigm"])]))
    if isinstance(strength, dict) and strength.get("rationale"):
        components.append(_component("comment", "discussion", "Discussion", summary=strength["rationale"]))
    return components


def justification(scope: Scope, record: Record) -> dict[str, Any] | None:
    """The RecommendationJustification, when the record rates or directs anything."""
    components = _specification(record)
    if not components:
        return None
    content = [{"informationType": "container",
                "type": c.ebm_code("recommendation-specification", "Recommendation Specification"),
                "summary": record.get("statement", ""), "component": components}]
    citations = [r for r in record.list_of("citations") if isinstance(r, str)]
    if citations:
        content.append({"informationType": "container", "type": c.ebm_code("evidence", "Evidence"),
                        "relatedArtifact": [{"type": "justification", "resourceReference": scope.cite(ref)}
                                            for ref in citations]})
    return _assessment("justification", record, content)


def certainty(record: Record) -> dict[str, Any] | None:
    level = record.get("certainty")
    if not isinstance(level, str):
        return None
    rating = (c.concept(c.coding(c.CERTAINTY_RATING, level, c.CERTAINTIES[level]), c.coding(c.CERTAINTY_LEVEL, level),
                        text=level) if level in c.CERTAINTIES
              else c.concept(c.coding(c.CERTAINTY_LEVEL, level), text=level))
    content = [{"informationType": "rating",
                "type": c.concept(c.coding(c.CERTAINTY_TYPE, "Overall", "Overall certainty")),
                "classifier": [rating]}]
    return _assessment("certainty", record, content)


def _assessment(kind: str, record: Record, content: list[dict[str, Any]]) -> dict[str, Any]:
    resource_id = ids(record.id)[kind]
    return {"resourceType": "ArtifactAssessment", "id": resource_id, "meta": {"profile": [c.PROFILES[kind]]},
            "identifier": [{"system": c.RECORD_IDS, "value": record.id}],
            "title": f"{kind.capitalize()} of recommendation {record.id}",
            "artifactReference": c.reference("Composition", ids(record.id)["rec"]), "content": content}


def comment(item: Comment, target: str) -> dict[str, Any]:
    """A review comment. Not the EBM Comment profile: it forbids workflowStatus and disposition, which carry
    the comment's resolution here (as the base ArtifactAssessment defines them)."""
    return {"resourceType": "ArtifactAssessment", "id": c.fhir_id("comment", item.id or item.record),
            "identifier": [{"system": c.BASE + "/comment-id", "value": item.id}],
            "date": item.date, "artifactReference": c.reference("Composition", target),
            "content": [{"informationType": "comment", "summary": item.text,
                         "author": {"display": item.author}}],
            "workflowStatus": c.COMMENT_WORKFLOW.get(item.disposition, "submitted"),
            "disposition": item.disposition}
