"""Throwaway guideline projects in real git repositories, for the diff report's tests.

Data files are written here (not copied from guidelines/) and commits carry fixed authors and dates, so
commit ids, and with them the golden reports, do not change when the shipped corpus does.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli
from helpers.diffs import GitProject, standard_corpus


def test_fixture_project_validates_without_structure_errors(gitproject: GitProject) -> None:
    standard_corpus(gitproject)
    gitproject.commit("base")
    result = run_cli("validate", "--format", "json", cwd=gitproject.root)
    report = json.loads(result.stdout)
    structural = [f for f in report["findings"]
                  if f["rule"][:3] in ("YML", "SCH", "ID0", "TOP", "VOC", "GRD", "FIL")]
    assert structural == []


def test_commits_are_reproducible(tmp_path: Path) -> None:
    shas = []
    for name in ("one", "two"):
        project = GitProject(tmp_path / name)
        standard_corpus(project)
        shas.append(project.commit("base"))
        project.close()
    assert shas[0] == shas[1]

