"""The board report of a change between two revisions: the one function the diff command calls.

Records are matched by kind and id within the changed files only (a record that moved between files is in
two changed files), then removed and added records of the same kind are paired by content hash (a rename).
The findings delta runs the ordinary validation pipeline on each revision and matches findings by
fingerprint, with a second pass that ignores the file so a moved record's findings stay "still open".
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from guideline.corpus.cache import Cache
from guideline.corpus.loader import DEFAULT_MAX_BYTES, TOO_LARGE, Document
from guideline.corpus.model import Corpus, Record, add_document
from guideline.corpus.project import CORPUS_DIR, YAML_SUFFIXES, Project, load_project
from guideline.engine.changes import Parser
from guideline.engine.parallel import Background
from guideline.engine.pipeline import Source, document_parser, file_checks, prime, read_sources, validate
from guideline.errors import ConfigError, GuidelineError
from guideline.findings import Finding, Location, Severity
from guideline.git.revisions import FileChange, Repository, Revision
from guideline.report.delta import findings_delta
from guideline.report.model import (
    Elsewhere,
    FileEntry,
    FindingChange,
    FindingDelta,
    RecordChange,
    Report,
    Review,
)
from guideline.report.records import diff_records
from guideline.report.status import review_status, workflow_reviews

Progress = Callable[[int, int], None]


@dataclass
class _Side:
    """What the report needs of one checked revision."""

    findings: list[Finding] = field(default_factory=list)
    # The changed files as the check parsed them, by path: the record diff reads these rather than parse again.
    documents: dict[str, Document] = field(default_factory=dict)
    # (project-relative file, record id) -> topic id, for the records findings are about.
    topics: dict[tuple[str, str], str | None] = field(default_factory=dict)
    # Reference id -> (recommendation id, topic) of the records citing it, for the references in changed files.
    citing: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    # At head only, for the workflow's approvals.
    corpus: Corpus | None = None
    project: Project | None = None


def _validate_side(root: Path, as_of: date, progress: Progress | None, cache: Cache | None,
                   changed: AbstractSet[str], *, keep: bool, with_expectations: bool,
                   sources: Sequence[Source] | None = None) -> _Side:
    """Check the revision checked out at root (sources: its files, read already); keep: hold on to its corpus
    and project."""
    if not (root / CORPUS_DIR).is_dir():
        return _Side(corpus=Corpus() if keep else None)
    # Files are named from the revision's own root, as a validate run at the project root names them: findings of
    # both revisions compare, and the cache entries of either revision and of the user's own runs are shared.
    project = load_project(root, cache, shown_from=root)
    result = validate([root / CORPUS_DIR], project, today=as_of, progress=progress, cache=cache, whole_run=False,
                      sources=sources, with_expectations=with_expectations)
    findings = result.findings
    corpus = result.corpus
    topics: dict[tuple[str, str], str | None] = {}
    for finding in findings:
        if finding.record and (finding.file, finding.record) not in topics:
            record = corpus.record_at(finding.file, finding.record)
            topics[(finding.file, finding.record)] = record.topic if record and record.kind != "reference" else None
    references = {r.id for r in corpus.references if r.file in changed}
    return _Side(findings, {doc.path: doc for doc in corpus.documents if doc.path in changed}, topics,
                 _citing(corpus, references), corpus if keep else None, project if keep else None)


def _reviews(changes: Sequence[RecordChange], side: _Side) -> dict[int, Review] | None:
    """The workflow's review status of the changes, from the head as checked."""
    if side.corpus is None or side.project is None:
        return None
    wanted = {(c.head.file, c.head.id) for c in changes if c.head and c.kind != "reference"}
    records: dict[tuple[str, str], Record] = {}
    for candidate in (*side.corpus.topics, *side.corpus.recommendations):
        key = (candidate.file, candidate.id)
        if key in wanted:
            records[key] = candidate
    return workflow_reviews(changes, records, side.corpus, side.project)


def _parse_side(repo: Repository, files: Sequence[FileChange], *, head: bool, worktree: bool, max_bytes: int,
                parse: Parser, known: Mapping[str, Document]) -> list[Document]:
    """One side of the changed files: the documents a check of that revision already read (known, by path), and
    the others read from git (or the working tree) and parsed in one batch."""
    yaml_files = [f for f in files if f.path.endswith(YAML_SUFFIXES)]
    blobs = repo.read_blobs([b for f in yaml_files if f.path not in known
                             and (b := (f.head_blob if head else f.base_blob))])
    docs: dict[str, Document] = {}
    wanted: list[tuple[bytes, str]] = []
    for change in yaml_files:
        sha = change.head_blob if head else change.base_blob
        if change.path in known:
            docs[change.path] = known[change.path]
            continue
        if sha:
            raw: bytes | None = blobs[sha]
        elif head and worktree and change.status != "removed":
            raw = repo.read_worktree(change.path)
        else:
            raw = None
        if raw is None:
            continue
        if len(raw) > max_bytes:
            docs[change.path] = Document(change.path, None, {}, [TOO_LARGE.finding(
                Location(change.path, 1, 1), f"file is {len(raw):,} bytes, over the limit of {max_bytes:,}")])
            continue
        wanted.append((raw, change.path))
    docs.update((doc.path, doc) for doc in parse(wanted))
    return [docs[f.path] for f in yaml_files if f.path in docs]


