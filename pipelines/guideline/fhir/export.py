"""guideline export --format fhir: each topic as one FHIR R5 Bundle (type collection), the same bytes on every
run: ids come from record ids, entries keep the corpus order, keys are sorted."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from guideline.corpus.loader import gc_paused
from guideline.corpus.model import ADVISING_TYPES, Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.reviews import ReviewLog, load_review_log
from guideline.engine.parallel import map_ordered
from guideline.fhir import codes as c
from guideline.fhir.assessments import certainty, comment, justification
from guideline.fhir.compositions import guideline, recommendation
from guideline.fhir.profiles import Problem, check_bundle
from guideline.fhir.resources import Scope, activities, citation, ids, plan, population
from guideline.fileio import write_atomic

DEFAULT_PUBLISHER = "guideline"
# Below this many topics, forking workers costs more than it saves.
PARALLEL_MIN_TOPICS = 8


@dataclass(frozen=True)
class TopicExport:
    topic: str
    bundle: dict[str, Any]
    problems: tuple[Problem, ...]

    def serialised(self) -> bytes:
        return serialise(self.bundle)


def _compact(value: Any) -> str:
    # Without indent, json uses its C encoder: about ten times faster than the indenting one (ASCII: faster still).
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def serialise(bundle: dict[str, Any], encoded: Sequence[str] | None = None) -> bytes:
    """The Bundle with sorted keys and one entry per line (a git diff shows the resources that changed): the
    same text as json.dumps(bundle, sort_keys=True) but for the line breaks around entries. `encoded`: the
    entries already encoded."""
    rest = {k: v for k, v in bundle.items() if k != "entry"}
    entries = ",\n".join(encoded if encoded is not None else [_compact(e) for e in bundle.get("entry") or ()])
    head = _compact({k: v for k, v in rest.items() if k < "entry"})[1:-1]
    tail = _compact({k: v for k, v in rest.items() if k > "entry"})[1:-1]
    return ("{" + (head + "," if head else "") + '"entry":[\n' + entries + "\n]" + ("," + tail if tail else "")
            + "}\n").encode("utf-8")


def publisher_of(project: Project) -> str:
    doc = project.data_document("publication.yaml")
    body = doc.data.get("publication") if doc and isinstance(doc.data, dict) else None
    name = body.get("publisher") if isinstance(body, dict) else None
    return name if isinstance(name, str) and name else DEFAULT_PUBLISHER


@dataclass(frozen=True)
class Written:
    """One topic exported by export_to: where it went (or its bytes, for standard output) and what failed."""

    topic: str
    path: Path | None
    resources: int
    problems: tuple[Problem, ...]
    data: bytes = b""


@dataclass(frozen=True)
class _Job:
    """What every topic's export shares; reaches forked workers through fork, not pickling."""

    project: Project
    corpus: Corpus
    scope: Scope
    records: dict[tuple[str, str], list[Record]]

    def bundle(self, topic_id: str) -> TopicExport:
        bundle = self._build(topic_id)
        return TopicExport(topic_id, bundle, tuple(check_bundle(bundle)))

    def write(self, topic_id: str, out: Path | None) -> Written:
        bundle = self._build(topic_id)
        # Each entry encoded once: the reference check reads the same text that is written.
        entries = [_compact(entry) for entry in bundle["entry"]]
        problems = tuple(check_bundle(bundle, entries))
        data = serialise(bundle, entries)
        name = f"{topic_id}.fhir.json"
        if out is None:
            return Written(topic_id, None, len(entries), problems, data)
        # Not fsynced: an export is made again from the corpus; the rename still never leaves a torn file.
        write_atomic(out / name, data, durable=False)
        return Written(topic_id, out / name, len(entries), problems)

    def _build(self, topic_id: str) -> dict[str, Any]:
        topic = self.corpus.first("topic", topic_id)
        if topic is None:
            raise KeyError(topic_id)
        log = load_review_log(self.project, topic_id, self.corpus)
        return topic_bundle(self.scope, self.corpus, topic, log, self.records.get((topic.id, topic.file), []))


def _job(project: Project, corpus: Corpus) -> _Job:
    scope = Scope(project.vocabulary, publisher_of(project), frozenset(corpus.by_id("reference")))
    records: dict[tuple[str, str], list[Record]] = {}
    for record in corpus.recommendations:
        records.setdefault((str(record.topic), record.file), []).append(record)
    return _Job(project, corpus, scope, records)


def _chosen(corpus: Corpus, topic_ids: Sequence[str]) -> list[str]:
    return list(topic_ids) or sorted(t.id for t in corpus.topics)


def export_topics(project: Project, corpus: Corpus, topic_ids: Sequence[str] = ()) -> list[TopicExport]:
    """Every topic of the corpus (or the ones named, in the order named), as checked Bundles in memory."""
    job = _job(project, corpus)
    with gc_paused():
        return [job.bundle(topic_id) for topic_id in _chosen(corpus, topic_ids)]


def export_to(project: Project, corpus: Corpus, topic_ids: Sequence[str], out: Path | None) -> Iterator[Written]:
    """Each topic's Bundle written to out/<topic>.fhir.json (out None: its bytes returned), on every core when
    there are enough topics; in the order chosen, only one Bundle in memory per worker."""
    job = _job(project, corpus)
    chosen = _chosen(corpus, topic_ids)
    workers = None if len(chosen) >= PARALLEL_MIN_TOPICS else 1
    with gc_paused():
        yield from map_ordered(partial(job.write, out=out), chosen, workers=workers)


def topic_bundle(scope: Scope, corpus: Corpus, topic: Record, log: ReviewLog,
                 records: Sequence[Record]) -> dict[str, Any]:
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
