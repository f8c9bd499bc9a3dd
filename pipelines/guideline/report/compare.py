"""What changed between two revisions, record by record: a plain data structure that reporters format.

Records are matched by kind and id within the changed files only (a record that moved between files is in
two changed files), then removed and added records of the same kind are paired by content hash (a rename).
The findings delta runs the ordinary validation pipeline on each revision and matches findings by
fingerprint, with a second pass that ignores the file so a moved record's findings stay "still open".
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import math
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from guideline import __version__
from guideline.corpus.cache import Cache
from guideline.corpus.loader import DEFAULT_MAX_BYTES, TOO_LARGE, Document
from guideline.corpus.materiality import (
    EDITORIAL_FIELDS,
    WORKFLOW_FIELDS,
    changed_fields,
    content_hash,
    is_material_field,
    presentation_hash,
)
from guideline.corpus.model import INACTIVE_STATES, Corpus, Record, add_document
from guideline.corpus.project import CORPUS_DIR, YAML_SUFFIXES, Project, load_project
from guideline.engine.changes import Parser
from guideline.engine.parallel import Background
from guideline.engine.pipeline import Source, document_parser, file_checks, prime, read_sources, validate
from guideline.errors import ConfigError, GuidelineError
from guideline.findings import Finding, Location, Severity, sort_findings
from guideline.git.revisions import FileChange, Repository, Revision

Progress = Callable[[int, int], None]
KIND_ORDER = {"topic": 0, "recommendation": 1, "reference": 2}
CHANGE_KINDS = ("added", "removed", "modified", "renamed", "moved")
REVIEW_STATUSES = ("approved", "stale", "awaiting", "retired", "removed")
_APPROVED_STATES = frozenset({"approved", "published"})
_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
# Beyond this many token pairs a word diff costs more than it helps: show the whole text as replaced.
_MAX_WORD_PAIRS = 4_000_000


@dataclass(frozen=True)
class Segment:
    """A run of a word-level diff: equal, delete or insert."""

    op: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    name: str
    category: str
    before: Any
    after: Any
    words: tuple[Segment, ...] = ()

    @property
    def material(self) -> bool:
        return self.category == "material"


@dataclass(frozen=True)
class Place:
    """Where a record sits at one revision."""

    file: str
    line: int
    id: str
    topic: str | None = None
    section: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class FindingDelta:
    introduced: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    still_open: tuple[Finding, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.introduced or self.resolved or self.still_open)


@dataclass(frozen=True)
class Review:
    status: str
    detail: str
    state: str | None = None


@dataclass(frozen=True)
class RecordChange:
    kind: str
    id: str
    change: str
    base: Place | None
    head: Place | None
    materiality: str
    fields: tuple[FieldChange, ...] = ()
    citations_added: tuple[str, ...] = ()
    citations_removed: tuple[str, ...] = ()
    cited_by: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    statement: str | None = None
    review: Review | None = None
    findings: FindingDelta = FindingDelta()

    @property
    def place(self) -> Place:
        place = self.head or self.base
        assert place is not None
        return place

    @property
    def material(self) -> bool:
        return self.materiality == "material"

    @property
    def renamed_from(self) -> str | None:
        return self.base.id if self.base and self.head and self.base.id != self.head.id else None

    @property
    def moved(self) -> bool:
        if not (self.base and self.head):
            return False
        return (self.base.file, self.base.section, self.base.group) != (self.head.file, self.head.section,
                                                                         self.head.group)

    def sort_key(self) -> tuple[str, int, str, int, str]:
        return (self.topics[0] if self.topics else "\uffff", KIND_ORDER.get(self.kind, 9), self.place.file,
                self.place.line, self.id)


@dataclass(frozen=True)
class FileEntry:
    """A changed file; problems are findings that kept one side from being read at all."""

    path: str
    status: str
    base_problems: tuple[Finding, ...] = ()
    head_problems: tuple[Finding, ...] = ()
    not_compared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Elsewhere:
    """Findings introduced or resolved on a record (or file) the change did not touch."""

    file: str
    record: str | None
    topic: str | None
    findings: FindingDelta


@dataclass(frozen=True)
class Report:
    base: Revision
    head: Revision
    as_of: date
    files: tuple[FileEntry, ...]
    changes: tuple[RecordChange, ...]
    elsewhere: tuple[Elsewhere, ...] = ()
    findings: FindingDelta | None = None
    open_findings: int = 0
    review_source: str = "review_state"
    notes: tuple[str, ...] = ()
    version: str = __version__

    @property
    def topics(self) -> list[str]:
        names = {t for c in self.changes for t in c.topics} | {e.topic for e in self.elsewhere if e.topic}
        return sorted(names)

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in CHANGE_KINDS}
        for change in self.changes:
            counts[change.change] += 1
        counts["material"] = sum(1 for c in self.changes if c.material)
        counts["records"] = len(self.changes)
        counts["files"] = len(self.files)
        return counts

    def review_counts(self) -> dict[str, int]:
        counts = {status: 0 for status in REVIEW_STATUSES}
        for change in self.changes:
            if change.review:
                counts[change.review.status] = counts.get(change.review.status, 0) + 1
        return counts

    def findings_counts(self) -> dict[str, int] | None:
        if self.findings is None:
            return None
        introduced = self.findings.introduced
        return {
            "introduced": len(introduced),
            "introduced_errors": sum(1 for f in introduced if f.severity is Severity.ERROR and not f.waiver),
            "introduced_warnings": sum(1 for f in introduced if f.severity is Severity.WARNING and not f.waiver),
            "resolved": len(self.findings.resolved),
            "still_open": self.open_findings,
        }


# ---------------------------------------------------------------- field and word diffs


def word_diff(before: str, after: str) -> tuple[Segment, ...]:
    """Word-level diff (difflib on word, space and punctuation tokens); joining a side's segments gives it back."""
    a, b = _TOKEN_RE.findall(before), _TOKEN_RE.findall(after)
    if len(a) * len(b) > _MAX_WORD_PAIRS:
        return _merge([Segment("delete", before), Segment("insert", after)])
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment("insert", "".join(b[j1:j2])))
    return _merge(out)


