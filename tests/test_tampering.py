"""Tricks that must not get a topic past the publication gate: one test per trick, each in a real git
repository where each person signs with their own key, through the real `guideline` entry point. (The attacks
of issue 16 on signatures and governance are in test_trust.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from helpers import validate_json
from helpers.workflow import (
    BOARD_FILE,
    CHAIR,
    EDITOR,
    MEI,
    OUTSIDER,
    REC,
    REVIEWS_FILE,
    TOMAS,
    TOPIC,
    TOPIC_FILE,
    as_user,
    commit,
    edit,
    line_of,
    make_repo,
    record_decision,
)

Run = Callable[..., CompletedProcess[str]]
REFERENCES_FILE = f"guidelines/references/{TOPIC}.yaml"
ALL_RECORDS = [TOPIC, "supplements-00", REC, "supplements-02"]
OUTSIDER_ENTRY = (f"    - id: olle-outsider\n      name: Olle Outsider\n      email: {OUTSIDER.email}\n"
                  f"      roles: [board-member]\n      signing_keys:\n        - {OUTSIDER.public}\n"
                  "    - id: priya-lindqvist\n")
NOT_SIGNING_AS_A_MEMBER = "git is not set up to sign as a member of the board roster"


def approve(guideline: Run, root: Path, *reviewers: Any, target: str = TOPIC) -> None:
    """Approvals through the CLI, each its own commit signed by the reviewer (the honest path)."""
    for reviewer in reviewers:
        result = guideline("review", "approve", target, "-m", "Checked", cwd=root, env=as_user(reviewer))
        assert result.returncode == 0, result.stderr


def refused(guideline: Run, root: Path, note: str = "") -> set[tuple[str, str, int, str | None]]:
    """Publish, expect the refusal (and the note on stderr); its reasons as (rule, file, line, record)."""
    result = guideline("publish", "--format", "json", cwd=root, env=as_user(EDITOR))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"publish refused for {TOPIC}" in result.stderr
    assert note in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "published").exists()
    return {(f["rule"], f["file"], f["line"], f["record"]) for f in json.loads(result.stdout)["findings"]}


def claim_approved(root: Path) -> None:
    """The hand edit: every review_state in the topic file says approved."""
    path = root / TOPIC_FILE
    path.write_text(re.sub(r"review_state: [a-z-]+", "review_state: approved", path.read_text(encoding="utf-8")),
                    encoding="utf-8")


def at_state(root: Path, *records: str, rule: str = "WFL001") -> set[tuple[str, str, int, str | None]]:
    return {(rule, TOPIC_FILE, line_of(root, r, "review_state"), r) for r in records}


def test_the_honest_path_publishes(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    approve(guideline, root, TOMAS, MEI)
    result = guideline("publish", cwd=root, env=as_user(EDITOR))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "published" / f"{TOPIC}.html").exists()


def test_editing_the_state_by_hand(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    claim_approved(root)
    commit(root, EDITOR, "Approve it myself")
    assert refused(guideline, root) == at_state(root, *ALL_RECORDS)


def test_approving_ones_own_change(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    commit(root, TOMAS, "Tomas rewords the calcium advice")
    result = guideline("review", "approve", REC, cwd=root, env=as_user(TOMAS))
    assert result.returncode == 1 and f"{TOMAS.id} authored the change" in result.stderr
    assert not (root / REVIEWS_FILE).exists()
    # Past the command: the approval written into the log by hand (signed by Tomas), and the state set by hand.
    record_decision(root, None, TOMAS)
    approve(guideline, root, MEI)
    claim_approved(root)
    commit(root, TOMAS, "Approved")
    assert refused(guideline, root) == at_state(root, REC)


def test_approving_as_a_non_member(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    result = guideline("review", "approve", TOPIC, cwd=root, env=as_user(OUTSIDER))
    assert result.returncode == 2 and NOT_SIGNING_AS_A_MEMBER in result.stderr
    assert not (root / REVIEWS_FILE).exists()
    # Past the command: the outsider's approval written by hand and signed with their key.
    record_decision(root, None, OUTSIDER)
    approve(guideline, root, TOMAS)
    claim_approved(root)
    commit(root, OUTSIDER, "Approved")
    assert refused(guideline, root) == at_state(root, *ALL_RECORDS)


def test_adding_oneself_to_the_roster_in_the_same_change(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "    - id: priya-lindqvist\n", OUTSIDER_ENTRY, BOARD_FILE)
    # The roster on disk lists the outsider and their key; the roster in force does not.
    result = guideline("review", "approve", TOPIC, cwd=root, env=as_user(OUTSIDER))
    assert result.returncode == 2 and NOT_SIGNING_AS_A_MEMBER in result.stderr
    record_decision(root, None, OUTSIDER)
    sha = commit(root, OUTSIDER, "Join the board")
    approve(guideline, root, TOMAS)
    claim_approved(root)
    commit(root, OUTSIDER, "Approved")
    assert refused(guideline, root, note=f"governance not in force: board.yaml changed (by nobody the roster "
                                         f"knows) in commit(s) {sha[:10]}") == at_state(root, *ALL_RECORDS)


def test_changing_content_after_approval(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    approve(guideline, root, TOMAS, MEI)
    # Worded so that the statement still agrees with its dosing entries: the statement checks (TXT) have no say.
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day, in one dose at bedtime\n")
    commit(root, EDITOR, "New advice on timing, after the board approved")
    assert refused(guideline, root) == at_state(root, REC)


def test_deleting_the_bibliography(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    approve(guideline, root, TOMAS, MEI)
    (root / REFERENCES_FILE).unlink()
    commit(root, EDITOR, "Drop the references")
    reasons = refused(guideline, root)
    # Each dangling citation blocks once: as REF001 from validation, or WFL007 from the gate.
    citations = {(f, line) for rule, f, line, _ in reasons if rule != "WFL001"}
    expected = {(TOPIC_FILE, line_of(root, rec, "citations") + offset)
                for rec, offset in (("supplements-00", 1), (REC, 1), (REC, 2), ("supplements-02", 1))}
    assert citations == expected
    assert {rule for rule, *_ in reasons} - {"WFL001"} <= {"WFL007", "REF001"}
    # The references' printed content is part of what the citing records' approvals covered.
    assert {r for r in reasons if r[0] == "WFL001"} == at_state(root, "supplements-00", REC, "supplements-02")


def test_deleting_the_review_log(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    approve(guideline, root, TOMAS)
    result = guideline("review", "comment", REC, "-m", "Which calcium salt?", cwd=root, env=as_user(CHAIR))
    assert result.returncode == 0, result.stderr
    (root / REVIEWS_FILE).unlink()
    claim_approved(root)
    commit(root, EDITOR, "Start the log afresh")
    # The signed entries that are gone are reported too (WFL009, on the topic, in the log that lost them).
    assert refused(guideline, root) == at_state(root, *ALL_RECORDS) | {("WFL009", REVIEWS_FILE, 1, TOPIC)}


def test_deleting_a_failing_record(guideline: Run, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    approve(guideline, root, TOMAS, MEI)
    edit(root, "    notes: Dose as in the source article.\n",
         "    notes: Dose as in the source article.\n    provenance:\n      line: 0\n")
    commit(root, EDITOR, "A broken provenance")
    assert ("SCH004", TOPIC_FILE, line_of(root, "supplements-02", "line"), "supplements-02") in refused(guideline, root)
    text = (root / TOPIC_FILE).read_text(encoding="utf-8")
    (root / TOPIC_FILE).write_text(text[:text.index("  - id: supplements-02")].rstrip() + "\n", encoding="utf-8")
    commit(root, EDITOR, "Drop the failing record")
    assert refused(guideline, root) == at_state(root, TOPIC)


WAIVER = """\
# yaml-language-server: $schema=../schemas/waivers.schema.json
waivers:
  - id: wvr-2026-001
    rule: SCH004
    file: {file}
    record: supplements-02
    fingerprint: {fingerprint}
    reason: The provenance is fixed in the next import.
    approved_by: {approver}
    approved_on: "2026-11-20"
