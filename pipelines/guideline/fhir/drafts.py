"""Writing an imported FHIR Bundle as draft files, with the article importer's request, outcome and YAML
writer, so that both imports behave alike: topics/<id>.yaml and references/<id>.yaml under the output folder,
refused when they exist (unless --force), every file rendered before the first is written."""

from __future__ import annotations

from pathlib import Path

from guideline.corpus.project import Project
from guideline.errors import UsageError
from guideline.fhir.imports import import_bundle
from guideline.fhir.reader import read_bundle
from guideline.fileio import write_atomic
from guideline.importer import write
from guideline.importer.service import (
    ID_RE,
    REFERENCES_DIR,
    SCHEMAS_DIR,
    TOPICS_DIR,
    ImportOutcome,
    ImportRequest,
)


def run_fhir_import(request: ImportRequest, project: Project) -> ImportOutcome:
    if request.update:
        raise UsageError("--update merges an article into curated records; a FHIR Bundle is imported whole",
                         hint="pass --force to replace the topic, or --out DIR to import it elsewhere")
    display = project.display(request.article)
    bundle, text = read_bundle(request.article, display, project.policy.max_file_bytes)
    result = import_bundle(bundle, text, display, project.vocabulary, request.topic)
    topic_id = str(result.topic["id"])
    if not ID_RE.match(topic_id):
        raise UsageError(f"{display}: the Bundle gives no usable topic id ({topic_id!r})", hint="pass --topic ID")
    outputs = _render(project, request.out, topic_id, result.topic, result.recommendations, result.references)
    existing = [path for path, _ in outputs if path.exists()]
    if existing and not request.force:
        names = " and ".join(project.display(p) for p in existing)
        raise UsageError(f"{names} already exist{'s' if len(existing) == 1 else ''}",
                         hint="pass --force to replace, or --out DIR to import elsewhere")
    outcome = ImportOutcome(result.findings, topic_id, len(result.recommendations), len(result.references))
    for path, content in outputs:
        if not request.dry_run:
            write_atomic(path, content.encode("utf-8"))
            outcome.written.append(path)
    return outcome


def _render(project: Project, out: Path, topic_id: str, topic: dict[str, object], recommendations: list[dict[str, object]],
            references: list[dict[str, object]]) -> list[tuple[Path, str]]:
    schemas = project.root / SCHEMAS_DIR
    topic_path = out / TOPICS_DIR / f"{topic_id}.yaml"
    found = [(topic_path, write.topic_file(topic, recommendations, write.schema_line(topic_path, schemas,
                                                                                     write.TOPIC_SCHEMA)))]
    if references:
        path = out / REFERENCES_DIR / f"{topic_id}.yaml"
        found.append((path, write.references_file(references, write.schema_line(path, schemas,
                                                                                write.REFERENCES_SCHEMA))))
    return found
