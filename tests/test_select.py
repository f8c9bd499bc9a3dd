"""`validate --select/--ignore/--statistics/--quiet`, in every format and in the exit code; and that no
selection reaches the publication gate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import make_project, run_cli
from test_cli import VALID_TOPIC

# The valid demo topic with an unknown field on its first record and a second record citing nothing known.
TOPIC = VALID_TOPIC + """\
    colour: red
  - id: demo-topic-01
    section: acute
    statement: Assess pain again.
    statement_type: good-practice
    citations: [nowhere-ref-1, nowhere-ref-2]
    review_state: draft
"""


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """One SCH001 error (line 17) and two REF001 errors (line 22)."""
    root = make_project(tmp_path / "project")
    (root / "guidelines" / "topics").mkdir()
    (root / "guidelines" / "topics" / "demo.yaml").write_text(TOPIC, encoding="utf-8")
    return root


def _rules(root: Path, *args: str) -> list[str]:
    result = run_cli("validate", "--format", "json", *args, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [f["rule"] for f in json.loads(result.stdout)["findings"]]


def test_without_selection_every_rule_is_shown(demo: Path) -> None:
    assert _rules(demo) == ["SCH001", "REF001", "REF001"]


@pytest.mark.parametrize(("args", "shown"), [
    (("--ignore", "REF001"), ["SCH001"]),
    (("--ignore", "REF"), ["SCH001"]),
    (("--ignore", "ref,sch"), []),
    (("--ignore", "REF", "--ignore", "SCH001"), []),
    (("--select", "REF"), ["REF001", "REF001"]),
    (("--select", "SCH,REF001"), ["SCH001", "REF001", "REF001"]),
    # The most specific code decides; the same code in both is ignored.
    (("--ignore", "REF", "--select", "REF001"), ["REF001", "REF001"]),
    (("--select", "REF", "--ignore", "REF001"), []),
    (("--select", "REF001", "--ignore", "REF001"), []),
])
def test_select_and_ignore(demo: Path, args: tuple[str, ...], shown: list[str]) -> None:
    assert _rules(demo, *args) == shown


def test_selection_decides_the_exit_code(demo: Path) -> None:
    assert run_cli("validate", cwd=demo).returncode == 1
    assert run_cli("validate", "--ignore", "SCH,REF", cwd=demo).returncode == 0
    assert run_cli("validate", "--select", "SCH", cwd=demo).returncode == 1


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_selection_applies_to_every_format(demo: Path, fmt: str) -> None:
    out = run_cli("validate", "--format", fmt, "--ignore", "REF", cwd=demo).stdout
    assert "SCH001" in out
    assert "REF001" not in out
    if fmt == "sarif":
        assert [r["id"] for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "REF001"] == []
    if fmt == "junit":
        assert ET.fromstring(out).get("tests") == "1"


def test_hidden_findings_are_counted_on_stderr(demo: Path) -> None:
    result = run_cli("validate", "--ignore", "REF", cwd=demo)
    assert result.stdout.splitlines()[-1] == "1 error(s), 0 warning(s), 0 info"
    assert "note: 2 finding(s) not shown (--select/--ignore)" in result.stderr


@pytest.mark.parametrize(("code", "suggestion"), [("GDR", "GRD"), ("REF01", "REF001"), ("XYZ999", "families:")])
def test_unknown_code_exits_2_with_near_matches(demo: Path, code: str, suggestion: str) -> None:
    result = run_cli("validate", "--ignore", code, cwd=demo)
    assert result.returncode == 2
    assert f"unknown rule id or prefix: {code}" in result.stderr
    assert suggestion in result.stderr
    assert result.stdout == ""


def test_malformed_code_is_a_usage_error(demo: Path) -> None:
    result = run_cli("validate", "--select", "REF-001", cwd=demo)
    assert result.returncode == 2
    assert "not a list of rule ids" in result.stderr


def test_statistics_counts_per_rule_with_titles_after_the_findings(demo: Path) -> None:
    lines = run_cli("validate", "--statistics", cwd=demo).stdout.splitlines()
    assert lines[-3:] == ["", "2  REF001  error    Unresolved citation", "1  SCH001  error    Unknown field"]
    assert lines[-4] == "3 error(s), 0 warning(s), 0 info"


def test_statistics_keep_a_machine_report_parseable(demo: Path) -> None:
    result = run_cli("validate", "--format", "json", "--statistics", "--select", "REF", cwd=demo)
    assert len(json.loads(result.stdout)["findings"]) == 2
    assert result.stderr.startswith("2  REF001  error    Unresolved citation\n")


def test_quiet_prints_the_summary_on_failure_and_nothing_on_success(demo: Path) -> None:
    failing = run_cli("validate", "--quiet", cwd=demo)
    assert (failing.returncode, failing.stdout, failing.stderr) == (1, "3 error(s), 0 warning(s), 0 info\n", "")
    passing = run_cli("validate", "-q", "--ignore", "REF,SCH", cwd=demo)
    assert (passing.returncode, passing.stdout, passing.stderr) == (0, "", "")


def test_quiet_leaves_machine_formats_whole(demo: Path) -> None:
    result = run_cli("validate", "--quiet", "--format", "json", cwd=demo)
    assert result.returncode == 1
    assert len(json.loads(result.stdout)["findings"]) == 3


# --- The attacker's view: a selection must never let unapproved content publish. ---

def test_publish_takes_no_selection(tmp_path: Path) -> None:
    from helpers.workflow import make_repo

    root = make_repo(tmp_path / "repo", with_git=False)
    for option in ("--ignore", "--select"):
        result = run_cli("publish", option, "WFL", cwd=root)
        assert result.returncode == 2
        assert "unrecognized arguments" in result.stderr


def test_ignoring_the_workflow_rules_does_not_open_the_gate(tmp_path: Path) -> None:
    """An editor marks the topic approved with no board decision, hides WFL from validate, and publishes."""
    from helpers.workflow import EDITOR, TOPIC, as_user, commit, make_repo, set_state

    root = make_repo(tmp_path / "repo")
    set_state(root, "approved")
    commit(root, EDITOR, "Approve it myself")
    hidden = run_cli("validate", "--ignore", "WFL", "--format", "json", cwd=root, env=as_user(EDITOR))
    assert not [f for f in json.loads(hidden.stdout)["findings"] if f["rule"].startswith("WFL")]
    out = tmp_path / "site"
    refused = run_cli("publish", TOPIC, "--out", out, cwd=root, env=as_user(EDITOR))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "WFL" in refused.stdout
    assert not out.exists()
