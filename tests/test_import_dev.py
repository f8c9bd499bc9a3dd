"""The development article (tests/fixtures/import/dev/): imported into a project with the shipped data files
and validated, as an editor would. Its defects and near misses were written for tuning the importer; the
evaluation set (tests/fixtures/evaluation/) is only measured."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT, run_cli, validate_json

DEV = Path(__file__).resolve().parent / "fixtures" / "import" / "dev" / "epilepsy.txt"
LEVELS = ("error", "warning")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    project = tmp_path_factory.mktemp("dev") / "project"
    (project / "guidelines").mkdir(parents=True)
    for data in (REPO_ROOT / "guidelines").glob("*.yaml"):
        shutil.copy(data, project / "guidelines" / data.name)
    article = Path(shutil.copy(DEV, project / DEV.name))
    result = run_cli("import", article, "--topic", "epilepsy", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    return project, json.loads(result.stdout), validate_json(project)


def hits(report: dict[str, Any]) -> set[tuple[str, int]]:
    return {(f["rule"], (f.get("source") or {}).get("line", f["line"])) for f in report["findings"]
            if f["severity"] in LEVELS}


def records(project: Path) -> dict[int, dict[str, Any]]:
    topic = yaml.safe_load((project / "guidelines" / "topics" / "epilepsy.yaml").read_text(encoding="utf-8"))
    return {rec["provenance"]["line"]: rec for rec in topic["recommendations"]}


def test_drugs_the_vocabulary_lacks_become_draft_concepts(imported: tuple[Path, dict[str, Any],
                                                                          dict[str, Any]]) -> None:
    project, _, validation = imported
    vocabulary = yaml.safe_load((project / "guidelines" / "vocabulary.yaml").read_text(encoding="utf-8"))
    ids = {c["id"] for c in vocabulary["concepts"]}
    assert {"lamotrigine", "levetiracetam", "carbamazepine", "lorazepam", "phenytoin"} <= ids
    assert not [f for f in validation["findings"] if f["rule"].startswith(("VOC", "SCH"))]


def test_planted_defects_are_found(imported: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    _, _, validation = imported
    found = hits(validation)
    assert ("CON005", 20) in found  # lamotrigine 25 mg vs 100 mg daily, same patients
    assert ("GRD004", 32) in found  # strong recommendation on low-certainty evidence


def test_near_misses_stay_quiet(imported: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    project, _, validation = imported
    found = hits(validation)
    assert not {rule for rule, line in found if rule.startswith("GRD") and line in (12, 18)}
    assert not {(rule, line) for rule, line in found if rule in ("CON001", "CON005") and line in (22, 23, 27)}
    recs = records(project)
    assert "direction" not in recs[12]  # the summary advises for and against
    assert (recs[18]["strength"]["grade"], recs[18]["certainty"]) == ("Strong", "moderate")
    assert recs[21]["intervention"] == ["carbamazepine"]
    assert recs[22]["direction"] == "against" and "women of childbearing potential" in \
        recs[22]["population"]["qualifiers"]
    assert recs[27]["dosing"][0]["criterion"] == "If creatinine clearance is below 30 mL/min"
    assert recs[33]["direction"] == "none"
