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

import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guideline.corpus.loader import Document, parse_text
from guideline.corpus.model import Corpus, add_document, file_kind, named_ids
from guideline.corpus.project import YAML_SUFFIXES, Project, display_path
from guideline.errors import UsageError
from guideline.findings import Finding

if TYPE_CHECKING:
    from guideline.engine.pipeline import ValidationResult

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


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"cannot run git: {exc}", hint="--changed-since needs git installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def _resolve(root: Path, rev: str) -> tuple[Path, str]:
    try:
        top = _git(root, "rev-parse", "--show-toplevel").decode().strip()
    except UsageError:
        raise UsageError(f"{root} is not in a git repository",
                         hint="--changed-since compares with a git revision; run a full validate instead") from None
    try:
        if rev.startswith("-"):
            raise UsageError(rev)
        sha = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except UsageError:
        raise UsageError(f"unknown revision '{rev}'",
                         hint="name a commit, branch or tag, e.g. --changed-since origin/main "
                              "(in a shallow CI clone, fetch it first)") from None
    return Path(top), sha


def changed_paths(root: Path, rev: str) -> tuple[str, dict[Path, bytes | None]]:
    """The commit rev names, and every file changed since it (committed, staged, unstaged or untracked) with
    its content at that commit (None when it did not exist then)."""
    top, sha = _resolve(root, rev)
    names = _git(top, "diff", "--name-only", "-z", "--no-renames", sha, "--").split(b"\0")
    names += _git(top, "ls-files", "--others", "--exclude-standard", "-z").split(b"\0")
    rels = sorted({n.decode("utf-8", "surrogateescape") for n in names if n})
    rels = [r for r in rels if r.endswith(YAML_SUFFIXES)]
    old = _blobs(top, sha, rels)
    return sha, {top / rel: old.get(rel) for rel in rels}


def _blobs(top: Path, sha: str, rels: list[str]) -> dict[str, bytes]:
    """Contents at the commit, read through one `git cat-file --batch`."""
    if not rels:
        return {}
    out = _git(top, "cat-file", "--batch", stdin="".join(f"{sha}:{rel}\n" for rel in rels).encode())
    found: dict[str, bytes] = {}
    at = 0
    for rel in rels:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[rel] = out[at:at + size]
            at += size + 1
    return found


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
    _, files = changed_paths(project.root, rev)
    change = Change()
    real_root = project.root.resolve()
    corpus_dir = project.data_dir.absolute()
    pairs: list[tuple[str, bytes | None, bytes | None]] = []
    for real, old_raw in files.items():
        # git names files by their real path; findings by the path the project was opened with.
        path = project.root.absolute() / real.relative_to(real_root) if real.is_relative_to(real_root) else real
        if not path.is_relative_to(corpus_dir):
            continue
        try:
            new_raw: bytes | None = path.read_bytes()
        except OSError:
            new_raw = None
        pairs.append((display_path(path), old_raw, new_raw))
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


def only_affected(result: ValidationResult, change: Change) -> ValidationResult:
    """The result with only the findings that the change can affect."""
    if change.everything:
        return result
    links = result.links if result.links is not None else record_links(result.corpus)
    return replace(result, findings=filter_findings(result.findings, change, links))


def filter_findings(findings: Iterable[Finding], change: Change, links: dict[str, list[str]]) -> list[Finding]:
    ids = affected(change, links)
    return [f for f in findings if touches(f, change, ids)]
