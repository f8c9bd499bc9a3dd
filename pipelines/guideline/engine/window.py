"""`validate --changed-since` on a window: the files a change can affect, checked without the rest.

Every run over the whole corpus with the cache leaves a snapshot (engine.Snapshot): each file's content hash,
size and modification time, and the keys its records publish under the relations the checks declare
(checks.base.Keys: ids, citations, topics, intervention concepts, dosed agents, identifiers of works). From it:

1. files whose size or time differ from the snapshot are hashed again, and those whose content changed are
   parsed (or taken from the file cache) for their keys;
2. the affected records are those `changes.affected` names: edited since the revision, named by an edited
   record, or citing one;
3. the window holds the changed files, the files of the affected records, of every record related to one (a
   key in common), and of every record those related records look up: all that a finding touching an
   affected record can depend on. Data files are always in it;
4. every check runs on the window, and findings are kept by the same rule as after a full run.

The findings are therefore the full run's, filtered (a test compares the two on generated changes), at the
cost of the window. Nothing is guessed: without a snapshot made by the same code with the same data files,
with a check that declares no keys, with an expectation suite that compares rows by more than ids and topics,
or when the change reaches a data file, `window_result` answers None and the caller checks everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from guideline.checks import CHECKS, Context, expectations
from guideline.checks.base import KeysOf, cite_key, id_key
from guideline.corpus.cache import Cache, ParsedFile
from guideline.corpus.loader import gc_paused
from guideline.corpus.model import Corpus, Record, records_of
from guideline.corpus.project import Project, collect_files
from guideline.engine.changes import RECORD_FILE_KINDS, Change, filter_findings, record_links
from guideline.engine.pipeline import (
    FileChecks,
    Source,
    ValidationResult,
    finish,
    invalid_records,
    parse_files,
    read_source,
)
from guideline.engine.snapshot import Snapshot
from guideline.findings import Finding

RECORD_KINDS = {f"kind:{kind}" for kind in RECORD_FILE_KINDS}


@dataclass
class _Window:
    project: Project
    checks: FileChecks
    cache: Cache
    # Every file of the corpus, in the order of a full run, and which publish each key.
    order: dict[str, int]
    snapshot: Snapshot
    paths: dict[str, Path]
    # Files whose content differs from the snapshot's (or that are gone), with the keys they publish now.
    changed: dict[str, frozenset[str]] = field(default_factory=dict)
    loaded: dict[str, ParsedFile] = field(default_factory=dict)
    # Each loaded record with the keys it publishes.
    records: dict[str, list[tuple[Record, frozenset[str]]]] = field(default_factory=dict)

    def files_with(self, wanted: set[str]) -> set[str]:
        found = self.snapshot.files_with(wanted) - set(self.changed)
        return found | {display for display, keys in self.changed.items() if not keys.isdisjoint(wanted)}

    def load(self, displays: Iterable[str], ready: dict[str, ParsedFile] | None = None) -> None:
        """Load files, from the cache when it has them."""
        todo = sorted((d for d in displays if d not in self.loaded and d in self.order), key=self.order.__getitem__)
        parsed_files = {d: parsed for d, parsed in (ready or {}).items() if d in todo}
        sources = [read_source(self.paths[d], self.project, self.project.data_documents.get(self.paths[d]))
                   for d in todo if d not in parsed_files]
        parsed_files.update((source.display, parsed)
                            for source, parsed in zip(sources, parse_files(sources, self.cache, self.checks)))
        for display in todo:
            parsed = self.loaded[display] = parsed_files[display]
            # A window's checks find keys, so every entry it loads carries them (data files have no records).
            records = records_of(parsed.doc, invalid_records(parsed.schema_findings))
            self.records[display] = list(zip(records, parsed.record_keys))

    def publishing(self, wanted: set[str]) -> list[Record]:
        """Loaded records that publish one of the keys."""
        return [record for pairs in self.records.values() for record, keys in pairs if not keys.isdisjoint(wanted)]

    def corpus(self, chosen: Iterable[Record]) -> Corpus:
        """The chosen records, with every loaded document and its findings, in the order of a full run."""
        corpus = Corpus()
        ids = {id(record) for record in chosen}
        for display in sorted(self.loaded, key=self.order.__getitem__):
            parsed = self.loaded[display]
            corpus.documents.append(parsed.doc)
            corpus.findings.extend((*parsed.doc.findings, *parsed.schema_findings, *parsed.check_findings))
            for record, _ in self.records[display]:
                if id(record) in ids:
                    corpus.add(record)
        return corpus

    def around(self, edited: list[Record], others: list[Record], relations: tuple[KeysOf, ...]) -> list[Record]:
        """What a check with these relations needs to find, as a full run would, every finding about the
        records and every finding that names an edited record as related: the records they look up, and for
        the edited ones also what the records related to them look up. (Relations are symmetric by
        construction: a related record publishes a key the edited one looks up, and the other way round.)"""
        near = _looked_up((*edited, *others), relations, self.project)
        self.load(self.files_with(near))
        far = _looked_up(self.publishing(_looked_up(edited, relations, self.project)), relations, self.project)
        self.load(self.files_with(far))
        return [*edited, *others, *self.publishing(near | far)]


def _looked_up(records: Iterable[Record], relations: tuple[KeysOf, ...], project: Project) -> set[str]:
    return {key for record in records for relation in relations for key in relation(record, project).looked_up}


def window_result(project: Project, change: Change, checks: FileChecks, *, cache: Cache | None,
                  with_expectations: bool = True) -> ValidationResult | None:
    """The findings of validate --changed-since from a window, or None when a window cannot be trusted.
    checks: engine.file_checks of the run (with keys); with_expectations: whether the suite runs."""
    if cache is None or change.everything or any(check.relations is None for check in CHECKS):
        return None
    if with_expectations and not expectations.window_safe(project):
        return None
    snapshot = Snapshot.load(cache)
    if snapshot is None or snapshot.data_key != checks.key:
        return None
    # Loading builds many objects and no cycles: the collector would only walk them again and again.
    with gc_paused():
        return _checked(project, change, checks, cache, snapshot, with_expectations)


def _checked(project: Project, change: Change, checks: FileChecks, cache: Cache, snapshot: Snapshot,
             with_expectations: bool) -> ValidationResult | None:
    window = _open(project, checks, cache, snapshot)
    if window is None:
        return None
    # The affected records (changes.affected): edited, named by an edited version, or citing an edited one.
    data_files = set(window.order) - window.files_with(RECORD_KINDS)
    citing = set(map(cite_key, change.records))
    window.load(change.files | data_files | window.files_with(citing))
    affected = change.named | {record.id for record in window.publishing(citing)}
    window.load(window.files_with(set(map(id_key, affected | change.records))))
    edited = window.publishing(set(map(id_key, change.records)))
    others = window.publishing(set(map(id_key, affected - change.records)))
    # Each check on the records it needs, with the findings of the per-record checks from the files.
    chosen: dict[tuple[KeysOf, ...], list[Record]] = {}
    contexts: dict[tuple[KeysOf, ...], Context] = {}
    findings: list[Finding] = []
    for check in CHECKS:
        if check.per_record:
            continue
        relations = check.relations or ()
        if relations not in chosen:
            chosen[relations] = window.around(edited, others, relations)
            contexts[relations] = Context(window.corpus(chosen[relations]), project, checks.today, window=True,
                                          expectations=with_expectations)
        findings.extend(check.run(contexts[relations]))
    corpus = window.corpus(record for records in chosen.values() for record in records)
    kept = filter_findings(finish([*corpus.findings, *findings], corpus, project), change, record_links(corpus))
    return ValidationResult(kept, corpus, len(window.order))


def _open(project: Project, checks: FileChecks, cache: Cache, snapshot: Snapshot) -> _Window | None:
    """The window's index: the snapshot, with the files changed since it was made read again. (The snapshot
    itself is left as it is: the next run over the whole corpus makes a new one.)"""
    paths, _ = collect_files([project.data_dir], project.root)
    displays = [project.display(path) for path in paths]
    window = _Window(project, checks, cache, {d: i for i, d in enumerate(displays)}, snapshot,
                     dict(zip(displays, paths)))
    stale: list[Source] = []
    for display, path in zip(displays, paths):
        facts = snapshot.files.get(display)
        try:
            status = path.stat()
        except OSError:
            return None
        if facts is not None and facts.same_stat(status.st_size, status.st_mtime_ns):
            continue
        source = read_source(path, project, project.data_documents.get(path))
        if facts is None or facts.digest != source.digest:
            stale.append(source)
    reparsed = dict(zip((s.display for s in stale), parse_files(stale, cache, checks)))
    window.changed = {display: parsed.keys for display, parsed in reparsed.items()}
    window.changed.update((display, frozenset()) for display in set(snapshot.files) - set(displays))
    window.load(reparsed, ready=reparsed)
    return window
