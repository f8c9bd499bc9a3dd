"""The `guideline` command as a user meets it: help, exit codes, rules, output files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import run_cli, run_installed

FINDING_LINE = re.compile(r"^(guidelines/\S+\.ya?ml):(\d+):(\d+): (ERROR|WARNING|INFO|WAIVED\(\w+\)) [A-Z]{2,4}\d{3} .+")
SUMMARY_LINE = re.compile(r"^(\d+) error\(s\), (\d+) warning\(s\), (\d+) info")
VALID_TOPIC = """\
topic:
  id: demo-topic
  question: What helps?
  title: Demo topic
  summary: demo-topic-00
  audience: [clinicians]
  last_updated: "2026-01-02"
  review_state: draft
  sections: [{id: acute, title: Acute}]
recommendations:
  - id: demo-topic-00
    section: summary
    statement: Assess pain at every visit.
    statement_type: good-practice
    citations: []
    review_state: draft
"""


def _no_traceback(result: object) -> None:
    assert "Traceback" not in getattr(result, "stderr", "")


def subcommands(tmp_path: Path) -> list[str]:
    result = run_installed("--help", cwd=tmp_path)
    assert result.returncode == 0
    listing = result.stdout.split("COMMAND\n", 2)[-1].split("\n\n", 1)[0]
    return re.findall(r"^    (\S+)\s", listing, re.MULTILINE)


def test_top_level_help(tmp_path: Path) -> None:
    result = run_installed("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "examples:" in result.stdout
    assert {"validate", "fmt", "rules"} <= set(subcommands(tmp_path))


def test_every_subcommand_help_has_examples(tmp_path: Path) -> None:
    names = subcommands(tmp_path)
    assert names
    for name in names:
        result = run_installed(name, "--help", cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)
        assert "example" in result.stdout.lower(), name


def test_no_command_prints_help_and_exits_2(tmp_path: Path) -> None:
    result = run_installed(cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: guideline" in result.stderr


def test_version(tmp_path: Path) -> None:
    result = run_installed("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert re.fullmatch(r"guideline \d+\.\d+\.\d+\S*\n", result.stdout)


def test_clean_project_exits_0(project: Path) -> None:
    (project / "guidelines/topics").mkdir()
    (project / "guidelines/topics/demo.yaml").write_text(VALID_TOPIC, encoding="utf-8")
    result = run_cli("validate", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "0 error(s), 0 warning(s), 0 info\n"


def test_errors_exit_1_and_exit_zero_overrides(project: Path) -> None:
    (project / "guidelines/topics").mkdir()
    (project / "guidelines/topics/demo.yaml").write_text(VALID_TOPIC.replace("title: Demo topic", "title: 42"),
                                                         encoding="utf-8")
    result = run_cli("validate", cwd=project)
    assert result.returncode == 1
    assert result.stdout.startswith("guidelines/topics/demo.yaml:4:3: ERROR SCH003 ")
    assert run_cli("validate", "--exit-zero", cwd=project).returncode == 0


def test_strict_fails_on_warnings_only(project: Path) -> None:
    (project / "guidelines/topics").mkdir()
    (project / "guidelines/topics/demo.yaml").write_bytes(b"\xef\xbb\xbf" + VALID_TOPIC.encode())
    plain = run_cli("validate", cwd=project)
    assert plain.returncode == 0
    assert plain.stdout.splitlines()[0] == "guidelines/topics/demo.yaml:1:1: WARNING YML011 file starts with a " \
                                           "UTF-8 byte-order mark"
    assert run_cli("validate", "--strict", cwd=project).returncode == 1
    assert run_cli("validate", "--strict", "--exit-zero", cwd=project).returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (("validate", "guidelines/nowhere.yaml"), "guideline: error: no such file or folder: guidelines/nowhere.yaml"),
    (("validate", "--format", "xml"), "invalid choice: 'xml'"),
    (("validate", "--today", "yesterday"), "'yesterday' is not a date"),
    (("rules", "NOPE001"), "guideline: error: unknown rule id: NOPE001"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
])
def test_usage_errors_exit_2(project: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    _no_traceback(result)


def test_bad_today_in_environment_exits_2(project: Path) -> None:
    result = run_cli("validate", cwd=project, env={"GUIDELINE_TODAY": "soon"})
    assert result.returncode == 2
    assert "GUIDELINE_TODAY='soon' is not a date" in result.stderr


def test_outside_a_project_exits_2(tmp_path: Path) -> None:
    result = run_cli("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"guideline: error: no guideline project found in {tmp_path}")
    assert "hint: run inside a repository that has guidelines/policy.yaml, or pass --root DIR" in result.stderr


def test_root_option_and_subfolder(project: Path, tmp_path: Path) -> None:
    (project / "guidelines/topics").mkdir()
    (project / "guidelines/topics/demo.yaml").write_text(VALID_TOPIC, encoding="utf-8")
    assert run_cli("validate", "--root", project, cwd=tmp_path).returncode == 0
    assert run_cli("validate", cwd=project / "guidelines/topics").returncode == 0


def test_missing_data_file_is_a_configuration_error(project: Path) -> None:
    (project / "guidelines/vocabulary.yaml").unlink()
    result = run_cli("validate", cwd=project)
    assert result.returncode == 2
    assert "guidelines/vocabulary.yaml is missing" in result.stderr
    _no_traceback(result)


def test_broken_data_file_is_a_finding_not_a_crash(project: Path) -> None:
    (project / "guidelines/policy.yaml").write_text("policy: [\n", encoding="utf-8")
    result = run_cli("validate", "--format", "json", cwd=project)
    assert result.returncode == 1
    _no_traceback(result)
    hits = [(f["rule"], f["file"], f["line"]) for f in json.loads(result.stdout)["findings"]]
    assert hits == [("YML001", "guidelines/policy.yaml", 2)]


def test_rules_text(tmp_path: Path) -> None:
    result = run_cli("rules", cwd=tmp_path)
    assert result.returncode == 0
    assert re.search(r"^YML002  error    Duplicate key$", result.stdout, re.MULTILINE)
    assert re.search(r"^YML011  warning  Byte-order mark$", result.stdout, re.MULTILINE)


def test_rules_json(tmp_path: Path) -> None:
    result = run_cli("rules", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    rules = json.loads(result.stdout)
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    foundation = {"YML001", "YML012", "SCH001", "SCH005", "FIL001", "ID001", "TOP001", "TOP002", "VOC001",
                  "VOC002", "GRD001", "GRD002", "GRD003"}
    assert foundation <= set(ids)
    for rule in rules:
        assert set(rule) >= {"id", "title", "severity", "description"}, rule
        assert re.fullmatch(r"[A-Z]{2,4}\d{3}", rule["id"]), rule
        assert rule["severity"] in ("error", "warning", "info"), rule
        assert rule["title"].strip() and len(rule["description"]) > 20, rule


def test_rules_selected(tmp_path: Path) -> None:
    result = run_cli("rules", "SCH001", "--format", "json", cwd=tmp_path)
    assert [r["id"] for r in json.loads(result.stdout)] == ["SCH001"]


def test_output_file_is_written_atomically(project: Path) -> None:
    (project / "guidelines/topics").mkdir()
    (project / "guidelines/topics/demo.yaml").write_text(VALID_TOPIC.replace("title: Demo topic", "title: 42"),
                                                         encoding="utf-8")
    out = project / "reports" / "findings.json"
    out.parent.mkdir()
    out.write_text("old report", encoding="utf-8")
    result = run_cli("validate", "--format", "json", "--output", "reports/findings.json", cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["by_rule"] == {"SCH003": 1}
    assert [p.name for p in out.parent.iterdir()] == ["findings.json"]


def test_output_to_an_impossible_place_exits_2(project: Path) -> None:
    (project / "blocker").write_text("a file, not a folder", encoding="utf-8")
    result = run_cli("validate", "--output", "blocker/out.txt", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith("guideline: error: cannot write blocker/out.txt")
    _no_traceback(result)


def test_shipped_corpus(shipped_project: Path) -> None:
    result = run_installed("validate", cwd=shipped_project)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    summary = SUMMARY_LINE.match(lines[-1])
    assert summary, lines[-1]
    finding_lines = [line for line in lines if not line.startswith("    ")][:-1]
    assert all(FINDING_LINE.match(line) for line in finding_lines), finding_lines
    errors, warnings, infos = map(int, summary.groups())
    assert len(finding_lines) >= errors + warnings + infos
    assert result.returncode == (1 if errors else 0)
    for line in finding_lines:
        match = FINDING_LINE.match(line)
        assert match is not None
        path, number = shipped_project / match.group(1), int(match.group(2))
        assert path.is_file() and 1 <= number <= path.read_text(encoding="utf-8").count("\n") + 1, line


def test_readme_bad_input_table_matches_the_generated_one(repo_root: Path) -> None:
    """The README keeps the bad-input table users read; docs/bad-input.md is generated from the tests."""
    generated = (repo_root / "docs" / "bad-input.md").read_text(encoding="utf-8")
    rows = generated[generated.index("| Input |"):].strip()
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- bad-input-table:start -->") + len("<!-- bad-input-table:start -->")
    end = readme.index("<!-- bad-input-table:end -->")
    assert readme[start:end].strip() == rows, "copy docs/bad-input.md's table into README.md"


def test_readme_quick_start_is_what_ci_runs(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Quick start"):]
    block = section[section.index("```"):].split("```")[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(commands) == 2
    assert commands[1] in (repo_root / ".ci" / "run").read_text(encoding="utf-8")


def test_a_command_imports_only_what_it_needs(shipped_project: Path) -> None:
    """validate starts without git, the report renderers or jsonschema (used only to explain a failure): a
    tenth of a second each, on every commit."""
    import subprocess
    import sys
    probe = ("import sys\nfrom guideline.cli import main\nmain(['validate', '--no-expectations', '--exit-zero', "
             "'-o', 'out.txt'])\nprint(sorted(m for m in ('git', 'guideline.report.compare', 'guideline.render.report_html', "
             "'jsonschema') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=shipped_project, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
