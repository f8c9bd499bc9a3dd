"""Revisions of a project in git: resolve them, list what changed between two, read blobs, materialise one.

Changed files come from one tree diff (`git diff-tree -r -z`, or `git diff` against the working tree plus
untracked files), and their contents from the repository's object store through one persistent
`git cat-file --batch` process, so the cost follows the size of the change, not of the corpus.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from guideline.errors import UsageError
from guideline.git.objects import ObjectReader
from guideline.git.runner import (
    NULL_SHA,
    UNSHALLOW_HINT,
    GitError,
    ShallowCloneError,
    commit_of,
    is_bare,
    is_shallow,
    raw_entries,
    run_git,
    work_tree,
)

WORKTREE = "WORKTREE"
PUBLISHED_TAGS = "refs/tags/published/"
MAIN_BRANCHES = ("main", "origin/main", "master", "origin/master")


class NoWorkTree(UsageError):
    """The project is in no git work tree: in no repository, or in a bare one."""


@dataclass(frozen=True)
class Revision:
    """One side of a comparison: a commit, or the working tree on top of HEAD."""

    spec: str
    commit: str
    date: date
    subject: str
    worktree: bool = False
    how: str = ""

    @property
    def short(self) -> str:
        return "worktree" if self.worktree else self.commit[:7]

    @property
    def label(self) -> str:
        if self.worktree:
            return "working tree"
        return self.spec if self.spec and self.spec != self.commit else self.commit[:7]


@dataclass(frozen=True)
class FileChange:
    """A file under the corpus folder that differs; paths are relative to the project root (POSIX)."""

    path: str
    status: str
    base_blob: str | None
    head_blob: str | None


class Repository:
    """A git repository holding a guideline project (the project may sit in a sub-folder)."""

    def __init__(self, project_root: Path) -> None:
        top = work_tree(project_root)
        if top is None:
            if is_bare(project_root):
                raise NoWorkTree(f"{project_root} is a bare repository", hint="run guideline diff in a working clone")
            raise NoWorkTree(f"{project_root} is not inside a git repository",
                             hint="guideline diff compares git revisions: run it in a clone of the guideline "
                                  "repository (git clone URL), or use 'guideline validate' for a folder")
        self.top = top
        self.project_root = project_root.resolve()
        # The project's path inside the repository: '' when the project is the repository's top folder.
        self.prefix = self.project_root.relative_to(self.top).as_posix() if self.project_root != self.top else ""
        self.objects = ObjectReader(self.top)

    def close(self) -> None:
        self.objects.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _git(self, *args: str) -> bytes:
        return run_git(self.top, *args).stdout

    def _text(self, *args: str) -> str:
        return run_git(self.top, *args).text

    @property
    def shallow(self) -> bool:
        return is_shallow(self.top)

    def _revision(self, spec: str, sha: str, how: str = "") -> Revision:
        commit = self.objects.commit(sha)
        when = datetime.fromtimestamp(commit.committed, tz=UTC).date()
        return Revision(spec, sha, when, commit.summary, False, how)

    def resolve(self, spec: str) -> Revision:
        """A commit named by a branch, tag, sha or expression such as HEAD~2; exit 2 when it does not exist."""
        if spec == WORKTREE:
            return self.worktree()
        sha = commit_of(self.top, spec) if spec and not spec.startswith("-") else None
        if sha is None:
            if self.shallow:
                raise ShallowCloneError(f"revision '{spec}' is not in this repository", hint=UNSHALLOW_HINT)
            raise UsageError(f"unknown revision '{spec}'",
                             hint="name a branch, tag or commit that exists here (git log --oneline, git tag); "
                                  "fetch it first if it only exists on the server")
        return self._revision(spec, sha)

    def worktree(self) -> Revision:
        """The working tree (with uncommitted and untracked files) on top of HEAD."""
        sha = commit_of(self.top, "HEAD")
        if sha is None:
            raise UsageError("the repository has no commit yet", hint="commit the corpus first")
        head = self._revision("HEAD", sha)
        return Revision(WORKTREE, sha, head.date, head.subject, True)

    def published_tags(self) -> list[tuple[str, str]]:
        """(tag name, commit) of every published/* tag whose commit is here, newest first."""
        raw = self._text("for-each-ref", "--sort=-refname", "--sort=-creatordate",
                         "--format=%(refname:short)", PUBLISHED_TAGS)
        tags: list[tuple[str, str]] = []
        for name in raw.splitlines():
            sha = commit_of(self.top, f"refs/tags/{name}")
            if sha:
                tags.append((name, sha))
        return tags

    def default_base(self, head: Revision) -> Revision:
        """The newest published/* tag; else the merge base with main; else the head commit's first parent."""
        tags = self.published_tags()
        if tags:
            name, sha = tags[0]
            return self._revision(name, sha, "newest published/* tag")
        for branch in MAIN_BRANCHES:
            main = commit_of(self.top, f"refs/heads/{branch}") or commit_of(self.top, f"refs/remotes/{branch}")
            if main is None:
                continue
            try:
                merge_base = self._text("merge-base", main, head.commit)
            except GitError:
                if self.shallow:
                    raise ShallowCloneError(f"cannot find where {head.label} branched off {branch}",
                                            hint=UNSHALLOW_HINT) from None
                continue
            if merge_base and merge_base != head.commit:
                return self._revision(merge_base, merge_base, f"merge base with {branch}")
            break
        parent = commit_of(self.top, f"{head.commit}^1")
        if parent is None:
            if self.shallow:
                raise ShallowCloneError(f"the parent of {head.commit[:7]} is not in this repository",
                                        hint=UNSHALLOW_HINT)
            raise UsageError(f"no base revision to compare {head.label} with: no published/* tag, and "
                             f"{head.commit[:7]} has no parent", hint="pass --base REV")
        return self._revision(parent, parent, f"first parent of {head.commit[:7]}")

    def _repo_path(self, project_path: str) -> str:
        return f"{self.prefix}/{project_path}" if self.prefix else project_path

    def _project_path(self, repo_path: str) -> str | None:
        if not self.prefix:
            return repo_path
        head, sep, rest = repo_path.partition(self.prefix + "/")
        return rest if sep and not head else None

    def changed_files(self, base: Revision, head: Revision, folder: str) -> list[FileChange]:
        """Files under `folder` (project-relative) that differ between base and head, sorted by path."""
        pathspec = self._repo_path(folder)
        if head.worktree:
            raw = self._git("diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff", base.commit,
                            "--", pathspec)
        else:
            raw = self._git("diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", base.commit, head.commit,
                            "--", pathspec)
        changes: dict[str, FileChange] = {}
        for meta, path in raw_entries(raw):
            fields = meta.split()
            old_sha, new_sha, status = fields[2], fields[3], fields[4][:1]
            project_path = self._project_path(path)
            if project_path is None:
                continue
            kind = {"A": "added", "D": "removed"}.get(status, "modified")
            changes[project_path] = FileChange(project_path, kind, None if old_sha == NULL_SHA else old_sha,
                                               None if head.worktree or new_sha == NULL_SHA else new_sha)
        if head.worktree:
            untracked = self._git("ls-files", "--others", "--exclude-standard", "-z", "--", pathspec)
            for name in untracked.split(b"\0"):
                project_path = self._project_path(name.decode("utf-8", "surrogateescape")) if name else None
                if project_path is None:
                    continue
                previous = changes.get(project_path)
                base_blob = previous.base_blob if previous else None
                changes[project_path] = FileChange(project_path, "modified" if base_blob else "added", base_blob, None)
            for path, change in list(changes.items()):
                if change.status != "removed" and not (self.project_root / path).is_file():
                    changes[path] = FileChange(path, "removed", change.base_blob, None)
        return [changes[p] for p in sorted(changes)]

    def read_blobs(self, shas: Sequence[str]) -> dict[str, bytes]:
        """Contents of blobs by sha, through the repository's one persistent `git cat-file --batch`."""
        return {sha: self.objects.blob(sha) for sha in dict.fromkeys(shas)}

    def read_worktree(self, path: str) -> bytes | None:
        try:
            return (self.project_root / path).read_bytes()
        except OSError:
            return None

    @contextmanager
    def materialised(self, revision: Revision, scratch: Path) -> Iterator[Path]:
        """The project as it was at a commit, in a scratch clone that shares this repository's objects.

        A clone rather than an archive, so that checks which read git history see that revision's history;
        a clone rather than `git worktree add`, so that nothing is written into the user's repository."""
        if revision.worktree:
            yield self.project_root
            return
        target = scratch / f"rev-{revision.commit[:12]}"
        try:
            run_git(self.top, "clone", "--quiet", "--shared", "--no-checkout", str(self.top), str(target))
            run_git(target, "-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false", "checkout",
                    "--quiet", "--detach", revision.commit)
        except GitError as exc:
            raise GitError(f"cannot check out {revision.label} into a scratch folder: {exc}",
                           hint="check disk space and git access") from None
        yield target / self.prefix if self.prefix else target