def _corpus(docs: Iterable[Document]) -> Corpus:
    corpus = Corpus()
    for doc in docs:
        add_document(corpus, doc)
    return corpus


def _blocking(doc: Document) -> tuple[Finding, ...]:
    return tuple(f for f in doc.findings if f.severity is Severity.ERROR) if doc.data is None else ()


def compare(project_root: Path, base_spec: str | None = None, head_spec: str | None = None, *,
            as_of: date | None = None, with_findings: bool = True, with_expectations: bool = True,
            cache: Cache | None = None, progress: Callable[[str], Progress | None] | None = None) -> Report:
    """The whole report: revisions, changed files, record changes, findings delta and review status.

    With a cache, files are parsed once for all runs and both revisions: the files a change left alone are
    read from the entries `guideline validate` (or an earlier report) left."""
    with Repository(project_root) as repo:
        head = repo.resolve(head_spec) if head_spec else repo.worktree()
        base = repo.resolve(base_spec) if base_spec else repo.default_base(head)
        as_of = as_of or head.date
        files = repo.changed_files(base, head, CORPUS_DIR)
        if with_findings:
            checked, (changes, entries, before, after) = _check_both(repo, base, head, files, as_of, cache,
                                                                     progress, with_expectations)
        else:
            checked = _Checked()
            changes, entries, before, after = _read_changes(repo, files, head, document_parser(cache, None))
    finished = _finish(changes, checked, before, after)
    delta: FindingDelta | None = None
    elsewhere: tuple[Elsewhere, ...] = ()
    notes = list(checked.notes)
    if checked.base is not None and checked.head is not None:
        delta = findings_delta(checked.base.findings, checked.head.findings)
        finished, elsewhere = _attribute(finished, delta, checked.base, checked.head)
    elif with_findings:
        notes.append("the findings delta was left out because one revision could not be checked")
    finished.sort(key=RecordChange.sort_key)
    return Report(base, head, as_of, entries, tuple(finished), elsewhere, delta,
                  len(delta.still_open) if delta else 0,
                  "workflow approvals" if checked.reviews is not None else "review_state", tuple(notes))


_Changes = tuple[list[RecordChange], tuple[FileEntry, ...], Corpus, Corpus]


def _read_changes(repo: Repository, files: Sequence[FileChange], head: Revision, parse: Parser, *,
                  base_known: Mapping[str, Document] | None = None,
                  head_known: Mapping[str, Document] | None = None) -> _Changes:
    """Record changes from the changed files alone, and the files with what kept a side from being read."""
    before_docs = _parse_side(repo, files, head=False, worktree=False, max_bytes=DEFAULT_MAX_BYTES, parse=parse,
                              known=base_known or {})
    after_docs = _parse_side(repo, files, head=True, worktree=head.worktree, max_bytes=DEFAULT_MAX_BYTES,
                             parse=parse, known=head_known or {})
    before, after = _corpus(before_docs), _corpus(after_docs)
    changes, not_compared = diff_records(before, after,
                                         unreadable_before={d.path for d in before_docs if d.data is None},
                                         unreadable_after={d.path for d in after_docs if d.data is None})
    problems_before = {d.path: _blocking(d) for d in before_docs}
    problems_after = {d.path: _blocking(d) for d in after_docs}
    entries = tuple(FileEntry(f.path, f.status, problems_before.get(f.path, ()), problems_after.get(f.path, ()),
                              tuple(not_compared.get(f.path, ()))) for f in files)
    return changes, entries, before, after


@dataclass
class _Checked:
    base: _Side | None = None
    head: _Side | None = None
    reviews: dict[int, Review] | None = None
    notes: list[str] = field(default_factory=list)


def _check_both(repo: Repository, base: Revision, head: Revision, files: Sequence[FileChange], as_of: date,
                cache: Cache | None, progress: Callable[[str], Progress | None] | None,
                with_expectations: bool) -> tuple[_Checked, _Changes]:
    """Validate both revisions (the same pipeline as `guideline validate`), read the record changes from the
    documents those runs parsed, and ask the workflow at head."""
    checked = _Checked()
    changed = frozenset(f.path for f in files)
    with tempfile.TemporaryDirectory(prefix="guideline-diff-") as scratch:
        (Path(scratch) / "base").mkdir()
        (Path(scratch) / "head").mkdir()
        with repo.materialised(base, Path(scratch) / "base") as base_root:
            # The base is checked by a forked process while this one checks out and checks the head: each run
            # alone leaves a core idle while it reads the cache and builds its corpus.
            base_run = Background(functools.partial(_validate_side, base_root, as_of, None, cache, changed,
                                                    keep=False, with_expectations=with_expectations,
                                                    sources=_primed(base_root, as_of, cache)))
            try:
                with repo.materialised(head, Path(scratch) / "head") as head_root:
                    head_sources = _primed(head_root, as_of, cache)
                    checked.head = _side_or_note(checked, "head", head, lambda: _validate_side(
                        head_root, as_of, progress("head") if progress else None, cache, changed, keep=True,
                        with_expectations=with_expectations, sources=head_sources))
                    checked.base = _side_or_note(checked, "base", base, base_run.result)
                    read = _read_changes(repo, files, head, document_parser(cache, None),
                                         base_known=checked.base.documents if checked.base else {},
                                         head_known=checked.head.documents if checked.head else {})
                    if checked.head is not None:
                        checked.reviews = _reviews(read[0], checked.head)
            finally:
                with contextlib.suppress(GuidelineError):
                    base_run.result()
    return checked, read


