"""Shared fixtures: a throwaway project copy, and the real `guideline` entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ["GX_ANALYTICS_ENABLED"] = "false"

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATA_FILES = ("vocabulary.yaml", "grading-schemes.yaml", "policy.yaml")
# Checks that depend on the date (currency, future dates) must not change with the calendar.
FIXED_TODAY = "2026-11-25"
GUIDELINE = Path(sys.executable).parent / "guideline"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project (data files only) in a temp folder."""
    return make_project(tmp_path / "project")


@pytest.fixture
def shipped_project(tmp_path: Path) -> Path:
    """A copy of the whole shipped corpus in a temp folder."""
    return make_project(tmp_path / "project", with_corpus=True)


def run_guideline(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
                  input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user would."""
    full_env = {**os.environ, "GUIDELINE_TODAY": FIXED_TODAY, "GX_ANALYTICS_ENABLED": "false", "NO_COLOR": "1"}
    full_env.pop("CI", None)
    if env:
        full_env.update(env)
    return subprocess.run([str(GUIDELINE), *map(str, args)], cwd=cwd, env=full_env, text=True,
                          capture_output=True, input=input_text, timeout=600, check=False)


@pytest.fixture
def guideline() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_guideline


def validate_json(project_dir: Path, *paths: str | Path, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    result = run_guideline("validate", *paths, "--format", "json", *extra, cwd=project_dir)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def rule_hits(report: dict[str, Any], rule: str) -> list[tuple[str, int, str | None]]:
    """(file, line, record) of each finding of one rule: what tests assert on."""
    return [(f["file"], f["line"], f["record"]) for f in report["findings"] if f["rule"] == rule]
