"""A shallow clone cannot verify any approval: validation says so once, with the command that fixes it, instead
of one error per approved record telling editors to submit them again. Publication still refuses."""

from __future__ import annotations

import json
from pathlib import Path

import git
from helpers import run_cli
from helpers.workflow import EDITOR, MEI, TOMAS, TOPIC, TOPIC_FILE, as_user, commit, line_of, make_repo


def test_a_shallow_clone_gives_one_finding_that_says_what_to_run(tmp_path: Path) -> None:
    source = make_repo(tmp_path / "source")
    for reviewer in (TOMAS, MEI):
        result = run_cli("review", "approve", TOPIC, "-m", "Checked", cwd=source, env=as_user(reviewer))
        assert result.returncode == 0, result.stderr
    commit(source, EDITOR, "Later work", allow_empty=True)
    assert run_cli("validate", "--no-expectations", cwd=source).returncode == 0
    clone = Path(git.Repo.clone_from(source.as_uri(), tmp_path / "shallow", depth=1).working_dir)

    result = run_cli("validate", "--no-expectations", "--format", "json", cwd=clone, env=as_user(EDITOR))
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["file"], f["line"], f["record"]) for f in found] == [
        ("WFL001", TOPIC_FILE, line_of(clone, TOPIC, "review_state"), TOPIC)]
    assert found[0]["message"] == (
        "no approval can be verified: the clone is shallow, so authorship history is incomplete (fetch with "
        "fetch-depth: 0); 4 record(s) that say approved or published were not checked")
    assert "run 'git fetch --unshallow'" in found[0]["hint"] and "submit" not in found[0]["hint"]

    status = run_cli("status", cwd=clone, env=as_user(EDITOR))
    assert "waits on git: no approval can be verified in this clone" in status.stdout
    assert "submit them again" not in status.stdout

    published = run_cli("publish", cwd=clone, env=as_user(EDITOR))
    assert published.returncode == 1
    assert f"publish refused for {TOPIC}" in published.stderr
    assert not (clone / "published").exists()
