"""Board waivers: waived findings, unmatched waivers (WVR001), approvers outside the board (WVR002), duplicate
ids (WVR003)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from guideline.checks.waivers import load_waivers
from guideline.corpus.loader import read_file
from guideline.corpus.project import load_project
from guideline.engine.pipeline import check_document, validate
from guideline.findings import Finding
from helpers import REPO_ROOT, run_cli, validate_json
from helpers.fixture_topics import fixture_project, line_of

AF = "guidelines/topics/atrial-fibrillation/topic.yaml"
WAIVERS = "guidelines/waivers.yaml"
TODAY = date(2026, 11, 25)


@pytest.fixture
def af_project(tmp_path: Path) -> Path:
    root = fixture_project(tmp_path / "project", "atrial-fibrillation")
    shutil.copy(REPO_ROOT / "guidelines" / "board.yaml", root / "guidelines" / "board.yaml")
    return root


def findings_of(root: Path, monkeypatch: pytest.MonkeyPatch, *paths: str) -> list[Finding]:
    monkeypatch.chdir(root)
    targets = [root / p for p in paths] or [root / "guidelines"]
    return validate(targets, load_project(root), today=TODAY).findings


def dose_conflict(findings: list[Finding]) -> Finding:
    return next(f for f in findings if f.rule == "CON005" and f.record == "af-06")


def waiver(waiver_id: str, fingerprint: str, *, rule: str = "CON005", approved_by: str = "ingrid-halvorsen",
           file: str = AF) -> str:
    return (f"  - id: {waiver_id}\n    rule: {rule}\n    file: {file}\n    record: af-06\n"
            f"    fingerprint: {fingerprint}\n    reason: The board accepts the lower dose after PCI.\n"
            f"    approved_by: {approved_by}\n    approved_on: \"2026-11-20\"\n")


def write_waivers(root: Path, *entries: str) -> Path:
    path = root / WAIVERS
    header = "# yaml-language-server: $schema=../schemas/waivers.schema.json\nwaivers:\n"
    path.write_text(header + "".join(entries), encoding="utf-8")
    return path


def test_shipped_waivers_file_is_empty_and_valid(repo_root: Path) -> None:
    doc = read_file(repo_root / WAIVERS, WAIVERS)
    assert doc.findings == [] and check_document(doc) == []
    assert doc.data == {"waivers": []}
    assert load_waivers(load_project(repo_root))[1] == []


def test_a_waived_finding_is_reported_as_waived_and_does_not_fail_the_run(af_project: Path) -> None:
    fingerprint = next(f["fingerprint"] for f in validate_json(af_project)["findings"]
                       if f["rule"] == "CON005" and f["record"] == "af-06")
    write_waivers(af_project, waiver("wvr-2026-001", fingerprint))
    result = run_cli("validate", "--format", "json", cwd=af_project)
    report = json.loads(result.stdout)
    waived = [f for f in report["findings"] if "waived" in f]
    assert [(f["rule"], f["record"], f["waived"]["waiver"].split(":")[0]) for f in waived] == [
        ("CON005", "af-06", "wvr-2026-001")]
    assert report["summary"]["waived"] == 1
    assert report["summary"]["by_severity"]["error"] == 0
    assert result.returncode == 0
    text = run_cli("validate", cwd=af_project).stdout
    assert f"{AF}:{line_of(af_project / AF, 'af-06', 'dosing', 0, 'dose')}:9: WAIVED(ERROR) CON005" in text


def test_the_fingerprint_survives_edits_that_move_lines(af_project: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = dose_conflict(findings_of(af_project, monkeypatch)).fingerprint
    write_waivers(af_project, waiver("wvr-1", fingerprint))
    topic = af_project / AF
    topic.write_text("# a comment\n# and another\n" + topic.read_text(encoding="utf-8"), encoding="utf-8")
    finding = dose_conflict(findings_of(af_project, monkeypatch))
    assert finding.waiver and finding.waiver.startswith("wvr-1:")
    assert finding.line == line_of(topic, "af-06", "dosing", 0, "dose")


def test_waivers_match_when_run_from_a_subfolder(af_project: Path) -> None:
    fingerprint = next(f["fingerprint"] for f in validate_json(af_project)["findings"]
                       if f["rule"] == "CON005" and f["record"] == "af-06")
    write_waivers(af_project, waiver("wvr-1", fingerprint))
    result = run_cli("validate", "--format", "json", cwd=af_project / "guidelines")
    report = json.loads(result.stdout)
    conflict = next(f for f in report["findings"] if f["rule"] == "CON005" and f["record"] == "af-06")
    # Machine-readable formats name files from the project root, wherever the command runs.
    assert conflict["file"] == "guidelines/topics/atrial-fibrillation/topic.yaml" and "waived" in conflict
    assert not [f for f in report["findings"] if f["rule"].startswith("WVR")]


def test_a_waiver_that_matches_nothing_is_reported(af_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = dose_conflict(findings_of(af_project, monkeypatch)).fingerprint
    path = write_waivers(af_project, waiver("wvr-1", fingerprint), waiver("wvr-stale", "0123456789abcdef"),
                         waiver("wvr-wrong-rule", fingerprint, rule="CON001"))
    findings = findings_of(af_project, monkeypatch)
    wvr = [f for f in findings if f.rule.startswith("WVR")]
    assert [(f.rule, f.severity.value, f.file, f.line, f.record) for f in wvr] == [
        ("WVR001", "warning", WAIVERS, line_of(path, "wvr-stale"), "wvr-stale"),
        ("WVR001", "warning", WAIVERS, line_of(path, "wvr-wrong-rule"), "wvr-wrong-rule"),
    ]
    assert dose_conflict(findings).waiver


def test_unmatched_waivers_of_files_not_checked_are_not_reported(af_project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "topics" / "type-2-diabetes",
                    af_project / "guidelines" / "topics" / "type-2-diabetes")
    write_waivers(af_project, waiver("wvr-stale", "0123456789abcdef"))
    findings = findings_of(af_project, monkeypatch, "guidelines/topics/type-2-diabetes")
    assert not [f for f in findings if f.rule.startswith("WVR")]
    checked = findings_of(af_project, monkeypatch, AF)
    assert [f.rule for f in checked if f.rule.startswith("WVR")] == ["WVR001"]


def test_a_waiver_approved_outside_the_board_does_not_count(af_project: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = dose_conflict(findings_of(af_project, monkeypatch)).fingerprint
    path = write_waivers(af_project, waiver("wvr-editor", fingerprint, approved_by="priya-lindqvist"),
                         waiver("wvr-stranger", fingerprint, approved_by="someone@example.org"))
    findings = findings_of(af_project, monkeypatch)
    assert not dose_conflict(findings).waiver
    assert [(f.rule, f.line, f.record) for f in findings if f.rule.startswith("WVR")] == [
        ("WVR002", line_of(path, "wvr-editor", "approved_by"), "wvr-editor"),
        ("WVR002", line_of(path, "wvr-stranger", "approved_by"), "wvr-stranger"),
    ]


def test_approvers_match_on_email_or_name_and_chair_counts(af_project: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = dose_conflict(findings_of(af_project, monkeypatch)).fingerprint
    write_waivers(af_project, waiver("wvr-1", fingerprint, approved_by="Tomas.Okafor@example.org"))
    findings = findings_of(af_project, monkeypatch)
    assert dose_conflict(findings).waiver and not [f for f in findings if f.rule.startswith("WVR")]


def test_without_a_roster_any_approver_counts(af_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (af_project / "guidelines" / "board.yaml").unlink()
    fingerprint = dose_conflict(findings_of(af_project, monkeypatch)).fingerprint
    write_waivers(af_project, waiver("wvr-1", fingerprint, approved_by="priya-lindqvist"))
    findings = findings_of(af_project, monkeypatch)
    assert dose_conflict(findings).waiver and not [f for f in findings if f.rule.startswith("WVR")]


def test_duplicate_waiver_ids(af_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = dose_conflict(findings_of(af_project, monkeypatch)).fingerprint
    path = write_waivers(af_project, waiver("wvr-1", fingerprint), waiver("wvr-1", fingerprint))
    findings = findings_of(af_project, monkeypatch)
    lines = path.read_text(encoding="utf-8").splitlines()
    second = [n for n, text in enumerate(lines, 1) if text.strip() == "- id: wvr-1"][1]
    assert [(f.rule, f.line, f.related[0].line) for f in findings if f.rule.startswith("WVR")] == [
        ("WVR003", second, line_of(path, "wvr-1"))]


def test_a_malformed_waivers_file_is_a_finding_not_a_traceback(af_project: Path) -> None:
    (af_project / WAIVERS).write_text("waivers:\n  - id: wvr-1\n    rule: CON005\n  - just text\n",
                                      encoding="utf-8")
    result = run_cli("validate", "--format", "json", cwd=af_project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    rules = {(f["rule"], f["file"]) for f in json.loads(result.stdout)["findings"] if f["file"] == WAIVERS}
    assert ("SCH002", WAIVERS) in rules and ("SCH003", WAIVERS) in rules