def _merge(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if out and out[-1].op == seg.op:
            out[-1] = Segment(seg.op, out[-1].text + seg.text)
        else:
            out.append(seg)
    return tuple(out)


def category_of(name: str) -> str:
    if name in WORKFLOW_FIELDS:
        return "workflow"
    return "editorial" if name in EDITORIAL_FIELDS else "material" if is_material_field(name) else "editorial"


def _field(name: str, before: Any, after: Any) -> FieldChange:
    words = word_diff(before, after) if isinstance(before, str) and isinstance(after, str) else ()
    return FieldChange(name, category_of(name), before, after, words)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Changed top-level fields in the record's own key order: content per materiality, workflow fields as is."""
    names = set(changed_fields(before, after))
    names |= {n for n in WORKFLOW_FIELDS - {"id"} if before.get(n) != after.get(n)}
    order = list(after) + [n for n in before if n not in after]
    return tuple(_field(n, before.get(n), after.get(n)) for n in order if n in names)


def _all_fields(data: dict[str, Any], *, side: str) -> tuple[FieldChange, ...]:
    return tuple(_field(n, v, None) if side == "before" else _field(n, None, v)
                 for n, v in data.items() if n != "id" and v is not None)


def _materiality(fields: Sequence[FieldChange], moved: bool, renamed: bool) -> str:
    if any(f.material for f in fields):
        return "material"
    if moved or renamed or any(f.category == "editorial" for f in fields):
        return "editorial"
    return "workflow" if fields else "none"


# ---------------------------------------------------------------- records


def _place(record: Record) -> Place:
    section = record.get("section") if record.kind == "recommendation" else None
    group = record.get("group") if record.kind == "recommendation" else None
    return Place(record.file, record.line, record.id, record.topic,
                 section if isinstance(section, str) else None, group if isinstance(group, str) else None)


def _citations(record: Record) -> list[str]:
    return [c for c in record.list_of("citations") if isinstance(c, str)]


def _statement(record: Record) -> str | None:
    value = record.get("statement") if record.kind == "recommendation" else record.get(
        "question" if record.kind == "topic" else "title")
    return value if isinstance(value, str) else None


def _pair_change(before: Record, after: Record) -> RecordChange | None:
    fields = field_changes(before.data, after.data)
    base, head = _place(before), _place(after)
    renamed = before.id != after.id
    moved = (base.file, base.section, base.group) != (head.file, head.section, head.group)
    if not (fields or renamed or moved):
        return None
    change = "renamed" if renamed else "moved" if moved else "modified"
    old, new = set(_citations(before)), set(_citations(after))
    return RecordChange(after.kind, after.id, change, base, head, _materiality(fields, moved, renamed), fields,
                        tuple(sorted(new - old)), tuple(sorted(old - new)), statement=_statement(after))


def _one_sided(record: Record, change: str) -> RecordChange:
    place = _place(record)
    side = "after" if change == "added" else "before"
    return RecordChange(record.kind, record.id, change, None if change == "added" else place,
                        place if change == "added" else None, "material", _all_fields(record.data, side=side),
                        statement=_statement(record))


def _rename_key(record: Record, exact: bool) -> str | None:
    if exact or record.kind == "reference":
        return presentation_hash(record.data)
    return content_hash(record.data)


def diff_records(before: Corpus, after: Corpus, *, unreadable_before: AbstractSet[str] = frozenset(),
                 unreadable_after: AbstractSet[str] = frozenset()) -> tuple[list[RecordChange], dict[str, list[str]]]:
    """Record changes between two corpora of changed files, and ids per file that could not be compared."""
    changes: list[RecordChange] = []
    removed: list[Record] = []
    added: list[Record] = []
    for kind in KIND_ORDER:
        old_ids, new_ids = before.by_id(kind), after.by_id(kind)
        for record_id, olds in old_ids.items():
            news = new_ids.get(record_id, [])
            for old, new in zip(olds, news):
                # Most records of a changed file did not change: equal data in the same file needs no field diff.
                if old.file == new.file and old.data == new.data:
                    continue
                change = _pair_change(old, new)
                if change:
                    changes.append(change)
            removed.extend(olds[len(news):])
        for record_id, news in new_ids.items():
            added.extend(news[len(old_ids.get(record_id, [])):])
    # Renames: the same content under a new id; exact presentation first, then the clinical content alone.
    empty = content_hash({})
    for exact in (True, False):
        pool: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in removed:
            key = _rename_key(record, exact)
            if key and (exact or key != empty):
                pool[(record.kind, key)].append(record)
        still_added: list[Record] = []
        matched: set[int] = set()
        for record in added:
            candidates = pool.get((record.kind, _rename_key(record, exact) or ""))
            if candidates:
                old = candidates.pop(0)
                matched.add(id(old))
                change = _pair_change(old, record)
                if change:
                    changes.append(change)
            else:
                still_added.append(record)
        added = still_added
        removed = [r for r in removed if id(r) not in matched]
    not_compared: dict[str, list[str]] = defaultdict(list)
    for record in removed:
        if record.file in unreadable_after:
            not_compared[record.file].append(record.id)
        else:
            changes.append(_one_sided(record, "removed"))
    for record in added:
        if record.file in unreadable_before:
            not_compared[record.file].append(record.id)
        else:
            changes.append(_one_sided(record, "added"))
    return changes, {k: sorted(set(v)) for k, v in not_compared.items()}


# ---------------------------------------------------------------- findings delta


def _other_key(finding: Finding) -> tuple[str, str, str] | None:
    """What identifies a record's finding when the record moved to another file."""
    if not finding.record:
        return None
    return (finding.rule, finding.record, finding.key or finding.message)


def findings_delta(before: Sequence[Finding], after: Sequence[Finding]) -> FindingDelta:
    """Match findings by fingerprint (as many times as they occur), then unmatched ones by rule/record/key."""
    pending: dict[str, list[Finding]] = defaultdict(list)
    for finding in before:
        pending[finding.fingerprint].append(finding)
    still_open: list[Finding] = []
    unmatched: list[Finding] = []
    for finding in after:
        olds = pending.get(finding.fingerprint)
        if olds:
            olds.pop()
            still_open.append(finding)
        else:
            unmatched.append(finding)
    left = [f for olds in pending.values() for f in olds]
    by_other: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in left:
        key = _other_key(finding)
        if key:
            by_other[key].append(finding)
    introduced: list[Finding] = []
    matched: set[int] = set()
    for finding in unmatched:
        key = _other_key(finding)
        olds = by_other.get(key) if key else None
        if olds:
            matched.add(id(olds.pop()))
            still_open.append(finding)
        else:
            introduced.append(finding)
    resolved = [f for f in left if id(f) not in matched]
    return FindingDelta(tuple(sort_findings(introduced)), tuple(sort_findings(resolved)),
                        tuple(sort_findings(still_open)))


def _relocate(finding: Finding, root: Path, cwd: Path) -> Finding:
    """Findings name files as the validator displays them (relative to the working folder); make them
    relative to the project root, so the two revisions' findings compare and the report reads the same anywhere."""
    location = _relocate_location(finding.location, root, cwd)
    related = tuple(_relocate_location(loc, root, cwd) for loc in finding.related)
    if location is finding.location and related == finding.related:
        return finding
    return replace(finding, location=location, related=related)


def _relocate_location(location: Location, root: Path, cwd: Path) -> Location:
    file = _project_file(location.file, root, cwd)
    return location if file == location.file else replace(location, file=file)


@functools.lru_cache(maxsize=1 << 16)
def _project_file(file: str, root: Path, cwd: Path) -> str:
    """The file relative to the project root when it lies under it (findings of a corpus name few files, many
    times each)."""
    path = Path(file)
    absolute = path if path.is_absolute() else cwd / path
    for candidate, base in ((absolute, root), (absolute, root.resolve())):
        if candidate.is_relative_to(base):
            return candidate.relative_to(base).as_posix()
    return file


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
                   changed: AbstractSet[str], *, keep: bool, sources: Sequence[Source] | None = None) -> _Side:
    """Check the revision checked out at root (sources: its files, read already); keep: hold on to its corpus
    and project."""
    if not (root / CORPUS_DIR).is_dir():
        return _Side(corpus=Corpus() if keep else None)
    # From the revision's own root, files are named as a validate run at the project root names them: findings of
    # both revisions compare, and the cache entries of either revision and of the user's own runs are shared.
    with contextlib.chdir(root):
        project = load_project(root, cache)
        result = validate([root / CORPUS_DIR], project, today=as_of, progress=progress, cache=cache,
                          whole_run=False, sources=sources)
        cwd = Path.cwd()
        findings = [_relocate(f, root, cwd) for f in result.findings]
    corpus = result.corpus
    topics: dict[tuple[str, str], str | None] = {}
    for finding in findings:
        if finding.record and (finding.file, finding.record) not in topics:
            record = corpus.record_at(finding.file, finding.record)
            topics[(finding.file, finding.record)] = record.topic if record and record.kind != "reference" else None
    references = {r.id for r in corpus.references if r.file in changed}
    return _Side(findings, {doc.path: doc for doc in corpus.documents if doc.path in changed}, topics,
                 _citing(corpus, references), corpus if keep else None, project if keep else None)


