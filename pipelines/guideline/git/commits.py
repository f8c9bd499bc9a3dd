"""Commits and trees by revision: the trust root, the commits that changed governed files, files at a commit,
and signed commits of decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from guideline.git.runner import GitError, commit_of, run_git


def resolve_commit(root: Path, spec: str) -> str:
    sha = commit_of(root, spec)
    if sha is None:
        raise GitError(f"unknown revision '{spec}'",
                       hint="name a commit, branch or tag for --trust-root (a shallow clone must fetch it)")
    return sha


def root_commit(root: Path) -> str:
    """The repository's first commit: the default trust root."""
    roots = run_git(root, "rev-list", "--max-parents=0", "--topo-order", "--reverse", "HEAD").text.split()
    if not roots:
        raise GitError("the repository has no commits", hint="commit the corpus first")
    return roots[0]


def pathspecs(folder: str, excluded: Sequence[str]) -> list[str]:
    return [folder, *(f":(exclude){folder}/{name}" for name in excluded)]


def mainline_commits(root: Path, start: str, specs: Sequence[str]) -> list[str]:
    """First-parent commits after start, reachable from HEAD, that changed the paths: oldest first."""
    out = run_git(root, "rev-list", "--first-parent", "--reverse", f"{start}..HEAD", "--", *specs)
    return out.text.split()


def commits_between(root: Path, since: str, upto: str, specs: Sequence[str]) -> list[str]:
    """Every commit in since..upto, merges included, that changed the paths (against any parent)."""
    out = run_git(root, "rev-list", "--full-history", "--topo-order", "--reverse", f"{since}..{upto}", "--", *specs)
    merges = run_git(root, "rev-list", "--merges", f"{since}..{upto}").text.split()
    found = out.text.split()
    return found + [sha for sha in merges if sha not in found and _merge_changes(root, sha, specs)]


def _merge_changes(root: Path, sha: str, specs: Sequence[str]) -> bool:
    """Whether a merge's result differs, in the paths, from every one of its parents."""
    parents = run_git(root, "rev-list", "--parents", "-n", "1", sha).text.split()[1:]
    return all(run_git(root, "diff", "--name-only", parent, sha, "--", *specs).text for parent in parents)


def tree_files(root: Path, rev: str, folder: str) -> dict[str, str]:
    """Blob id of every file under folder at rev, named relative to folder."""
    out = run_git(root, "ls-tree", "-r", "-z", rev, "--", folder).stdout.decode("utf-8", "surrogateescape")
    prefix = folder.rstrip("/") + "/"
    files: dict[str, str] = {}
    for entry in out.split("\0"):
        meta, _, name = entry.partition("\t")
        parts = meta.split()
        if name.startswith(prefix) and len(parts) == 3 and parts[1] == "blob":
            files[name.removeprefix(prefix)] = parts[2]
    return files


def read_blobs(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """Contents of blobs by id, through one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = run_git(root, "cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode()).stdout
    blobs: dict[str, bytes] = {}
    at = 0
    for sha in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3:
            raise GitError(f"git cannot read object {sha[:10]}", hint="the repository may be damaged: run git fsck")
        size = int(header[2])
        blobs[sha] = out[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return blobs


def commit_signed(root: Path, paths: Sequence[Path], message: str, trailers: Mapping[str, str] = {}) -> str:
    """Commit exactly these paths, signed with the configured key (git commit -S); returns the new commit."""
    body = message + ("\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items()) if trailers else "")
    names = [str(p) for p in paths]
    run_git(root, "add", "--", *names)
    run_git(root, "commit", "-q", "-S", "-m", body, "--only", "--", *names)
    return run_git(root, "rev-parse", "HEAD").text
