"""The systems, codes and profile addresses the export uses, as the EBM guide's FSH and examples spell them."""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from typing import Any

EBM = "http://hl7.org/fhir/uv/ebm/StructureDefinition/"
EBM_CODES = "https://fevir.net/resources/CodeSystem/179423"
RJCS = "https://fevir.net/resources/CodeSystem/27834"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
CERTAINTY_TYPE = "http://hl7.org/fhir/certainty-type"
CERTAINTY_RATING = "http://hl7.org/fhir/certainty-rating"
CLASSIFICATION_TYPE = "http://hl7.org/fhir/cited-artifact-classification-type"
ARTIFACT_CLASSIFIER = "http://hl7.org/fhir/citation-artifact-classifier"
URL_CLASSIFIER = "http://hl7.org/fhir/artifact-url-classifier"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
CHARACTERISTIC_DESCRIPTION = EBM + "characteristic-description"
XHTML = "http://www.w3.org/1999/xhtml"

# Where this project's own ids and codes live: record ids, concept ids, native grades, review states.
BASE = "https://guideline.example.org/fhir"
RECORD_IDS = BASE + "/record-id"
CONCEPTS = BASE + "/CodeSystem/concept"
GUIDELINE_CODES = BASE + "/CodeSystem/guideline"
REVIEW_STATE = BASE + "/CodeSystem/review-state"
STATEMENT_TYPE = BASE + "/CodeSystem/statement-type"
STRENGTH_CLASS = BASE + "/CodeSystem/strength-class"
DIRECTION = BASE + "/CodeSystem/direction"
CERTAINTY_LEVEL = BASE + "/CodeSystem/certainty"
PARADIGM = BASE + "/CodeSystem/paradigm"
AUDIENCE = BASE + "/CodeSystem/audience"


def grade_system(scheme: str) -> str:
    """The code system of one grading scheme's native grades."""
    return f"{BASE}/CodeSystem/grade-{scheme.lower()}"


PROFILES = {
    "recommendation": EBM + "recommendation",
    "guideline": EBM + "guideline",
    "justification": EBM + "recommendation-justification",
    "certainty": EBM + "certainty-of-evidence",
    "plan": EBM + "recommendation-plan",
    "action": EBM + "recommendation-action",
    "eligibility": EBM + "recommendation-eligibility-criteria",
    "journal-article": EBM + "journal-article-citation",
    "book": EBM + "book-citation",
    "web-page": EBM + "web-page-citation",
}

# Vocabulary code keys (vocabulary.yaml `codes:`) -> the systems the guide's examples use for them.
VOCABULARY_SYSTEMS = {
    "mesh": "https://meshb.nlm.nih.gov/",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "atc": "http://www.whocc.no/atc",
    "snomed": SNOMED,
}

# direction -> the Recommendation Justification code system's direction classifier (RJCS-2021..2025).
DIRECTIONS = {
    "for": ("RJCS-2021", "Favors intervention"),
    "against": ("RJCS-2025", "Favors comparison"),
    "none": ("RJCS-2023", "Does not favor intervention or comparison"),
}
# strength class -> RJCS strength classifier; classes without a counterpart keep only their native grade.
STRENGTHS = {"strong": ("RJCS-2001", "Strong expectation"), "conditional": ("RJCS-2002", "Weak expectation")}
CERTAINTIES = {"high": "High quality", "moderate": "Moderate quality", "low": "Low quality",
               "very-low": "Very low quality"}

# review_state -> Composition.status (composition-status) and the canonical resources' publication-status.
COMPOSITION_STATUS = {"draft": "preliminary", "submitted": "preliminary", "under-review": "preliminary",
                      "changes-requested": "preliminary", "approved": "final", "published": "final",
                      "retired": "deprecated", "superseded": "deprecated"}
PUBLICATION_STATUS = {"approved": "active", "published": "active", "retired": "retired", "superseded": "retired"}

# Review comment disposition (corpus/reviews.py) -> ArtifactAssessment.workflowStatus; the dispositions are the
# FHIR artifactassessment-disposition codes themselves.
COMMENT_WORKFLOW = {"unresolved": "submitted", "persuasive": "resolved-change-required",
                    "persuasive-with-modification": "resolved-change-required",
                    "not-persuasive": "resolved-no-change", "not-persuasive-with-modification": "resolved-no-change"}

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9\-.]")


@lru_cache(maxsize=65536)
def fhir_id(prefix: str, *parts: str) -> str:
    """A FHIR id (64 characters of [A-Za-z0-9-.]) that depends only on the record ids it names."""
    text = _ID_UNSAFE.sub("-", "-".join((prefix, *parts)))
    if len(text) <= 64:
        return text
    return text[:51] + "-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"system": system, "code": code}
    if display is not None:
        found["display"] = display
    return found


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if codings:
        found["coding"] = list(codings)
    if text is not None:
        found["text"] = text
    return found


def ebm_code(code: str, display: str) -> dict[str, Any]:
    return concept(coding(EBM_CODES, code, display))


def narrative(text: str) -> dict[str, Any]:
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{html.escape(text, quote=False)}</div>'}


def reference(resource_type: str, resource_id: str, display: str | None = None) -> dict[str, Any]:
    found = {"reference": f"{resource_type}/{resource_id}", "type": resource_type}
    if display is not None:
        found["display"] = display
    return found


def canonical_url(resource_type: str, resource_id: str) -> str:
    return f"{BASE}/{resource_type}/{resource_id}"
