"""Fixtures only; what they are made of (and what tests share besides) is in helpers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import REPO_ROOT, GitRepo, Result, git_project, make_project, run_cli, run_installed
from helpers.diffs import GitProject
from helpers.workflow import EDITOR

os.environ["GX_ANALYTICS_ENABLED"] = "false"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project (data files only) in a temp folder."""
    return make_project(tmp_path / "project")


@pytest.fixture
def shipped_project(tmp_path: Path) -> Path:
    """A copy of the whole shipped corpus in a temp folder."""
    return make_project(tmp_path / "project", with_corpus=True)


@pytest.fixture
def git_repo(tmp_path: Path) -> Iterator[GitRepo]:
    """The shipped data files committed in a new git repository whose config names the editor."""
    repo = git_project(tmp_path / "project", identity=EDITOR)
    yield repo
    repo.close()


@pytest.fixture
def gitproject(tmp_path: Path) -> Iterator[GitProject]:
    """The diff tests' project: their own data files, fixed author and dates (see helpers.diffs)."""
    project = GitProject(tmp_path / "repo")
    yield project
    project.close()


@pytest.fixture
def guideline() -> Callable[..., Result]:
    """`guideline` run in this process: guideline(*args, cwd=..., env=...)."""
    return run_cli


@pytest.fixture
def installed_guideline() -> Callable[..., Result]:
    """The installed console script in its own process, as users run it."""
    return run_installed