"""


@pytest.mark.parametrize("approver, published", [(OUTSIDER.email, False), ("priya-lindqvist", False),
                                                  ("ingrid-halvorsen", True)])
def test_waiving_an_error_without_an_approved_waiver(guideline: Run, tmp_path: Path, approver: str,
                                                     published: bool) -> None:
    root = make_repo(tmp_path)
    edit(root, "    notes: Dose as in the source article.\n",
         "    notes: Dose as in the source article.\n    provenance:\n      line: 0\n")
    error = next(f for f in validate_json(root)["findings"] if f["rule"] == "SCH004")
    (root / "guidelines" / "waivers.yaml").write_text(
        WAIVER.format(file=error["file"], fingerprint=error["fingerprint"], approver=approver), encoding="utf-8")
    commit(root, EDITOR, "Waive the provenance error")
    approve(guideline, root, TOMAS, MEI)
    # The waivers file is governance: in force once two board members approve the change, whoever it names.
    approve(guideline, root, TOMAS, MEI, target="governance")
    if published:
        # The control: a waiver the chair approved does let the (editorial) error through.
        result = guideline("publish", cwd=root, env=as_user(EDITOR))
        assert result.returncode == 0, result.stdout + result.stderr
        return
    assert refused(guideline, root) == {("SCH004", TOPIC_FILE, line_of(root, "supplements-02", "line"),
                                         "supplements-02")}
    report = validate_json(root)
    waivers_line = next(i for i, text in enumerate((root / "guidelines/waivers.yaml").read_text().splitlines(), 1)
                        if text.strip().startswith("approved_by:"))
    assert [(f["rule"], f["file"], f["line"]) for f in report["findings"] if f["rule"] == "WVR002"] == [
        ("WVR002", "guidelines/waivers.yaml", waivers_line)]