def _primed(root: Path, as_of: date, cache: Cache | None) -> list[Source] | None:
    """The revision's files, and those the cache lacks parsed into it on both cores: checked side by side, the
    two revisions would each parse the files they share. None when its data files cannot be read (its own check
    reports that)."""
    if not (root / CORPUS_DIR).is_dir():
        return None
    with contextlib.suppress(GuidelineError):
        project = load_project(root, cache, shown_from=root)
        sources = read_sources([root / CORPUS_DIR], project)
        if cache is not None:
            prime(sources, cache, file_checks(project, as_of))
        return sources
    return None


def _side_or_note(checked: _Checked, name: str, revision: Revision, run: Callable[[], _Side]) -> _Side | None:
    try:
        return run()
    except ConfigError as exc:
        checked.notes.append(f"{name} ({revision.label}) could not be checked: {exc}")
        return None


def _finish(changes: Sequence[RecordChange], checked: _Checked, before: Corpus, after: Corpus) -> list[RecordChange]:
    """Topics, citing records and review status of each change."""
    references = {c.id for c in changes if c.kind == "reference"}
    citing = checked.head.citing if checked.head else _citing(after, references)
    base_citing = checked.base.citing if checked.base else _citing(before, references)
    head_records = {(r.kind, r.file, r.id): r for r in after.records()}
    finished: list[RecordChange] = []
    for index, change in enumerate(changes):
        if change.kind == "reference":
            users = citing.get(change.id) or base_citing.get(change.id) or []
            change = replace(change, cited_by=tuple(sorted({rec_id for rec_id, _ in users})),
                             topics=tuple(sorted({t for _, t in users if t})))
            # References carry no review state of their own: the records citing them are what the board approves.
            finished.append(change)
            continue
        topic = change.place.topic
        change = replace(change, topics=(topic,) if topic else ())
        review = checked.reviews.get(index) if checked.reviews is not None else None
        if review is None:
            record = head_records.get((change.kind, change.head.file, change.head.id)) if change.head else None
            review = review_status(change, record.get("review_state") if record else None)
        finished.append(replace(change, review=review))
    return finished


def _citing(corpus: Corpus, reference_ids: set[str]) -> dict[str, list[tuple[str, str | None]]]:
    """reference id -> (recommendation id, topic) of the recommendations that cite it."""
    out: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    if not reference_ids:
        return out
    for rec in corpus.recommendations:
        for cited in rec.list_of("citations"):
            if isinstance(cited, str) and cited in reference_ids:
                out[cited].append((rec.id, rec.topic))
    return out


def _attribute(changes: list[RecordChange], delta: FindingDelta, base: _Side,
               head: _Side) -> tuple[list[RecordChange], tuple[Elsewhere, ...]]:
    """Hang each finding on the changed record it is about; the rest go under 'elsewhere' by file and record."""
    by_head = {(c.head.file, c.head.id): i for i, c in enumerate(changes) if c.head}
    by_base = {(c.base.file, c.base.id): i for i, c in enumerate(changes) if c.base}
    per_change: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    other: dict[tuple[str, str | None], dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    buckets: tuple[tuple[str, Sequence[Any], dict[tuple[str, str], int]], ...] = (
        ("introduced", delta.introduced, by_head), ("resolved", delta.resolved, by_base),
        ("still_open", delta.still_open, by_head), ("changed", delta.changed, by_head))
    for bucket, items, index in buckets:
        for item in items:
            finding: Finding = item.after if isinstance(item, FindingChange) else item
            position = index.get((finding.file, finding.record)) if finding.record else None
            if position is not None:
                per_change[position][bucket].append(item)
            elif bucket != "still_open":
                other[(finding.file, finding.record)][bucket].append(item)
    names = ("introduced", "resolved", "still_open", "changed")
    out = [replace(c, findings=FindingDelta(*(tuple(per_change[i][b]) for b in names)))
           if i in per_change else c for i, c in enumerate(changes)]
    elsewhere = []
    for (file, record), found in sorted(other.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        topic = None
        if record:
            topic = head.topics.get((file, record)) or base.topics.get((file, record))
        elsewhere.append(Elsewhere(file, record, topic, FindingDelta(*(tuple(found[b]) for b in names))))
    return out, tuple(elsewhere)
