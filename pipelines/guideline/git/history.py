"""Who wrote what, from git: line authorship (blame), file histories, ancestry. Nothing here decides policy.

Built for large corpora: one `git log` and one `git ls-tree` cover a whole folder (`preload`), ancestry is
answered from one `rev-list` per commit asked about, blame runs once per file, and blobs and commits come through
one persistent `cat-file --batch`. Everything is cached for the life of the History object. A git command that
fails raises GitError: a damaged repository is an error, never an empty history.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from guideline.git.objects import ObjectReader
from guideline.git.runner import NULL_SHA, commit_of, is_shallow, raw_entries, run_git, work_tree

_SHA_LINE_RE = re.compile(rb"^([0-9a-f]{40}) \d+ (\d+)", re.MULTILINE)
_EMAIL_RE = re.compile(r"<([^<>]*)>")
_RECORD_SEP = "\x1e"
_FIELD_SEP = "\x1f"
_TRAILER_SEP = "\x1d"
_LOG_FORMAT = _RECORD_SEP + _FIELD_SEP.join(
    ("%H", "%ae", "%P", f"%(trailers:key=Co-authored-by,valueonly,separator=%x{ord(_TRAILER_SEP):02x})"))


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    coauthors: tuple[str, ...] = ()
    parents: int = 1

    @property
    def merge(self) -> bool:
        return self.parents > 1

    @property
    def authors(self) -> tuple[str, ...]:
        return (self.author, *self.coauthors)


@dataclass(frozen=True)
class FileChange:
    """One commit's change to a file: the blob before (None when added) and after (None when deleted)."""

    commit: Commit
    before: str | None
    after: str | None


def normalise_email(email: str) -> str:
    return email.strip().strip("<>").strip().lower()


