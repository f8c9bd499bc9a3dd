"""The validation pipeline: load files, check schemas, build the corpus, run every registered check."""

from __future__ import annotations

import gc
import hashlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

from guideline.checks import CHECKS, RELATIONS, Check, Context
from guideline.checks.waivers import apply_waivers
from guideline.corpus.cache import (
    CHECK_SECONDS,
    FILES,
    RUNS,
    STATS,
    Cache,
    ParsedFile,
    decode_entry,
    digest,
    encode_entry,
)
from guideline.corpus.loader import Document, gc_paused, parse_text, read_bytes
from guideline.corpus.model import UNKNOWN_FILE, Corpus, Record, add_document, file_kind
from guideline.corpus.project import BUILT_IN_DATA, Project, collect_files
from guideline.corpus.schema import validate_document
from guideline.engine.changes import record_links
from guideline.engine.parallel import can_fork, jobs, map_ordered
from guideline.engine.snapshot import FileFacts, Snapshot
from guideline.errors import GuidelineError, UsageError
from guideline.findings import Finding, Location, Severity, sort_findings
from guideline.git.runner import git_state

Progress = Callable[[int, int], None]


@dataclass
class ValidationResult:
    findings: list[Finding]
    corpus: Corpus
    files: int
    # From the cache of an identical earlier run: the findings are that run's and the corpus is empty.
    cached: bool = False
    # Record id -> ids of the records that cite or name it; filled when the run is cached.
    links: dict[str, list[str]] | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.counts_as_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.counts_at(Severity.WARNING))


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


@dataclass(frozen=True)
class Source:
    """A file to check: its bytes (or the document that says why it cannot be read) and their hash."""

    path: Path
    display: str
    raw: bytes | Document
    digest: str
    # Size and modification time, taken before the bytes were read; None when the file could not be read.
    stat: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        """Names the file's cache entry: its findings carry the path as shown, so that is part of the key."""
        return digest(self.display, self.digest)


def read_sources(paths: Sequence[Path], project: Project) -> list[Source]:
    files, missing = collect_files(list(paths), project.root)
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(project.display(Path(m)) for m in missing)}",
                         hint="check the path; with no path, validate checks guidelines/")
    known = {path.absolute(): doc for path, doc in project.data_documents.items()}
    return [read_source(path, project, known.get(path)) for path in files]


def read_source(path: Path, project: Project, loaded: Document | None = None) -> Source:
    display = project.display(path)
    try:
        status = path.stat()
        stat: tuple[int, int] | None = (status.st_size, status.st_mtime_ns)
    except OSError:
        stat = None
    raw = loaded or read_bytes(path, display, max_bytes=project.policy.max_file_bytes, root=project.root)
    if isinstance(raw, bytes):
        return Source(path, display, raw, hashlib.blake2b(raw, digest_size=16).hexdigest(), stat)
    return Source(path, display, raw, raw.digest or digest(*(f.message for f in raw.findings)), stat)


def load_corpus(paths: Sequence[Path], project: Project, progress: Progress | None = None,
                cache: Cache | None = None) -> Corpus:
    return build_corpus(read_sources(paths, project), progress, cache)


@dataclass(frozen=True)
class FileChecks:
    """What is done to each file by the process that parsed it, and cached with it: the per-record checks,
    and the keys by which the other checks relate its records to others."""

    checks: tuple[Check, ...]
    project: Project
    today: date
    # Names the data files the checks read: part of every file's cache key.
    key: str
    # Whether to find the keys each record publishes: only a cache keeps them (for windows).
    keys: bool = True
    # The keys each file loaded so far publishes, by its path as shown.
    published: dict[str, frozenset[str]] = field(default_factory=dict)

    def run(self, doc: Document, schema_findings: list[Finding]) -> ParsedFile:
        corpus = Corpus()
        add_document(corpus, doc, invalid_records(schema_findings))
        ctx = Context(corpus, self.project, self.today)
        found = [finding for check in self.checks for finding in check.run(ctx)]
        keys = tuple(published_keys(record, self.project) for record in corpus.records()) if self.keys else ()
        return ParsedFile(doc, schema_findings, found, keys)


