"""guideline export --format fhir: each topic as one FHIR R5 Bundle (type collection), the same bytes on every
run: ids come from record ids, entries keep the corpus order, keys are sorted."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from guideline.corpus.model import ADVISING_TYPES, Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.reviews import ReviewLog, load_review_log
from guideline.fhir import codes as c
from guideline.fhir.assessments import certainty, comment, justification
from guideline.fhir.compositions import guideline, recommendation
from guideline.fhir.profiles import Problem, check_bundle
from guideline.fhir.resources import Scope, activities, citation, ids, plan, population

DEFAULT_PUBLISHER = "guideline"


@dataclass(frozen=True)
class TopicExport:
    topic: str
    bundle: dict[str, Any]
    problems: tuple[Problem, ...]

    @property
    def file_name(self) -> str:
        return f"{self.topic}.fhir.json"

    def serialised(self) -> bytes:
        return serialise(self.bundle)


def serialise(resource: dict[str, Any]) -> bytes:
    return (json.dumps(resource, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def publisher_of(project: Project) -> str:
    doc = project.data_document("publication.yaml")
    body = doc.data.get("publication") if doc and isinstance(doc.data, dict) else None
    name = body.get("publisher") if isinstance(body, dict) else None
    return name if isinstance(name, str) and name else DEFAULT_PUBLISHER


def export_topics(project: Project, corpus: Corpus, topic_ids: Sequence[str] = ()) -> list[TopicExport]:
    """Every topic of the corpus (or the ones named, in the order named), as checked Bundles."""
    chosen = list(topic_ids) or sorted(t.id for t in corpus.topics)
    scope = Scope(project.vocabulary, publisher_of(project), frozenset(corpus.by_id("reference")))
    found = []
    for topic_id in chosen:
        topic = corpus.first("topic", topic_id)
        if topic is None:
            raise KeyError(topic_id)
        bundle = topic_bundle(scope, corpus, topic, load_review_log(project, topic_id, corpus))
        found.append(TopicExport(topic_id, bundle, tuple(check_bundle(bundle))))
    return found


def topic_bundle(scope: Scope, corpus: Corpus, topic: Record, log: ReviewLog) -> dict[str, Any]:
    records = [r for r in corpus.recommendations if r.topic == topic.id and r.file == topic.file]
    cited = dict.fromkeys(ref for r in records for ref in r.list_of("citations") if isinstance(ref, str))
    references = [ref for ref_id in cited if (ref := corpus.first("reference", ref_id)) is not None]
    resources = [guideline(scope, topic, records, references)]
    for record in records:
        resources.extend(_recommendation_resources(scope, record, topic, log))
    resources.extend(citation(ref) for ref in references)
    targets = {r.id: ids(r.id)["rec"] for r in records}
    targets[topic.id] = c.fhir_id("guideline", topic.id)
    resources.extend(comment(item, targets[item.record]) for item in log.comments if item.record in targets)
    return {"resourceType": "Bundle", "id": c.fhir_id("topic", topic.id),
            "identifier": {"system": c.RECORD_IDS, "value": topic.id}, "type": "collection",
            "entry": [{"fullUrl": c.canonical_url(r["resourceType"], r["id"]), "resource": r} for r in resources]}


def _recommendation_resources(scope: Scope, record: Record, topic: Record,
                              log: ReviewLog) -> Iterator[dict[str, Any]]:
    assessments = {"justification": justification(scope, record), "certainty": certainty(record)}
    rated = [kind for kind, resource in assessments.items() if resource is not None]
    actions = activities(scope, record) if record.get("statement_type") in ADVISING_TYPES else []
    approvals = [d for d in log.latest_decisions(record.id) if d.decision == "approve"]
    date = topic.get("last_updated")
    yield recommendation(scope, record, date, has_plan=bool(actions), rated=rated, approvals=approvals)
    yield from (resource for resource in assessments.values() if resource is not None)
    yield population(scope, record)
    if actions:
        yield plan(scope, record, actions, str(record.get("last_reviewed") or date or "0"))
        yield from actions
