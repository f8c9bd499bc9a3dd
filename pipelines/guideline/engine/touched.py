"""`validate --changed-files PATH...`: the files a commit touches, as a change (engine.changes.Change).

pre-commit passes the staged files' names. Every record in them counts as edited, so a commit is blocked by
the findings of its own files and of the records they cite or that cite them, and not by errors elsewhere
that were on main before it; the corpus is still checked whole, so facts across files (citations, duplicate
ids, conflicts) are seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from guideline.corpus.loader import Document, read_bytes
from guideline.corpus.model import Corpus, add_document, file_kind, named_ids
from guideline.corpus.project import Project, collect_files
from guideline.engine.changes import RECORD_FILE_KINDS, Change, Parser, changed_versions
from guideline.errors import UsageError


def describe_files(project: Project, paths: Sequence[Path], parse: Parser) -> Change:
    """The change: the files' records now and, in a git repository, as committed at HEAD (a record removed
    from a file affects whatever cites it); files deleted since HEAD count too (pre-commit never passes them)."""
    files, missing = collect_files(list(paths), project.root)
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}",
                         hint="--changed-files names files that exist (pre-commit passes the staged ones)")
    committed = _committed(project)
    change = Change()
    versions: list[tuple[bytes, str]] = []
    for path in files:
        display = project.display(path)
        raw = read_bytes(path, display, max_bytes=project.policy.max_file_bytes, root=project.root)
        old = committed.get(display, (None, None))[0]
        versions.extend((content, display) for content in (raw, old) if isinstance(content, bytes))
        change.files.add(display)
    for display, (old, new) in committed.items():
        if new is None and old is not None:
            versions.append((old, display))
            change.files.add(display)
    for doc in parse(versions):
        if _reaches_everything(doc):
            change.everything = True
            return change
        corpus = Corpus()
        add_document(corpus, doc)
        for record in corpus.records():
            change.records.add(record.id)
            change.named.update(named_ids(record.data))
    return change


def _committed(project: Project) -> dict[str, tuple[bytes | None, bytes | None]]:
    """Path as shown -> (content at HEAD, content now) of each corpus file changed since HEAD; nothing outside
    git or before the first commit."""
    try:
        return {display: (old, new) for display, old, new in changed_versions(project, "HEAD")}
    except UsageError:
        return {}


def _reaches_everything(doc: Document) -> bool:
    """A data file (vocabulary, policy, roster...) can change any record's findings."""
    kind = file_kind(doc.data)
    return kind is not None and kind.name not in RECORD_FILE_KINDS