def file_checks(project: Project, today: date, *, keys: bool = True) -> FileChecks:
    checks = tuple(check for check in CHECKS if check.per_record)
    # Run once on nothing first, so that the data files they read load here and now: they become part of the
    # cache key, and their own findings are reported (what a worker process reads is lost with it).
    reads: set[Path] = set()
    empty = Context(Corpus(), project.noting_reads(reads), today)
    for check in checks:
        list(check.run(empty))
    read = {project.data_file(name) for name in BUILT_IN_DATA} | reads
    parts = []
    for path in sorted(read):
        doc = project.data_documents.get(path)
        hashed = "missing" if doc is None else doc.digest or digest(*(f.message for f in doc.findings))
        # Named as shown, so that another checkout of the same files (a board report's revisions) shares entries.
        parts.append(f"{project.display(path)}\x1f{hashed}")
    return FileChecks(checks, project, today, digest(*parts), keys)


def build_corpus(sources: Sequence[Source], progress: Progress | None = None, cache: Cache | None = None,
                 checks: FileChecks | None = None) -> Corpus:
    """Parse and schema-check every source (in parallel, or from the cache) and index the records; with
    `checks`, their findings join the corpus's."""
    corpus = Corpus()
    with gc_paused():
        for done, parsed in enumerate(parse_files(sources, cache, checks), 1):
            add_parsed(corpus, parsed)
            if checks and checks.keys:
                checks.published[parsed.doc.path] = parsed.keys
            if progress:
                progress(done, len(sources))
        # The corpus lives as long as the run and holds no reference cycles: take its millions of objects out of
        # the collector's sight, or the first collection after loading walks them all (half a second at 100k).
        gc.freeze()
    return corpus


# Below this much text to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024


def published_keys(record: Record, project: Project) -> frozenset[str]:
    return frozenset(key for relation in RELATIONS for key in relation(record, project).published)


def add_parsed(corpus: Corpus, parsed: ParsedFile) -> None:
    corpus.findings.extend(parsed.doc.findings)
    corpus.findings.extend(parsed.schema_findings)
    corpus.findings.extend(parsed.check_findings)
    add_document(corpus, parsed.doc, invalid_records(parsed.schema_findings))


def invalid_records(schema_findings: list[Finding]) -> set[str]:
    return {f.record for f in schema_findings if f.record}


def _entry_key(source: Source, checks: FileChecks | None) -> str:
    return digest(source.key, checks.key) if checks else source.key


def document_parser(cache: Cache | None, checks: FileChecks | None) -> Callable[[Sequence[tuple[bytes, str]]],
                                                                            list[Document]]:
    """Parses (bytes, path as shown) pairs as parse_files does: from the cache when a run saw the same bytes,
    else on both cores, leaving each in the cache for the next."""
    def parse(versions: Sequence[tuple[bytes, str]]) -> list[Document]:
        sources = [Source(Path(display), display, raw, hashlib.blake2b(raw, digest_size=16).hexdigest())
                   for raw, display in versions]
        return [parsed.doc for parsed in parse_files(sources, cache, checks)]
    return parse


def parse_files(sources: Sequence[Source], cache: Cache | None, checks: FileChecks | None) -> Iterator[ParsedFile]:
    """(document, schema findings, per-record check findings) of every source, in order."""
    cached: dict[int, bytes] = {}
    todo: list[Source] = []
    for index, source in enumerate(sources):
        if isinstance(source.raw, bytes):
            payload = cache.get(FILES, _entry_key(source, checks)) if cache else None
            if payload is None:
                todo.append(source)
            else:
                cached[index] = payload
    parallel = _worth_forking(todo)
    parsed = (map_ordered(partial(_parse_source, cache=cache, checks=checks), todo, chunks_per_worker=8)
              if parallel else iter(()))
    for index, source in enumerate(sources):
        if isinstance(source.raw, Document):
            yield ParsedFile(source.raw, check_document(source.raw))
            continue
        entry = None
        if index in cached:
            entry = decode_entry(source.display, cached[index], source.raw)
        elif parallel:
            entry = decode_entry(source.display, next(parsed), source.raw)
        yield entry or _parse_here(source, cache, checks)


