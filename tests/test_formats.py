"""Exact output of every `validate --format`, on a small fixed corpus (tests/fixtures/formats/).

Goldens live in tests/golden/formats/; regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_formats.py`
and read the diff: a changed golden is a changed contract for whoever parses the output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from guideline.findings import Location, Severity
from guideline.render import REPORTERS
from guideline.rules import Rule
from helpers import FIXTURES, REPO_ROOT, make_project, run_cli

GOLDEN = Path(__file__).resolve().parent / "golden" / "formats"
FORMATS: dict[str, tuple[str, ...]] = {
    "text.txt": ("--format", "text", "--color", "never"),
    "text-colour.txt": ("--format", "text", "--color", "always"),
    "json.json": ("--format", "json"),
    "github.txt": ("--format", "github"),
    "sarif.json": ("--format", "sarif"),
    "junit.xml": ("--format", "junit"),
}
VERSION_RE = re.compile(r'("version": "|guideline )\d+\.\d+\.\d+[^"\s]*')


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("formats") / "project")
    shutil.copytree(FIXTURES / "formats" / "guidelines", root / "guidelines", dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def outputs(fixture_project: Path) -> dict[str, str]:
    out = {}
    for name, args in FORMATS.items():
        result = run_cli("validate", *args, cwd=fixture_project)
        assert result.returncode == 1, result.stderr
        assert result.stderr == ""
        out[name] = result.stdout
    return out


def _stable(text: str) -> str:
    """The tool's version is stamped into json and sarif; goldens should not change with every release."""
    return VERSION_RE.sub(r"\g<1>X.Y.Z", text)


@pytest.mark.parametrize("name", FORMATS)
def test_golden(name: str, outputs: dict[str, str]) -> None:
    actual = _stable(outputs[name])
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8", newline="")
    assert actual == golden.read_text(encoding="utf-8"), f"run UPDATE_GOLDEN=1 pytest {__file__} and review the diff"


def test_paths_are_relative(outputs: dict[str, str], fixture_project: Path) -> None:
    for name, text in outputs.items():
        assert str(fixture_project) not in text, name
        assert "guidelines/topics/demo.yaml" in text, name


def test_text_shows_location_rule_record_hint_and_source(outputs: dict[str, str]) -> None:
    lines = outputs["text.txt"].splitlines()
    assert "guidelines/topics/demo.yaml:36:9: ERROR VOC001 concept 'exercise-programme' is not in the vocabulary" \
           " [demo-topic-01]" in lines
    assert "    hint: did you mean 'exercise-program'?" in lines
    assert "    from articles/demo.txt:12" in lines
    assert "    see also guidelines/topics/broken.yaml:3" in lines
    assert "\033" not in outputs["text.txt"]
    assert re.fullmatch(r"\d+ error\(s\), \d+ warning\(s\), \d+ info", lines[-1])


def test_colour_only_decorates(outputs: dict[str, str]) -> None:
    colour = outputs["text-colour.txt"]
    assert "\033[31mERROR\033[0m" in colour and "\033[33mWARNING\033[0m" in colour
    assert re.sub(r"\033\[[0-9;]*m", "", colour) == outputs["text.txt"]


def test_json_matches_the_findings_schema(outputs: dict[str, str]) -> None:
    schema = json.loads((REPO_ROOT / "schemas" / "findings.schema.json").read_text(encoding="utf-8"))
    document = json.loads(outputs["json.json"])
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["summary"]["total"] == len(document["findings"])
    assert "phase-aiguë" in outputs["json.json"]  # not \\u-escaped: the file is read by people too


def test_github_annotations(outputs: dict[str, str]) -> None:
    line_re = re.compile(r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.*)")
    lines = outputs["github.txt"].splitlines()
    assert lines and all(line_re.fullmatch(line) for line in lines), lines
    escaped = next(line for line in lines if "a&b" in line)
    # The message keeps ':' and ',' (only properties escape them); '%' must be escaped everywhere.
    assert "'a&b <c> 100%25, x:y'" in escaped
    assert ",title=SCH004 Value not allowed::" in escaped


def test_sarif_structure(outputs: dict[str, str]) -> None:
    sarif: dict[str, Any] = json.loads(outputs["sarif.json"])
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert rule_ids == sorted(set(rule_ids))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
        assert result["partialFingerprints"]["guidelineFingerprint/v1"]
    duplicate = next(r for r in run["results"] if r["ruleId"] == "ID001")
    assert duplicate["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 31


def test_junit_parses_and_counts(outputs: dict[str, str]) -> None:
    root = ET.fromstring(outputs["junit.xml"].encode("utf-8"))
    findings = json.loads(outputs["json.json"])["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert root.tag == "testsuites"
    assert int(root.get("tests", "-1")) == len(findings)
    assert int(root.get("failures", "-1")) == len(errors)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(findings)
    failures = [c.find("failure") for c in cases if c.find("failure") is not None]
    assert sorted(f.get("type", "") for f in failures if f is not None) == sorted(f["rule"] for f in errors)
    assert any("a&b <c> 100%, x:y" in (f.get("message") or "") for f in failures if f is not None)


def test_output_file_matches_stdout(fixture_project: Path, outputs: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "findings.sarif"
    result = run_cli("validate", "--format", "sarif", "--output", target, cwd=fixture_project)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    assert target.read_text(encoding="utf-8") == outputs["sarif.json"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["findings.sarif"]


def test_clean_corpus_in_every_format(project: Path) -> None:
    """No findings is still well-formed output in every format (empty SARIF run, empty JUnit suite...)."""
    for name, args in FORMATS.items():
        result = run_cli("validate", *args, cwd=project)
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        if name.endswith(".json"):
            json.loads(result.stdout)
        elif name.endswith(".xml"):
            assert ET.fromstring(result.stdout.encode()).get("tests") == "0"


def test_reporters_survive_control_characters() -> None:
    """A quoted YAML string can put any character into a message: every format must stay well-formed."""
    finding = Rule("ABC001", "Demo", Severity.ERROR, "Demo rule.").finding(
        Location("a&b.yaml", 2, 3, "a\x01b"), "id 'a\x01b'\nsecond line, 100%: done\x1b", hint="fix\x00 it")
    junit = REPORTERS["junit"]([finding], {})
    case = ET.fromstring(junit.encode("utf-8")).find("testsuite/testcase")
    assert case is not None and case.get("name") == "ABC001 line 2 a\\x01b"
    github = REPORTERS["github"]([finding], {})
    assert github == ("::error file=a&b.yaml,line=2,col=3,title=ABC001::id 'a\x01b'%0Asecond line, 100%25: done\x1b "
                      "(hint: fix\x00 it)\n")
    for name in ("json", "sarif"):
        assert json.loads(REPORTERS[name]([finding], {}))


def test_text_output_never_passes_terminal_control_characters() -> None:
    from guideline.findings import Finding, Location, Severity
    from guideline.render.findings_formats import text

    hostile = Finding("SCH004", Severity.ERROR, Location("a.yaml", 3, 5, "rec\x1b]0;pwned\x07"),
                      "'id' value 'x\x1b[2J' is malformed", hint="clear\x1b[H")
    out = text([hostile], {})
    assert "\x1b" not in out and "\x07" not in out
    assert "a.yaml:3:5: ERROR SCH004 'id' value 'x\\x1b[2J' is malformed" in out
