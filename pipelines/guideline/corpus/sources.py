"""Source guidelines (guidelines/sources/*.yaml): the published recommendations that records restate, kept as
project data so that the fidelity check can compare each restating record with what the source says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guideline.corpus.loader import Document
from guideline.corpus.project import YAML_SUFFIXES, Project
from guideline.corpus.vocabulary import normalise_term
from guideline.findings import Location

SOURCES_DIR = "sources"


@dataclass(frozen=True)
class SourceRecommendation:
    id: str
    number: str
    # None: the recommendation concerns any treatment.
    interventions: tuple[str, ...] | None
    direction: str | None
    grade: str | None
    # Normalised as the conflict checks normalise qualifiers, with the text as written beside them.
    qualifiers: dict[str, str]
    scope: str
    # Position in the file's recommendations list, for locating it.
    index: int


@dataclass(frozen=True)
class SourceGuideline:
    id: str
    label: str
    scheme: str | None
    version: str | None
    recommendations: dict[str, SourceRecommendation]
    doc: Document

    def location(self, recommendation: SourceRecommendation) -> Location:
        return self.doc.location(("recommendations", recommendation.index), recommendation.id)


def load_sources(project: Project) -> dict[str, SourceGuideline]:
    """Every readable source guideline by id; a file that is not one (its schema finding says why) is skipped."""
    folder = project.data_file(SOURCES_DIR)
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(YAML_SUFFIXES)) if folder.is_dir() else []
    found: dict[str, SourceGuideline] = {}
    for name in names:
        doc = project.data_document(f"{SOURCES_DIR}/{name}")
        source = _source(doc) if doc is not None else None
        if source is not None:
            found.setdefault(source.id, source)
    return found


def _source(doc: Document) -> SourceGuideline | None:
    data = doc.data
    if not isinstance(data, dict):
        return None
    head = data.get("source")
    if not isinstance(head, dict) or not isinstance(head.get("id"), str):
        return None
    grading = head.get("grading")
    if not isinstance(grading, dict):
        grading = {}
    recommendations: dict[str, SourceRecommendation] = {}
    items = data.get("recommendations")
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            recommendations.setdefault(item["id"], _recommendation(item, index))
    return SourceGuideline(head["id"], str(head.get("label") or head["id"]), _text(grading.get("scheme")),
                           _text(grading.get("version")), recommendations, doc)


def _recommendation(item: dict[str, Any], index: int) -> SourceRecommendation:
    interventions = item.get("intervention")
    qualifiers = [q for q in item.get("qualifiers") or () if isinstance(q, str)]
    return SourceRecommendation(
        item["id"], str(item.get("number") or item["id"]),
        tuple(i for i in interventions if isinstance(i, str)) if isinstance(interventions, list) else None,
        _text(item.get("direction")), _text(item.get("grade")),
        {normalise_term(q): q for q in qualifiers if normalise_term(q)}, str(item.get("scope") or ""), index)


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