def blob_sha(data: bytes) -> str:
    """The id git gives these bytes as a blob, to tell an edited file from HEAD's without running git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class History:
    """Read-only queries on the git repository that holds the project."""

    def __init__(self, top: Path, problem: str | None = None) -> None:
        self.workdir = top
        self.problem = problem
        self.objects = ObjectReader(top)
        self._blame: dict[str, list[str | None]] = {}
        self._commits: dict[str, Commit] = {}
        self._ancestor: dict[tuple[str, str], bool] = {}
        self._descendants: dict[str, frozenset[str]] = {}
        self._changes: dict[str, list[FileChange]] = {}
        self._head_blob: dict[str, str | None] = {}
        self._preloaded: list[str] = []
        self._blobs: dict[str, bytes] = {}
        self._identity: tuple[bool, str | None] = (False, None)
        self._relative: dict[str, str] = {}
        self._modified: dict[str, bool] = {}

    @classmethod
    def open(cls, root: Path) -> History | None:
        """The repository containing root, or None when root is not inside a git work tree."""
        top = work_tree(root)
        if top is None:
            return None
        problem = None
        if is_shallow(top):
            problem = "the clone is shallow, so authorship history is incomplete (fetch with fetch-depth: 0)"
        elif commit_of(top, "HEAD") is None:
            problem = "the repository has no commits yet"
        return cls(top, problem)

    def close(self) -> None:
        """Stop the git process kept for reading objects."""
        self.objects.close()

    def relative(self, path: Path) -> str:
        key = str(path)
        if key not in self._relative:
            self._relative[key] = path.resolve().relative_to(self.workdir).as_posix()
        return self._relative[key]

    def identity(self) -> str | None:
        """The email git would record as author of a commit made now (GIT_AUTHOR_EMAIL, then user.email)."""
        if not self._identity[0]:
            done = run_git(self.workdir, "var", "GIT_AUTHOR_IDENT", check=False)
            found = _EMAIL_RE.search(done.text) if done.code == 0 else None
            self._identity = (True, normalise_email(found.group(1)) if found and found.group(1).strip() else None)
        return self._identity[1]

    def _log(self, key: str) -> bytes:
        # A merge is listed once per parent it differs from: a change made in the merge itself has an author too.
        return run_git(self.workdir, "log", "--diff-merges=separate", "--raw", "-z", "--no-abbrev", "--no-renames",
                       f"--format={_LOG_FORMAT}", "HEAD", "--", key).stdout

    def preload(self, folder: Path) -> None:
        """History and HEAD blobs of every file under the folder, with one `git log` and one `git ls-tree`."""
        key = self.relative(folder)
        if any(key == done or key.startswith(done + "/") for done in self._preloaded):
            return
        log = self._log(key)
        tree = run_git(self.workdir, "ls-tree", "-r", "-z", "HEAD", "--", key).stdout
        grouped: dict[str, list[FileChange]] = defaultdict(list)
        for name, change in _parse_log(log):
            grouped[name].append(change)
        self._changes.update(grouped)
        for entry in tree.split(b"\0"):
            meta, _, name = entry.decode("utf-8", "surrogateescape").partition("\t")
            parts = meta.split()
            if name and len(parts) == 3 and parts[1] == "blob":
                self._head_blob[name] = parts[2]
        self._preloaded.append(key)

    def _covered(self, key: str) -> bool:
        return any(key.startswith(done + "/") for done in self._preloaded)

    def changes(self, path: Path) -> list[FileChange]:
        """Commits reachable from HEAD that changed the file, newest first; a merge once per parent it differs from."""
        key = self.relative(path)
        if key not in self._changes:
            if self._covered(key):
                return []
            self._changes[key] = [change for name, change in _parse_log(self._log(key)) if name == key]
        return self._changes[key]

    def first_commit(self, path: Path) -> str | None:
        """The oldest commit that changed the file (None when it never was committed)."""
        changes = self.changes(path)
        return changes[-1].commit.sha if changes else None

    def head_blob(self, path: Path) -> str | None:
        key = self.relative(path)
        if key not in self._head_blob:
            if self._covered(key):
                return None
            done = run_git(self.workdir, "rev-parse", "--verify", "--quiet", f"HEAD:{key}", check=False)
            self._head_blob[key] = (done.text or None) if done.code == 0 else None
        return self._head_blob[key]

    def modified(self, path: Path) -> bool:
        """Whether the file on disk differs from HEAD's (or is not in HEAD)."""
        key = self.relative(path)
        if key not in self._modified:
            head = self.head_blob(path)
            try:
                self._modified[key] = head is None or blob_sha(path.read_bytes()) != head
            except OSError:
                self._modified[key] = head is not None
        return self._modified[key]

    def read_blob(self, sha: str) -> bytes:
        if sha not in self._blobs:
            self._blobs[sha] = self.objects.blob(sha)
        return self._blobs[sha]

    def blame(self, path: Path) -> list[str | None]:
        """Commit of each line of the file as it is on disk (index 0 is line 1); None for uncommitted lines."""
        key = self.relative(path)
        if key not in self._blame:
            # A file that is not in HEAD has no committed line, and git blame would refuse it.
            tracked = path.is_file() and self.head_blob(path) is not None
            output = run_git(self.workdir, "blame", "--porcelain", "--", key).stdout if tracked else b""
            lines: dict[int, str | None] = {}
            for match in _SHA_LINE_RE.finditer(output):
                sha = match.group(1).decode("ascii")
                lines[int(match.group(2))] = None if sha == NULL_SHA else sha
            total = max(lines, default=0)
            if not lines:
                total = len(path.read_bytes().splitlines()) if path.is_file() else 0
            self._blame[key] = [lines.get(number) for number in range(1, total + 1)]
        return self._blame[key]

    def line_commits(self, path: Path, line_numbers: set[int]) -> list[str | None]:
        """Commits of the given 1-based lines (None for uncommitted ones); lines past the end are skipped."""
        blame = self.blame(path)
        return [blame[n - 1] for n in sorted(line_numbers) if 0 < n <= len(blame)]

    def commit(self, sha: str) -> Commit:
        if sha not in self._commits:
            commit = self.objects.commit(sha)
            self._commits[sha] = Commit(sha, normalise_email(commit.author_email), tuple(_coauthors(commit.message)))
        return self._commits[sha]

    def descendants(self, sha: str) -> frozenset[str]:
        """Commits reachable from HEAD that have `sha` as a strict ancestor (one rev-list per commit asked)."""
        if sha not in self._descendants:
            output = run_git(self.workdir, "rev-list", "--ancestry-path", f"{sha}..HEAD").text
            self._descendants[sha] = frozenset(output.split())
        return self._descendants[sha]

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        key = (ancestor, descendant)
        if key not in self._ancestor:
            done = run_git(self.workdir, "merge-base", "--is-ancestor", ancestor, descendant, check=False)
            if done.code not in (0, 1):
                raise done.error()
            self._ancestor[key] = done.code == 0
        return self._ancestor[key]

    def newest(self, shas: list[str]) -> str:
        """The commit among shas that every other one is an ancestor of (the latest on this line of history)."""
        best = shas[0]
        for sha in shas[1:]:
            if sha != best and self.is_ancestor(best, sha):
                best = sha
        return best


def _coauthors(message: str) -> Iterator[str]:
    for line in message.splitlines():
        if line.lower().startswith("co-authored-by:"):
            found = _EMAIL_RE.search(line)
            if found:
                yield normalise_email(found.group(1))


def _parse_log(output: bytes) -> Iterator[tuple[str, FileChange]]:
    """(path, change) for every file of every commit in `git log --raw -z` output in _LOG_FORMAT."""
    for chunk in output.split(_RECORD_SEP.encode()):
        header, sep, rest = chunk.partition(b"\0")
        fields = header.decode("utf-8", "replace").split(_FIELD_SEP)
        if not sep or len(fields) < 3:
            continue
        coauthors = tuple(normalise_email(found.group(1)) for value in fields[3:] for part in value.split(_TRAILER_SEP)
                          for found in [_EMAIL_RE.search(part)] if found)
        commit = Commit(fields[0], normalise_email(fields[1]), coauthors, max(1, len(fields[2].split())))
        for meta, name in raw_entries(rest):
            parts = meta.split()
            if len(parts) < 4:
                continue
            before, after = parts[2], parts[3]
            yield name, FileChange(commit, None if before == NULL_SHA else before, None if after == NULL_SHA else after)
