"""Projects made of the fixture topics (tests/fixtures/topics), and finding a record's lines in their text."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from guideline.checks import Context
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from guideline.findings import Finding

from helpers import FIXTURES, REPO_ROOT, make_project

TOPICS = FIXTURES / "topics"

SHIPPED = "guidelines/topics/osteoporotic-spine-fracture.yaml"

TODAY = date(2026, 11, 25)


def fixture_project(target: Path, *topics: str) -> Path:
    root = make_project(target)
    shutil.copy(REPO_ROOT / "guidelines" / "paradigms.yaml", root / "guidelines" / "paradigms.yaml")
    for topic in topics:
        shutil.copytree(TOPICS / topic, root / "guidelines" / "topics" / topic)
    return root


def line_of(path: Path, record: str, *fields: str | int) -> int:
    """1-based line of a record's field, found by reading the text (not through the loader under test).

    A string is the next key of that name; an integer n is the n-th list item that follows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(n for n, text in enumerate(lines) if text.strip() == f"- id: {record}")
    for name in fields:
        if isinstance(name, int):
            items = [n for n in range(at + 1, len(lines)) if lines[n].lstrip().startswith("- ")]
            depth = len(lines[items[0]]) - len(lines[items[0]].lstrip())
            at = [n for n in items if len(lines[n]) - len(lines[n].lstrip()) == depth][name]
        else:
            at = next(n for n in range(at, len(lines))
                      if lines[n].lstrip().removeprefix("- ").startswith(f"{name}:"))
    return at + 1


def run_checks(root: Path, checks: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(root)
    project = load_project(root)
    ctx = Context(load_corpus([root / "guidelines"], project), project, TODAY)
    return sorted((f for check in checks for f in check.run(ctx)), key=Finding.sort_key)
