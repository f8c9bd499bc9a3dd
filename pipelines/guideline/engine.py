"""The validation pipeline: load files, check schemas, build the corpus, run every registered check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .checks import CHECKS, Context
from .errors import UsageError
from .findings import Finding, Location, Severity, sort_findings
from .loader import Document, gc_paused, read_file
from .model import UNKNOWN_FILE, Corpus, add_document, file_kind
from .project import Project, collect_files, display_path
from .schema import validate_document

Progress = Callable[[int, int], None]


@dataclass
class ValidationResult:
    findings: list[Finding]
    corpus: Corpus
    files: int

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR and not f.waiver)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING and not f.waiver)


def check_document(doc: Document) -> list[Finding]:
    """Schema findings for one parsed document (empty for a document that did not parse)."""
    if doc.data is None:
        return []
    kind = file_kind(doc.data)
    if kind is None:
        keys = ", ".join(sorted(doc.data)) if isinstance(doc.data, dict) else type(doc.data).__name__
        return [UNKNOWN_FILE.finding(Location(doc.path, 1, 1), f"cannot tell what this file holds (top level: {keys})",
                                     hint="a topic file starts with 'topic:', a bibliography with 'references:'")]
    return validate_document(doc, kind.schema)


def load_corpus(paths: Sequence[Path], project: Project, progress: Progress | None = None) -> Corpus:
    files, missing = collect_files(list(paths), project.root)
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}",
                         hint="check the path; with no path, validate checks guidelines/")
    corpus = Corpus()
    known = {path.absolute(): doc for path, doc in project.data_documents.items()}
    with gc_paused():
        for done, path in enumerate(files, 1):
            doc = known.get(path) or read_file(path, display_path(path), max_bytes=project.policy.max_file_bytes,
                                               root=project.root)
            corpus.findings.extend(doc.findings)
            schema_findings = check_document(doc)
            corpus.findings.extend(schema_findings)
            add_document(corpus, doc, {f.record for f in schema_findings if f.record})
            if progress:
                progress(done, len(files))
    return corpus


def apply_policy(findings: list[Finding], project: Project) -> list[Finding]:
    overrides = project.policy.severity
    out: list[Finding] = []
    for finding in findings:
        level = overrides.get(finding.rule)
        if level == "off":
            continue
        out.append(finding.with_severity(Severity(level)) if level in ("error", "warning", "info") else finding)
    return out


def validate(paths: Sequence[Path], project: Project, *, today: date | None = None,
             progress: Progress | None = None) -> ValidationResult:
    corpus = load_corpus(paths, project, progress)
    ctx = Context(corpus, project, today or date.today())
    findings = list(corpus.findings)
    for check in CHECKS:
        findings.extend(check.run(ctx))
    # Data files that checks read on demand are reported even when they lie outside the checked paths.
    scanned = {doc.path for doc in corpus.documents}
    findings.extend(f for f in project.findings if f.file not in scanned)
    findings = with_sources(findings, corpus)
    return ValidationResult(sort_findings(apply_policy(findings, project)), corpus, len(corpus.documents))


def with_sources(findings: list[Finding], corpus: Corpus) -> list[Finding]:
    """Point findings about a record at the article sentence it came from, so editors can go back to it."""
    out = []
    for finding in findings:
        if finding.source is None and finding.record:
            record = corpus.record_at(finding.file, finding.record)
            source = record.source() if record else None
            if source is not None:
                finding = replace(finding, source=source)
        out.append(finding)
    return out
