"""Who wrote what, from git: line authorship (blame), file histories, ancestry. Nothing here decides policy.

Built for large corpora: one `git log` and one `git ls-tree` cover a whole folder (`preload`), ancestry is
answered from one `rev-list` per commit asked about, blame runs once per file, and blobs come through the
repository's persistent `cat-file --batch`. Everything is cached for the life of the History object.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import git

ZERO_SHA = "0" * 40
_SHA_LINE_RE = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)")
_EMAIL_RE = re.compile(r"<([^<>]*)>")
_RECORD_SEP = "\x1e"
_FIELD_SEP = "\x1f"
_TRAILER_SEP = "\x1d"
_LOG_FORMAT = _RECORD_SEP + _FIELD_SEP.join(
    ("%H", "%ae", f"%(trailers:key=Co-authored-by,valueonly,separator=%x{ord(_TRAILER_SEP):02x})"))


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    coauthors: tuple[str, ...] = ()

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

    def __init__(self, repo: git.Repo, problem: str | None = None) -> None:
        self.repo = repo
        self.problem = problem
        self.workdir = Path(self.repo.working_tree_dir or ".").resolve()
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
        import git

        try:
            repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None
        if repo.bare or repo.working_tree_dir is None:
            return None
        problem = None
        if (Path(repo.git_dir) / "shallow").exists():
            problem = "the clone is shallow, so authorship history is incomplete (fetch with fetch-depth: 0)"
        elif not repo.head.is_valid():
            problem = "the repository has no commits yet"
        return cls(repo, problem)

    def close(self) -> None:
        """Stop the git processes the repository keeps for reading objects."""
        self.repo.close()

    def relative(self, path: Path) -> str:
        key = str(path)
        if key not in self._relative:
            self._relative[key] = path.resolve().relative_to(self.workdir).as_posix()
        return self._relative[key]

    def identity(self) -> str | None:
        """The email git would record as author of a commit made now (GIT_AUTHOR_EMAIL, then user.email)."""
        import git

        if not self._identity[0]:
            email: str | None = None
            try:
                found = _EMAIL_RE.search(self.repo.git.var("GIT_AUTHOR_IDENT"))
                email = normalise_email(found.group(1)) if found and found.group(1).strip() else None
            except git.GitCommandError:
                email = None
            self._identity = (True, email)
        return self._identity[1]

    def preload(self, folder: Path) -> None:
        """History and HEAD blobs of every file under the folder, with one `git log` and one `git ls-tree`."""
        import git

        key = self.relative(folder)
        if any(key == done or key.startswith(done + "/") for done in self._preloaded):
            return
        try:
            log = self.repo.git.log("--no-merges", "--raw", "--no-abbrev", "--no-renames", f"--format={_LOG_FORMAT}",
                                    "HEAD", "--", key)
            tree = self.repo.git.ls_tree("-r", "-z", "HEAD", "--", key)
        except git.GitCommandError:
            return
        grouped: dict[str, list[FileChange]] = defaultdict(list)
        for name, change in _parse_log(log):
            grouped[name].append(change)
        self._changes.update(grouped)
        for entry in tree.split("\0"):
            meta, _, name = entry.partition("\t")
            parts = meta.split()
            if name and len(parts) == 3 and parts[1] == "blob":
                self._head_blob[name] = parts[2]
        self._preloaded.append(key)

    def _covered(self, key: str) -> bool:
        return any(key.startswith(done + "/") for done in self._preloaded)

    def changes(self, path: Path) -> list[FileChange]:
        """Non-merge commits reachable from HEAD that changed the file, newest first."""
        import git

        key = self.relative(path)
        if key not in self._changes:
            if self._covered(key):
                return []
            try:
                output = self.repo.git.log("--no-merges", "--raw", "--no-abbrev", "--no-renames",
                                           f"--format={_LOG_FORMAT}", "HEAD", "--", key)
            except git.GitCommandError:
                output = ""
            self._changes[key] = [change for name, change in _parse_log(output) if name == key]
        return self._changes[key]

    def first_commit(self, path: Path) -> str | None:
        """The oldest commit that changed the file (None when it never was committed)."""
        changes = self.changes(path)
        return changes[-1].commit.sha if changes else None

    def head_blob(self, path: Path) -> str | None:
        import git

        key = self.relative(path)
        if key not in self._head_blob:
            if self._covered(key):
                return None
            try:
                self._head_blob[key] = self.repo.git.rev_parse(f"HEAD:{key}")
            except git.GitCommandError:
                self._head_blob[key] = None
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
            self._blobs[sha] = self.repo.odb.stream(bytes.fromhex(sha)).read()
        return self._blobs[sha]

    def blame(self, path: Path) -> list[str | None]:
        """Commit of each line of the file as it is on disk (index 0 is line 1); None for uncommitted lines."""
        import git

        key = self.relative(path)
        if key not in self._blame:
            lines: dict[int, str | None] = {}
            try:
                output = self.repo.git.blame("--porcelain", "--", key)
            except git.GitCommandError:
                output = ""
            for line in output.splitlines():
                match = _SHA_LINE_RE.match(line)
                if match:
                    sha = match.group(1)
                    lines[int(match.group(2))] = None if sha == ZERO_SHA else sha
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
            commit = self.repo.commit(sha)
            self._commits[sha] = Commit(sha, normalise_email(commit.author.email or ""),
                                        tuple(_coauthors(str(commit.message))))
        return self._commits[sha]

    def descendants(self, sha: str) -> frozenset[str]:
        """Commits reachable from HEAD that have `sha` as a strict ancestor (one rev-list per commit asked)."""
        import git

        if sha not in self._descendants:
            try:
                output = self.repo.git.rev_list("--ancestry-path", f"{sha}..HEAD")
            except git.GitCommandError:
                output = ""
            self._descendants[sha] = frozenset(output.split())
        return self._descendants[sha]

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        key = (ancestor, descendant)
        if key not in self._ancestor:
            self._ancestor[key] = bool(self.repo.is_ancestor(ancestor, descendant))  # type: ignore[arg-type]
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


def _parse_log(output: str) -> Iterator[tuple[str, FileChange]]:
    """(path, change) for every file of every commit in `git log --raw` output in _LOG_FORMAT."""
    for chunk in output.split(_RECORD_SEP):
        if not chunk.strip():
            continue
        header, _, rest = chunk.partition("\n")
        fields = header.split(_FIELD_SEP)
        if len(fields) < 2:
            continue
        coauthors = tuple(normalise_email(found.group(1)) for value in fields[2:] for part in value.split(_TRAILER_SEP)
                          for found in [_EMAIL_RE.search(part)] if found)
        commit = Commit(fields[0], normalise_email(fields[1]), coauthors)
        for line in rest.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, name = line.partition("\t")
            parts = meta.split()
            if len(parts) < 4:
                continue
            before, after = parts[2], parts[3]
            yield name, FileChange(commit, None if before == ZERO_SHA else before, None if after == ZERO_SHA else after)
