"""The one way into git: run a command in a folder given as a parameter, and the one error every failure becomes.

Arguments go as an argv list, never through a shell; paths come back NUL-separated wherever git offers it. git's
messages are asked for in English (LC_ALL=C, as gitpython did), so that errors read the same on every machine and
the few that mean "no repository here" can be told apart.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from guideline.errors import ConfigError

TIMEOUT = 600.0
NULL_SHA = "0" * 40
UNSHALLOW_HINT = ("this is a shallow clone without that history: run 'git fetch --unshallow' (and 'git fetch "
                  "--tags' for published/* tags); in GitHub Actions give actions/checkout 'fetch-depth: 0'")
_ENV = {"LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1"}
# Everything besides HEAD that changes who git says the user is, for cache keys.
_IDENTITY_ENV = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_DIR",
                 "GIT_WORK_TREE")
_NO_REPOSITORY = (b"not a git repository", b"must be run in a work tree")


class GitError(ConfigError):
    """git failed: not installed, a damaged or unreadable repository, a command that did not finish."""


class ShallowCloneError(GitError):
    """The revision exists upstream but this clone was fetched without it."""


@dataclass(frozen=True)
class GitOutput:
    """A finished git command."""

    args: tuple[str, ...]
    cwd: Path
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "surrogateescape").strip()

    def error(self) -> GitError:
        """The command's failure in git's own words: its first line as the message, the rest as the hint."""
        detail = [line.strip() for line in self.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        first = detail[0].removeprefix("fatal: ").removeprefix("error: ") if detail else f"exit code {self.code}"
        return GitError(f"git {_command(self.args)} failed in {self.cwd}: {first}",
                        hint=" ".join(detail[1:]) or "check that the repository is readable (git status)")


def _command(args: Sequence[str]) -> str:
    """The git subcommand among args, skipping `-c name=value` options before it."""
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] == "-c" else 1
    return args[index] if index < len(args) else "git"


def cannot_run(cwd: Path, exc: OSError) -> GitError:
    return GitError(f"cannot run git in {cwd}: {exc.strerror or exc}", hint="install git, and check that the folder exists")


def git_env() -> dict[str, str]:
    return {**os.environ, **_ENV}


def run_git(cwd: Path, *args: str, stdin: bytes | None = None, check: bool = True,
            timeout: float = TIMEOUT) -> GitOutput:
    """Run `git args` in cwd; a non-zero exit raises GitError unless check is False."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=git_env(),
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise GitError(f"git {_command(args)} did not finish within {timeout:g} s in {cwd}",
                       hint="check that the repository is on a local, responsive disk (git status)") from None
    except OSError as exc:
        raise cannot_run(cwd, exc) from None
    output = GitOutput(tuple(args), cwd, done.returncode, done.stdout, done.stderr)
    if check and output.code != 0:
        raise output.error()
    return output


def work_tree(path: Path) -> Path | None:
    """The top folder of the git work tree holding path; None when no repository holds it, or only a bare one."""
    if not path.is_dir():
        return None
    done = run_git(path, "rev-parse", "--show-toplevel", check=False)
    if done.code == 0:
        return Path(done.text).resolve()
    if any(words in done.stderr for words in _NO_REPOSITORY):
        return None
    raise done.error()


def is_bare(path: Path) -> bool:
    return path.is_dir() and run_git(path, "rev-parse", "--is-bare-repository", check=False).text == "true"


def is_shallow(top: Path) -> bool:
    return run_git(top, "rev-parse", "--is-shallow-repository").text == "true"


def commit_of(top: Path, spec: str) -> str | None:
    """The commit spec names; None when it names none here."""
    done = run_git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}", check=False)
    return (done.text or None) if done.code == 0 else None


def git_state(root: Path) -> str:
    """The commit checked out and who the user is to git, for cache keys: workflow checks read authorship from git."""
    try:
        head = run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False, timeout=30).text
        identity = run_git(root, "config", "--get-regexp", r"^user\.", check=False, timeout=30).text
    except GitError:
        return "no-git"
    env = "\x1f".join(f"{name}={os.environ.get(name, '')}" for name in _IDENTITY_ENV)
    return f"{head}\x1f{identity}\x1f{env}"


def raw_entries(raw: bytes) -> Iterator[tuple[str, str]]:
    """(':old-mode new-mode old-sha new-sha status', path) pairs of `--raw -z` output without renames; parts
    that are not a raw entry (such as a commit header of `git log`) are skipped."""
    parts = raw.split(b"\0")
    index = 0
    while index + 1 < len(parts):
        meta = parts[index].decode("ascii", "replace").strip()
        if not meta.startswith(":"):
            index += 1
            continue
        yield meta, parts[index + 1].decode("utf-8", "surrogateescape")
        index += 2
