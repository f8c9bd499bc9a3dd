"""One validation run as `guideline validate` makes it: the whole corpus, or what changed since a revision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from guideline.corpus.cache import Cache
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.engine.changes import Change, describe_change, filter_findings, record_links
from guideline.engine.pipeline import Progress, ValidationResult, document_parser, file_checks, validate
from guideline.engine.touched import describe_files
from guideline.engine.window import window_result


@dataclass(frozen=True)
class ValidationRequest:
    project: Project
    today: date
    # Files or folders to check; none: the whole corpus.
    paths: Sequence[Path] = ()
    cache: Cache | None = None
    # Only the findings that changes since this git revision can affect.
    changed_since: str | None = None
    # Only the findings that these files (a commit's, from pre-commit) can affect; the whole corpus is checked.
    changed_files: Sequence[Path] = ()
    with_expectations: bool = True
    # Names whatever else the caller lets change the findings (keys the run cache; see pipeline.validate).
    options: str = ""
    progress: Progress | None = None


def run_validation(request: ValidationRequest) -> ValidationResult:
    """The findings of the run: with changed_since, from a window when one can be trusted (whole corpus only),
    else from a full run filtered to what the change can affect."""
    project, cache = request.project, request.cache
    paths = list(request.paths) or [project.root / CORPUS_DIR]
    change = None
    if request.changed_since or request.changed_files:
        checks = file_checks(project, request.today)
        parse = document_parser(cache, checks)
        change = (describe_files(project, request.changed_files, parse) if request.changed_files
                  else describe_change(project, str(request.changed_since), parse))
        windowed = None if request.paths else window_result(project, change, checks, cache=cache,
                                                             with_expectations=request.with_expectations)
        if windowed is not None:
            return windowed
    result = validate(paths, project, today=request.today, progress=request.progress, cache=cache,
                      options=request.options, with_expectations=request.with_expectations)
    return result if change is None else only_affected(result, change)


def only_affected(result: ValidationResult, change: Change) -> ValidationResult:
    """The result with only the findings that the change can affect."""
    if change.everything:
        return result
    links = result.links if result.links is not None else record_links(result.corpus)
    return replace(result, findings=filter_findings(result.findings, change, links))