# ---------------------------------------------------------------- review status


def review_status(change: RecordChange, state: Any) -> Review:
    """Approval status from the record's review_state alone; stale when approved content changed materially."""
    state_text = state if isinstance(state, str) else None
    fixed = _fixed_status(change, state_text)
    if fixed:
        return fixed
    if state_text in _APPROVED_STATES:
        # The state alone cannot show whose approval covers which content: a material edit in the same change
        # as the state counts as unapproved.
        if change.change == "added":
            return Review("awaiting", f"new record; review_state already says {state_text}", state_text)
        if change.material:
            return Review("stale", f"review_state says {state_text}, but the clinical content changed",
                          state_text)
        return Review("approved", f"review_state: {state_text}", state_text)
    return Review("awaiting", f"review_state: {state_text or 'not set'}", state_text)


def _fixed_status(change: RecordChange, state: str | None) -> Review | None:
    if change.change == "removed":
        return Review("removed", "deleted outright; the workflow retires a record instead (review_state: retired)",
                      state)
    if state in INACTIVE_STATES:
        return Review("retired", f"review_state: {state}", state)
    return None


def workflow_reviews(changes: Sequence[RecordChange], side: _Side, root: Path) -> dict[int, Review] | None:
    """Approval status from the review workflow (valid approvals of the current content), by change index.

    None when the workflow cannot say (no workflow module, no roster): the caller falls back to review_state."""
    try:
        from guideline.render.article import records_by_topic
        from guideline.workflow import review as workflow
    except ImportError:  # pragma: no cover - the workflow ships with the tool
        return None
    if side.corpus is None or side.project is None:
        return None
    cwd = Path.cwd()
    wanted = {(c.head.file, c.head.id) for c in changes if c.head and c.kind != "reference"}
    records: dict[tuple[str, str], Record] = {}
    for candidate in (*side.corpus.topics, *side.corpus.recommendations):
        key = (_relocate_location(Location(candidate.file), root, cwd).file, candidate.id)
        if key in wanted:
            records[key] = candidate
    try:
        approvals = workflow.Approvals.open(side.project)
    except GuidelineError:
        return None
    out: dict[int, Review] = {}
    try:
        by_topic = records_by_topic(side.corpus)
        logs: dict[str, Any] = {}
        for index, change in enumerate(changes):
            record = records.get((change.head.file, change.head.id)) if change.head else None
            if record is None:
                continue
            state = record.get("review_state")
            state_text = state if isinstance(state, str) else None
            fixed = _fixed_status(change, state_text)
            if fixed:
                out[index] = fixed
                continue
            topic_id = record.id if record.kind == "topic" else record.topic or ""
            if topic_id not in logs:
                logs[topic_id] = workflow.load_review_log(side.project, topic_id, side.corpus)
            status = approvals.status(record, by_topic.get(topic_id, []), logs[topic_id])
            if status.approved:
                out[index] = Review("approved", f"{len(status.valid)} valid approval(s) of this content", state_text)
            elif any(c.decision.content_hash != status.content_hash for c in status.checks):
                out[index] = Review("stale", status.explain(), state_text)
            else:
                out[index] = Review("awaiting", status.explain() or "no approvals yet", state_text)
    except GuidelineError:
        return None
    finally:
        if approvals.history is not None:
            approvals.history.repo.close()
    return out


