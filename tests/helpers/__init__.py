"""What tests share: project folders, throwaway git repositories, and two ways to run `guideline`.

`run_cli` calls the command in this process (most tests); `run_installed` starts the installed console
script, which is what users run (kept for --help, exit codes, signals and parallel workers).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import git

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
DATA_FILES = ("vocabulary.yaml", "grading-schemes.yaml", "policy.yaml")
# Checks that depend on the date (currency, future dates) must not change with the calendar.
FIXED_TODAY = "2026-11-25"
GUIDELINE = Path(sys.executable).parent / "guideline"
# Every run sees these, as a CI job without a terminal would; CI itself is removed (it changes progress output).
RUN_ENV = {"GUIDELINE_TODAY": FIXED_TODAY, "GX_ANALYTICS_ENABLED": "false", "NO_COLOR": "1"}

Result = subprocess.CompletedProcess[str]


def make_project(target: Path, *, with_corpus: bool = False) -> Path:
    """A project folder with the shipped data files (and optionally the shipped corpus)."""
    corpus = target / "guidelines"
    corpus.mkdir(parents=True, exist_ok=True)
    source = REPO_ROOT / "guidelines"
    if with_corpus:
        shutil.copytree(source, corpus, dirs_exist_ok=True)
    else:
        for name in DATA_FILES:
            shutil.copy(source / name, corpus / name)
    return target


def _run_env(env: Mapping[str, str] | None) -> dict[str, str]:
    full = {**os.environ, **RUN_ENV}
    full.pop("CI", None)
    full.update(env or {})
    return full


def run_installed(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None,
                  input_text: str | None = None) -> Result:
    """Run the installed console script in its own process, as a user would."""
    return subprocess.run([str(GUIDELINE), *map(str, args)], cwd=cwd, env=_run_env(env), text=True,
                          capture_output=True, input=input_text, timeout=600, check=False)


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    # The package and the git processes it starts read the environment in many places: swap it whole.
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(*args: str | Path, cwd: Path, env: Mapping[str, str] | None = None) -> Result:
    """Run `guideline` in this process with what run_installed would give it; the same result shape.

    The folder goes to main as cwd; while some commands still read the process's folder instead, the runner
    also enters it (undone on return)."""
    from guideline.cli import main

    argv = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    with (_environment(_run_env(env)), contextlib.chdir(cwd), contextlib.redirect_stdout(out),
          contextlib.redirect_stderr(err)):
        code = main(argv, cwd=cwd)
    return subprocess.CompletedProcess([str(GUIDELINE), *argv], code, out.getvalue(), err.getvalue())


def validate_json(project_dir: Path, *paths: str | Path, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    result = run_cli("validate", *paths, "--format", "json", *extra, cwd=project_dir)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def rule_hits(report: dict[str, Any], rule: str) -> list[tuple[str, int, str | None]]:
    """(file, line, record) of each finding of one rule: what tests assert on."""
    return [(f["file"], f["line"], f["record"]) for f in report["findings"] if f["rule"] == rule]


class GitRepo:
    """A throwaway project that is a real git repository.

    With an identity, user.name and user.email are set in the repository's config (commands that commit
    need them); without one, commits name their author and the repository knows nobody, as some tests need.
    A date (git's internal format, "1772442000 +0000") fixes author and commit dates, and so commit ids."""

    def __init__(self, root: Path, *, identity: git.Actor | None = None, date: str | None = None,
                 branch: str | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.identity = identity
        self.date = date
        self.repo = git.Repo.init(root, **({"initial_branch": branch} if branch else {}))
        if identity:
            with self.repo.config_writer() as config:
                config.set_value("user", "name", identity.name)
                config.set_value("user", "email", identity.email)
                config.set_value("commit", "gpgsign", "false")

    def git(self, *args: str) -> str:
        return self.repo.git.execute(["git", *args])  # type: ignore[call-overload, no-any-return]

    def write(self, path: str, text: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return target

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def commit(self, message: str, files: Mapping[str, str | bytes] | None = None, *,
               author: git.Actor | None = None, date: str | None = None, tag: str | None = None) -> str:
        """Write files (path -> text), stage everything, commit; the new commit's id."""
        for path, text in (files or {}).items():
            self.write(path, text)
        self.repo.git.add(A=True)
        who = author or self.identity
        when = date or self.date
        dates = {"author_date": when, "commit_date": when} if when else {}
        made = self.repo.index.commit(message, author=who, committer=who, **dates)
        if tag:
            # Publication tags are annotated, as `guideline publish` makes them.
            self.repo.create_tag(tag, ref=made, **({"message": f"{tag}\n"} if tag.startswith("published/") else {}))
        return made.hexsha

    def close(self) -> None:
        self.repo.close()


def git_project(target: Path, *, identity: git.Actor, with_corpus: bool = False) -> GitRepo:
    """The shipped data files (or the whole shipped corpus) committed in a new repository."""
    repo = GitRepo(make_project(target, with_corpus=with_corpus), identity=identity)
    repo.commit("The shipped data files" if not with_corpus else "The shipped corpus")
    return repo