def prime(sources: Sequence[Source], cache: Cache, checks: FileChecks) -> None:
    """Parse and check into the cache, on both cores, the sources it has no entry for. Runs that follow at once
    (a board report's two revisions, checked side by side) then parse nothing."""
    todo = [s for s in sources if isinstance(s.raw, bytes) and not cache.has(FILES, _entry_key(s, checks))]
    for _ in map_ordered(partial(_parse_into, cache=cache, checks=checks), todo, chunks_per_worker=8,
                         workers=None if _worth_forking(todo) else 1):
        pass


def _worth_forking(todo: Sequence[Source]) -> bool:
    # With one worker the files are parsed here: sending each result through pickle would gain nothing.
    return (len(todo) > 1 and jobs() > 1 and can_fork()
            and sum(len(s.raw) for s in todo if isinstance(s.raw, bytes)) >= PARALLEL_MIN_BYTES)


def _parse_into(source: Source, cache: Cache, checks: FileChecks) -> None:
    # Nothing comes back: the entry in the cache is the result, and pickling it to the parent would be waste.
    _parse_here(source, cache, checks)


def _parse_source(source: Source, cache: Cache | None, checks: FileChecks | None) -> bytes:
    """Runs in a worker: parse and check one file, store the result, hand it back pickled."""
    payload = encode_entry(_parse_here(source, None, checks))
    if cache is not None:
        cache.put(FILES, _entry_key(source, checks), payload)
    return payload


def _parse_here(source: Source, cache: Cache | None, checks: FileChecks | None) -> ParsedFile:
    assert isinstance(source.raw, bytes)
    doc = parse_text(source.raw, source.display)
    schema_findings = check_document(doc)
    parsed = checks.run(doc, schema_findings) if checks else ParsedFile(doc, schema_findings)
    if cache is not None:
        cache.put(FILES, _entry_key(source, checks), encode_entry(parsed))
    return parsed


# Below this many records, the checks finish before worker processes would have started.
PARALLEL_MIN_RECORDS = 1000


def run_checks(ctx: Context, cache: Cache | None = None, checks: Sequence[Check] = CHECKS) -> list[Finding]:
    """Findings of the checks, in their order; on a large corpus one check per task on forked workers, which
    see the corpus through fork and send back their findings and any data file they read. Tasks start longest
    first, by the durations the cache kept from the last run, so no worker is left with a long check at the
    end while the other idles."""
    if len(ctx.corpus.recommendations) + len(ctx.corpus.references) < PARALLEL_MIN_RECORDS:
        with gc_paused():
            return [finding for check in checks for finding in check.run(ctx)]
    last = cache.load(STATS, CHECK_SECONDS) if cache else None
    costs: dict[str, float] = last if isinstance(last, dict) else {}
    order = sorted(range(len(checks)), key=lambda i: -costs.get(checks[i].name, math.inf if checks[i].slow else 0))
    outcomes: dict[int, tuple[list[Finding], dict[Path, Document], float]] = {}
    with closing(map_ordered(partial(_run_check, ctx=ctx, checks=checks), order,
                             chunks_per_worker=len(checks))) as tasks:
        for index, outcome in zip(order, tasks):
            if isinstance(outcome, _Failure):
                raise outcome.kind(outcome.message, hint=outcome.hint)
            outcomes[index] = outcome
    findings: list[Finding] = []
    for index in range(len(checks)):
        found, documents, seconds = outcomes[index]
        findings.extend(found)
        costs[checks[index].name] = seconds
        for path, doc in documents.items():
            ctx.project.data_documents.setdefault(path, doc)
    if cache:
        cache.store(STATS, CHECK_SECONDS, costs)
    return findings


@dataclass(frozen=True)
class _Failure:
    """A check's GuidelineError, carried back whole (pickling an exception would drop its hint)."""

    kind: type[GuidelineError]
    message: str
    hint: str | None


