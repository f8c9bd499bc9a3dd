"""`validate --changed-since REV`: the findings a change since a git revision can affect, and only those.

Findings are kept when they are about an affected record: one added, removed or edited since REV, a record
that cites or names such a record (a citation that no longer resolves), or a record the edited versions cite or
name (a reference that is no longer cited); and findings about another record that name an edited one as
related (the other record of a duplicate id or a conflict). A change to a data file (vocabulary, grading
schemes, policy, roster...) can affect any record, so then every finding is kept. Kept findings are exactly a
full run's: window.py finds them without checking the whole corpus, and falls back to a full run, filtered here,
when it cannot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.loader import Document, parse_text
from guideline.corpus.model import Corpus, add_document, file_kind, named_ids
from guideline.corpus.project import CORPUS_DIR, YAML_SUFFIXES, Project
from guideline.errors import UsageError
from guideline.findings import Finding
from guideline.git.revisions import NoWorkTree, Repository

RECORD_FILE_KINDS = frozenset({"topic", "bibliography"})


def record_links(corpus: Corpus) -> dict[str, list[str]]:
    """Record id -> ids of the records that cite or name it."""
    links: dict[str, list[str]] = defaultdict(list)
    for record in corpus.records():
        for target in named_ids(record.data):
            links[target].append(record.id)
    return dict(links)


@dataclass
class Change:
    """What changed since the revision, in the terms findings are filtered on."""

    files: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)
    named: set[str] = field(default_factory=set)
    everything: bool = False


def changed_versions(project: Project, rev: str) -> list[tuple[str, bytes | None, bytes | None]]:
    """(path as shown, content at rev, content now) of every corpus YAML file changed since the commit rev names:
    committed, staged, unstaged or untracked; a content is None where the file does not exist."""
    try:
        repo = Repository(project.root)
    except NoWorkTree:
        raise UsageError(f"{project.root} is not in a git repository",
                         hint="--changed-since compares with a git revision; run a full validate instead") from None
    with repo:
        files = [f for f in repo.changed_files(repo.resolve(rev), repo.worktree(), CORPUS_DIR)
                 if f.path.endswith(YAML_SUFFIXES)]
        old = repo.read_blobs([f.base_blob for f in files if f.base_blob])
        return [(project.display(project.root / f.path), old[f.base_blob] if f.base_blob else None,
                 repo.read_worktree(f.path)) for f in files]


# Parses file versions, given as (bytes, path as shown), in one batch: engine.document_parser goes through the
# cache and both cores.
Parser = Callable[[Sequence[tuple[bytes, str]]], list[Document]]


def _parse_each(versions: Sequence[tuple[bytes, str]]) -> list[Document]:
    return [parse_text(raw, display) for raw, display in versions]


def _records(doc: Document | None) -> tuple[dict[tuple[str, str], Any], str | None] | None:
    """(kind, id) -> data of a file version, and its file kind; None when it cannot be read record by record."""
    if doc is None:
        return {}, None
    if doc.data is None:
        return None
    corpus = Corpus()
    add_document(corpus, doc)
    kind = file_kind(doc.data)
    return {(r.kind, r.id): r.data for r in corpus.records()}, kind.name if kind else None


def describe_change(project: Project, rev: str, parse: Parser = _parse_each) -> Change:
    change = Change()
    pairs = changed_versions(project, rev)
    wanted = [(raw, display) for display, *raws in pairs for raw in raws if raw is not None]
    parsed = iter(parse(wanted))
    for display, old_raw, new_raw in pairs:
        change.files.add(display)
        docs = [next(parsed) if raw is not None else None for raw in (old_raw, new_raw)]
        versions = [v for v in map(_records, docs) if v is not None]
        if any(kind is not None and kind not in RECORD_FILE_KINDS for _, kind in versions):
            change.everything = True
            return change
        if len(versions) == 2:
            (old, _), (new, _) = versions
            edited = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
            if any(kind == "topic" for kind, _ in edited):
                edited = old.keys() | new.keys()
        else:
            # One version does not parse: any record of the other may be involved.
            edited = {key for records, _ in versions for key in records}
        for key in edited:
            change.records.add(key[1])
            for records, _ in versions:
                change.named.update(named_ids(records.get(key)))
    return change


def affected(change: Change, links: dict[str, list[str]]) -> set[str]:
    """Records whose own findings the change can affect: edited, named by an edited version, or citing an
    edited record."""
    ids = set(change.records) | change.named
    for record_id in change.records:
        ids.update(links.get(record_id, ()))
    return ids


def touches(finding: Finding, change: Change, ids: set[str]) -> bool:
    if finding.file in change.files and finding.record is None:
        return True
    if finding.record in ids:
        return True
    return any(loc.record in change.records for loc in finding.related)


def filter_findings(findings: Iterable[Finding], change: Change, links: dict[str, list[str]]) -> list[Finding]:
    ids = affected(change, links)
    return [f for f in findings if touches(f, change, ids)]
