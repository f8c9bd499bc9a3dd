"""The shipped CI workflow works on a protected main: read as data, and its publication steps run locally in a
throwaway repository with a bare `origin` and a stand-in `gh` (the commands, not GitHub)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT, RUN_ENV

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "guideline.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]  # type: ignore[no-any-return]


def _runs(workflow: dict[str, Any]) -> list[str]:
    return [line.strip() for job in workflow["jobs"] for step in _steps(workflow, job)
            for line in str(step.get("run", "")).splitlines()]


def _step(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    return next(step for step in _steps(workflow, job) if step.get("name") == name)


def test_nothing_is_pushed_to_main(workflow: dict[str, Any]) -> None:
    pushes = [line for line in _runs(workflow) if re.search(r"\bgit\s+push\b", line)]
    assert pushes, "the publication is recorded somewhere"
    for line in pushes:
        # Every push names its refspec, and none is main.
        refspecs = [word.strip('"') for word in line.split()[2:] if not word.startswith("-") and word != "origin"]
        assert refspecs, line
        assert all(re.match(r"(HEAD:)?refs/(heads|tags)/", spec) for spec in refspecs), line
        assert not any(re.search(r"(^|[:/])main$", spec) for spec in refspecs), line


def test_publication_is_recorded_through_a_pull_request(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["publish"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert any(line.startswith("gh pr create --base main") for line in _runs(workflow))
    assert job["env"]["PUBLICATION_BRANCH"] != "main"


def test_pull_requests_upload_sarif_to_code_scanning(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["check"]
    assert job["permissions"]["security-events"] == "write"
    upload = next(step for step in job["steps"] if str(step.get("uses", "")).startswith(
        "github/codeql-action/upload-sarif@"))
    made = _step(workflow, "check", "Findings as SARIF")["run"]
    assert "--format sarif" in made
    assert f"--output {upload['with']['sarif_file']}" in made
    assert "always()" in upload["if"]


def test_shallow_checkouts_are_refused_and_the_trust_root_is_passed(workflow: dict[str, Any]) -> None:
    assert workflow["env"]["TRUST_ROOT"] == "${{ vars.GUIDELINE_TRUST_ROOT }}"
    for name, job in workflow["jobs"].items():
        checkout = next(step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/checkout@"))
        assert checkout["with"]["fetch-depth"] == 0, name
        assert "is-shallow-repository" in _step(workflow, name, "Full history")["run"], name
    for line in _runs(workflow):
        if re.match(r"guideline (publish|status)\b", line) and "--preview" not in line:
            assert '${TRUST_ROOT:+--trust-root "$TRUST_ROOT"}' in line, line


def test_no_step_narrows_what_the_gate_or_the_check_decides(workflow: dict[str, Any]) -> None:
    for line in _runs(workflow):
        if line.startswith("guideline "):
            assert "--select" not in line and "--ignore" not in line, line
    assert _step(workflow, "check", "Validate")["run"].strip() == "guideline validate --format github"


# --- The publish job's steps, run for real. ---

def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub runs `run:` blocks as `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def approved_repo(tmp_path: Path) -> Path:
    """The workflow project, approved by two members, on main, pushed to a bare origin."""
    from helpers.workflow import MEI, TOMAS, commit, make_repo, record_decision, set_state

    root = make_repo(tmp_path / "clone")
    for reviewer in (TOMAS, MEI):
        record_decision(root, None, reviewer)
    set_state(root, "approved")
    commit(root, TOMAS, "approved")
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(tmp_path / "origin.git"))
    _git(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    _git(root, "push", "-q", "origin", "main")
    return root


def test_the_publish_job_publishes_without_touching_main(workflow: dict[str, Any], approved_repo: Path,
                                                         tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh_log = tmp_path / "gh.log"
    # gh: no pull request open yet; every call is logged.
    (bin_dir / "gh").write_text(f'#!/bin/sh\necho "$@" >> {gh_log}\n', encoding="utf-8")
    (bin_dir / "gh").chmod(0o755)
    env = {**os.environ, **RUN_ENV, **workflow["jobs"]["publish"]["env"], "TRUST_ROOT": "",
           "GITHUB_RUN_NUMBER": "7", "GITHUB_RUN_ID": "1234", "GH_TOKEN": "not-used",
           "PATH": os.pathsep.join((str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]))}
    env.pop("CI", None)
    main_before = _git(approved_repo, "rev-parse", "main")
    for name in ("Publisher identity", "Publication gate and articles", "Record the publication through a pull request"):
        done = _bash(_step(workflow, "publish", name)["run"], approved_repo, env)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
    origin = tmp_path / "origin.git"
    assert _git(origin, "rev-parse", "refs/heads/main") == main_before
    recorded = _git(origin, "rev-parse", "refs/heads/publication/record-state")
    assert _git(origin, "rev-parse", f"{recorded}^") == main_before
    assert "review_state: published" in _git(origin, "show", f"{recorded}:guidelines/topics/supplements.yaml")
    tags = _git(origin, "tag", "--list", "published/*").split()
    assert len(tags) == 1 and _git(origin, "rev-parse", f"{tags[0]}^{{commit}}") == recorded
    assert (approved_repo / "published" / "supplements.html").is_file()
    calls = gh_log.read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("pr list --head publication/record-state --base main")
    assert calls[1].startswith("pr create --base main --head publication/record-state")


def test_the_sarif_step_writes_the_file_the_upload_reads(workflow: dict[str, Any], tmp_path: Path) -> None:
    import json

    from helpers import make_project

    root = make_project(tmp_path / "project", with_corpus=True)
    env = {**os.environ, **RUN_ENV, "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"]))}
    done = _bash(_step(workflow, "check", "Findings as SARIF")["run"], root, env)
    assert done.returncode == 0, done.stderr
    upload = next(step for step in _steps(workflow, "check")
                  if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    sarif = json.loads((root / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"], "the shipped corpus has findings"