def _run_check(index: int, ctx: Context,
               checks: Sequence[Check]) -> tuple[list[Finding], dict[Path, Document], float] | _Failure:
    known = set(ctx.project.data_documents)
    started = time.perf_counter()
    try:
        found = list(checks[index].run(ctx))
    except GuidelineError as exc:
        return _Failure(type(exc), str(exc), exc.hint)
    documents = {path: doc for path, doc in ctx.project.data_documents.items() if path not in known}
    return found, documents, time.perf_counter() - started


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
             progress: Progress | None = None, cache: Cache | None = None, options: str = "",
             whole_run: bool = True, sources: Sequence[Source] | None = None,
             with_expectations: bool = True) -> ValidationResult:
    """Check the files under paths. With a cache, files parsed before are not parsed again, and a run identical
    to an earlier one (same files, data, code, date, git state and `options`, which names whatever else the
    caller lets change the findings, with_expectations included) returns that run's findings without a corpus.
    whole_run=False keeps to the file cache: the caller needs the corpus, and the tree is not the working tree a
    snapshot describes. sources: the files under paths, when the caller has read them already."""
    today = today or date.today()
    sources = read_sources(paths, project) if sources is None else sources
    key = _run_key(sources, project, today, options) if cache and whole_run else ""
    if cache and key:
        hit = cache.load(RUNS, key)
        if isinstance(hit, CachedRun):
            return ValidationResult(hit.findings, Corpus(), hit.files, cached=True, links=hit.links)
    checks = file_checks(project, today, keys=cache is not None)
    corpus = build_corpus(sources, progress, cache, checks)
    ctx = Context(corpus, project, today, expectations=with_expectations)
    result = ValidationResult(check_corpus(ctx, cache), corpus, len(corpus.documents))
    if cache and key:
        result.links = record_links(corpus)
        cache.store(RUNS, key, CachedRun(result.findings, result.files, result.links))
        if _covers_corpus(sources, project):
            remember(sources, checks, cache)
            cache.prune(len(sources))
    return result


def check_corpus(ctx: Context, cache: Cache | None = None) -> list[Finding]:
    """The loaded corpus's findings with those of the checks that compare records, waived, pointed at their
    sources, with the policy's severities, sorted."""
    findings = [*ctx.corpus.findings, *run_checks(ctx, cache, [check for check in CHECKS if not check.per_record])]
    return finish(findings, ctx.corpus, ctx.project)


def finish(findings: list[Finding], corpus: Corpus, project: Project) -> list[Finding]:
    """Findings of checks on the corpus, with those of data files read on demand, waived, pointed at their
    sources, with the policy's severities, sorted."""
    # Data files that checks read on demand are reported even when they lie outside the checked paths.
    scanned = {doc.path for doc in corpus.documents}
    findings.extend(f for f in project.findings if f.file not in scanned)
    findings = apply_waivers(findings, project, scanned)
    findings = with_sources(findings, corpus)
    return sort_findings(apply_policy(findings, project))


def remember(sources: Sequence[Source], checks: FileChecks, cache: Cache) -> None:
    """Leave the snapshot of this run over the whole corpus for windows."""
    facts = {s.display: found for s in sources if (found := FileFacts.of(s.digest, s.stat)) is not None}
    Snapshot.build(checks.key, facts, checks.published).store(cache)


@dataclass(frozen=True)
class CachedRun:
    findings: list[Finding]
    files: int
    links: dict[str, list[str]]


def _data_files(sources: Sequence[Source], project: Project) -> list[Path]:
    """Files under guidelines/ that are not among the checked ones: checks may still read them."""
    checked = {s.path for s in sources}
    files, _ = collect_files([project.data_dir], project.root)
    return [path for path in files if path not in checked]


def _covers_corpus(sources: Sequence[Source], project: Project) -> bool:
    return not _data_files(sources, project)


def _run_key(sources: Sequence[Source], project: Project, today: date, options: str) -> str:
    parts = [options, today.isoformat(), git_state(project.root), *(f"{s.display}\x1f{s.digest}" for s in sources)]
    for extra in read_sources(_data_files(sources, project), project):
        parts.append(f"{extra.display}\x1f{extra.digest}")
    return digest(*parts)


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