# ---------------------------------------------------------------- reading revisions


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
            as_of: date | None = None, with_findings: bool = True, cache: Cache | None = None,
            progress: Callable[[str], Progress | None] | None = None) -> Report:
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
                                                                     progress)
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
                cache: Cache | None, progress: Callable[[str], Progress | None] | None) -> tuple[_Checked, _Changes]:
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
                                                    keep=False, sources=_primed(base_root, as_of, cache)))
            try:
                with repo.materialised(head, Path(scratch) / "head") as head_root:
                    head_sources = _primed(head_root, as_of, cache)
                    checked.head = _side_or_note(checked, "head", head, lambda: _validate_side(
                        head_root, as_of, progress("head") if progress else None, cache, changed, keep=True,
                        sources=head_sources))
                    checked.base = _side_or_note(checked, "base", base, base_run.result)
                    read = _read_changes(repo, files, head, document_parser(cache, None),
                                         base_known=checked.base.documents if checked.base else {},
                                         head_known=checked.head.documents if checked.head else {})
                    if checked.head is not None:
                        # Its records name files as seen from the revision's root (_validate_side).
                        with contextlib.chdir(head_root):
                            checked.reviews = workflow_reviews(read[0], checked.head, head_root)
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
    with contextlib.chdir(root), contextlib.suppress(GuidelineError):
        project = load_project(root, cache)
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
    per_change: dict[int, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    other: dict[tuple[str, str | None], dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for bucket, findings, index in (("introduced", delta.introduced, by_head), ("resolved", delta.resolved, by_base),
                                    ("still_open", delta.still_open, by_head)):
        for finding in findings:
            position = index.get((finding.file, finding.record)) if finding.record else None
            if position is not None:
                per_change[position][bucket].append(finding)
            elif bucket != "still_open":
                other[(finding.file, finding.record)][bucket].append(finding)
    out = [replace(c, findings=FindingDelta(*(tuple(per_change[i][b]) for b in ("introduced", "resolved",
                                                                                  "still_open"))))
           if i in per_change else c for i, c in enumerate(changes)]
    elsewhere = []
    for (file, record), buckets in sorted(other.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        topic = None
        if record:
            topic = head.topics.get((file, record)) or base.topics.get((file, record))
        elsewhere.append(Elsewhere(file, record, topic, FindingDelta(tuple(buckets["introduced"]),
                                                                     tuple(buckets["resolved"]))))
    return out, tuple(elsewhere)


# ---------------------------------------------------------------- display helpers shared by the reporters


def display_value(value: Any) -> str:
    """A field value as readable text: scalars as is, lists of scalars comma-joined, the rest as YAML-like lines."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, list) and all(_scalar(v) for v in value):
        return ", ".join(display_value(v) for v in value)
    return "\n".join(_lines(value, 0))


def _number(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            if _scalar(item) or (isinstance(item, list) and all(_scalar(v) for v in item)):
                out.append(f"{pad}{key}: {display_value(item)}")
            else:
                out.append(f"{pad}{key}:")
                out.extend(_lines(item, indent + 2))
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            inner = _lines(item, indent + 2) if not _scalar(item) else [f"{pad}  {display_value(item)}"]
            first = inner[0][indent + 2:] if inner else ""
            out.append(f"{pad}- {first}")
            out.extend(inner[1:])
        return out
    return [pad + display_value(value)]


def json_value(value: Any) -> Any:
    """Record data as JSON-safe values (YAML allows .inf and .nan; JSON does not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value
