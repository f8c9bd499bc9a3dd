"""One import: read the article, build drafts, decide what may be written, write it atomically."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from guideline.corpus.project import GRADING_FILE, VOCABULARY_FILE, Project
from guideline.errors import UsageError
from guideline.fileio import ensure_writable, write_atomic
from guideline.findings import Finding, sort_findings
from guideline.importer import write
from guideline.importer.concepts import used_concepts, vocabulary_addition
from guideline.importer.extract import Extractor
from guideline.importer.parse import parse_article
from guideline.importer.records import Draft, build_draft, slug
from guideline.importer.update import TopicMerge, citation_map, merge_references

ID_RE = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
TOPICS_DIR = "topics"
REFERENCES_DIR = "references"
SCHEMAS_DIR = "schemas"


@dataclass(frozen=True)
class ImportRequest:
    article: Path
    out: Path
    topic: str | None = None
    update: bool = False
    force: bool = False
    dry_run: bool = False


@dataclass
class ImportOutcome:
    findings: list[Finding]
    topic_id: str | None = None
    records: int = 0
    references: int = 0
    written: list[Path] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    imported: bool = True


def scheme_names(project: Project) -> dict[str, str]:
    doc = project.data_documents.get(project.data_file(GRADING_FILE))
    data = doc.data if doc is not None else None
    names: dict[str, str] = {}
    for scheme in (data.get("schemes") if isinstance(data, dict) else None) or []:
        if isinstance(scheme, dict) and isinstance(scheme.get("id"), str) and isinstance(scheme.get("name"), str):
            names.setdefault(scheme["id"], scheme["name"])
    return names


def source_path(article: Path, root: Path) -> str:
    """The article as provenance records it: relative to the project root, like the shipped corpus."""
    try:
        return Path(os.path.relpath(article.absolute(), root.absolute())).as_posix()
    except ValueError:
        return article.absolute().as_posix()


def read_article(path: Path, max_bytes: int) -> bytes:
    if path.is_dir():
        raise UsageError(f"{path} is a folder, not an article", hint="pass the article's .txt file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UsageError(f"{path} is {size:,} bytes, over the limit of {max_bytes:,}",
                             hint="an article is a few kilobytes; check that this is the right file")
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such article: {path}", hint="check the path") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def topic_id_for(request: ImportRequest, title: str | None, question: str | None) -> str:
    if request.topic is not None:
        if not ID_RE.match(request.topic) or len(request.topic) > 100:
            raise UsageError(f"--topic {request.topic!r} is not a valid id",
                             hint="use lower-case letters, digits and single hyphens, e.g. atrial-fibrillation")
        return request.topic
    for text in (title, question, request.article.stem):
        candidate = slug(text or "", drop_parenthetical=True)
        if candidate and ID_RE.match(candidate):
            return candidate
    raise UsageError("cannot make a topic id from the article", hint="pass --topic ID")


def run_import(request: ImportRequest, project: Project) -> ImportOutcome:
    raw = read_article(request.article, project.policy.max_file_bytes)
    display = project.display(request.article)
    article = parse_article(raw, display)
    topic_id = topic_id_for(request, article.title, article.question)
    extractor = Extractor(project.vocabulary, project.grading, scheme_names(project))
    draft = build_draft(article, extractor, topic_id, source_path(request.article, project.root))
    if not draft.importable:
        return ImportOutcome(sort_findings(draft.findings), topic_id, imported=False)

    topic_path = request.out / TOPICS_DIR / f"{topic_id}.yaml"
    references_path = request.out / REFERENCES_DIR / f"{topic_id}.yaml"
    existing = [p for p in (topic_path, references_path) if p.exists()]
    if existing and not (request.update or request.force):
        names = " and ".join(project.display(p) for p in existing)
        raise UsageError(f"{names} already exist{'s' if len(existing) == 1 else ''}",
                         hint="pass --update to merge the article into it (keeping curated fields), or --force "
                              "to replace it")
    outputs, changes = _render(draft, request, project, topic_path, references_path, extractor)
    outcome = ImportOutcome(sort_findings(draft.findings), topic_id, len(draft.recommendations),
                            len(draft.references), changes=changes)
    if not request.dry_run:
        ensure_writable([path for path, _ in outputs])
    for path, text in outputs:
        if request.dry_run:
            continue
        if request.update and path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        write_atomic(path, text.encode("utf-8"))
        outcome.written.append(path)
    return outcome


def _render(draft: Draft, request: ImportRequest, project: Project, topic_path: Path, references_path: Path,
            extractor: Extractor) -> tuple[list[tuple[Path, str]], list[str]]:
    schemas = project.root / SCHEMAS_DIR
    outputs: list[tuple[Path, str]] = []
    changes: list[str] = []
    mapping = {ref["id"]: ref["id"] for ref in draft.references}
    if draft.references:
        if request.update and references_path.exists():
            merged, ids = merge_references(references_path.read_text(encoding="utf-8"), draft,
                                           project.display(references_path))
            mapping = citation_map(draft, ids)
            outputs.append((references_path, merged.text))
            changes.extend(merged.changes)
        else:
            header = write.schema_line(references_path, schemas, write.REFERENCES_SCHEMA)
            outputs.append((references_path, write.references_file(draft.references, header)))
    if request.update and topic_path.exists():
        merge = TopicMerge(draft, extractor, project.display(topic_path)).run(topic_path.read_text(encoding="utf-8"),
                                                                            mapping)
        outputs.append((topic_path, merge.text))
        changes.extend(merge.changes)
    else:
        header = write.schema_line(topic_path, schemas, write.TOPIC_SCHEMA)
        outputs.append((topic_path, write.topic_file(draft.topic, draft.recommendations, header)))
    drafted = [extractor.drafts[c] for c in sorted(used_concepts(draft.recommendations)) if c in extractor.drafts]
    if drafted:
        # Appended as text, so that editors' comments and layout of the vocabulary stay as they are.
        vocabulary = project.data_file(VOCABULARY_FILE)
        current = vocabulary.read_text(encoding="utf-8") if vocabulary.exists() else "concepts:\n"
        addition = vocabulary_addition(drafted, source_path(request.article, project.root))
        outputs.append((vocabulary, current.rstrip("\n") + "\n" + addition))
        changes.append(f"{len(drafted)} draft concept(s) from the drug terminology added to "
                       f"{project.display(vocabulary)}: {', '.join(d.entry.id for d in drafted)}")
    return outputs, changes
