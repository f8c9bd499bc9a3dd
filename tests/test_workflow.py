"""Materiality, approval validity and the publication gate, in real git repositories with distinct authors
(the small topic and the people who commit it are in helpers.workflow)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from git import Actor
from guideline.checks.approvals import Approvals, RecordStatus
from guideline.checks.workflow import check_corpus
from guideline.corpus import materiality
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.reviews import load_review_log, reviews_path
from guideline.findings import Finding
from guideline.workflow.gate import GateResult, gate
from guideline.workflow.recording import append_review_log
from helpers import REPO_ROOT
from helpers.workflow import (
    CHAIR,
    EDITOR,
    EDITOR_2,
    MEI,
    OUTSIDER,
    RAFAEL,
    REC,
    REVIEWS_FILE,
    TODAY,
    TOMAS,
    TOPIC,
    TOPIC_FILE,
    add_comment,
    commit,
    corpus_of,
    edit,
    line_of,
    make_repo,
    record_decision,
    set_state,
)


def statuses(root: Path) -> dict[str, RecordStatus]:
    project, corpus = corpus_of(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    recs = records_by_topic(corpus)[TOPIC]
    log = load_review_log(project, TOPIC, corpus)
    approvals = Approvals.open(project)
    try:
        return {r.id: approvals.status(r, recs, log) for r in topic_records(topic, recs)}
    finally:
        approvals.close()


def wfl_findings(root: Path) -> list[Finding]:
    project, corpus = corpus_of(root)
    return sorted(check_corpus(corpus, project), key=lambda f: f.sort_key())


def run_gate(root: Path) -> GateResult:
    """The gate with the findings of loading plus the workflow check (the full validation runs in CLI tests)."""
    project, corpus = corpus_of(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    findings = [*corpus.findings, *check_corpus(corpus, project)]
    log = load_review_log(project, TOPIC, corpus)
    approvals = Approvals.open(project)
    try:
        return gate(topic, corpus, project, findings, approvals, records_by_topic(corpus).get(TOPIC, []), log)
    finally:
        approvals.close()


def problems(status: RecordStatus, reviewer: Actor) -> tuple[str, ...]:
    return next(c.problems for c in status.checks if c.decision.reviewer == reviewer.email)


# --- materiality ----------------------------------------------------------------------------------------


BASE_REC = {
    "id": "r-1", "section": "s", "group": "g", "statement": "Give calcium 1000 mg/day",
    "statement_type": "recommendation", "direction": "for",
    "strength": {"scheme": "GRADE", "grade": "Strong", "class": "strong"}, "certainty": "moderate",
    "population": {"description": "Adults", "condition": ["a", "b"], "qualifiers": ["acute"]},
    "intervention": ["calcium", "vitamin-d"], "comparator": ["placebo"],
    "dosing": [{"agent": "calcium", "dose": 1000, "unit": "mg"}], "citations": ["ref-1", "ref-2"],
    "review_state": "submitted", "notes": "n", "provenance": {"file": "a.txt", "line": 3, "method": "manual"},
}


def _changed(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    data = copy.deepcopy(BASE_REC)
    node: object = data
    for key in path[:-1]:
        node = node[key]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]
    return data


@pytest.mark.parametrize(("path", "value"), [
    (("statement",), "Give calcium 1200 mg/day"),
    (("statement_type",), "good-practice"),
    (("direction",), "against"),
    (("strength", "grade"), "Weak"),
    (("certainty",), "low"),
    (("population", "description"), "Older adults"),
    (("population", "condition"), ["a"]),
    (("intervention",), ["calcium"]),
    (("comparator",), ["no-treatment"]),
    (("dosing", 0, "dose"), 1200),
    (("citations",), ["ref-1"]),
])
def test_material_changes_need_reapproval(path: tuple[str | int, ...], value: object) -> None:
    after = _changed(path, value)
    assert materiality.is_material_change(BASE_REC, after)
    assert materiality.content_hash(BASE_REC) != materiality.content_hash(after)
    assert materiality.changed_fields(BASE_REC, after) == [str(path[0])]


@pytest.mark.parametrize(("path", "value"), [
    (("section",), "other"),
    (("group",), "other"),
    (("notes",), "a different note"),
    (("provenance", "line"), 9),
    (("review_state",), "approved"),
    (("citations",), ["ref-2", "ref-1"]),
    (("intervention",), ["vitamin-d", "calcium"]),
    (("statement",), "Give  calcium\n1000 mg/day "),
    (("dosing", 0, "dose"), 1000.0),
])
def test_editorial_changes_keep_the_content_hash(path: tuple[str | int, ...], value: object) -> None:
    after = _changed(path, value)
    assert not materiality.is_material_change(BASE_REC, after)
    assert materiality.content_hash(BASE_REC) == materiality.content_hash(after)


def test_content_hash_is_sha256_of_sorted_compact_json() -> None:
    import hashlib
    import json

    view = materiality.material_view(BASE_REC)
    assert set(view) == {"statement", "statement_type", "direction", "strength", "certainty", "population",
                         "intervention", "comparator", "dosing", "citations"}
    expected = hashlib.sha256(json.dumps(view, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert materiality.content_hash(BASE_REC) == expected


def test_unknown_fields_count_as_material() -> None:
    assert materiality.is_material_change(BASE_REC, {**BASE_REC, "new_clinical_field": "x"})


def test_topic_fields_are_classified() -> None:
    topic = {"id": "t", "question": "Q?", "title": "T", "summary": "r-1", "audience": ["clinicians"],
             "sections": [{"id": "s", "title": "S"}], "last_updated": "2026-01-01"}
    assert not materiality.is_material_change(topic, {**topic, "title": "Better title",
                                                      "sections": [{"id": "s", "title": "S, fixed"}],
                                                      "last_updated": "2026-02-02"})
    assert materiality.is_material_change(topic, {**topic, "question": "Other Q?"})


# --- approvals in real git repositories -----------------------------------------------------------------

def _approve_all(root: Path, *reviewers: Actor) -> None:
    for reviewer in reviewers:
        record_decision(root, None, reviewer)
        commit(root, reviewer, f"Approval by {reviewer.name}")


def test_valid_approvals_reach_the_quorum(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    result = statuses(root)
    assert all(s.approved for s in result.values()), {k: s.explain() for k, s in result.items()}
    assert sorted(c.decision.reviewer for c in result[REC].valid) == [MEI.email, TOMAS.email]
    set_state(root, "approved")
    assert wfl_findings(root) == []


def test_quorum_not_met(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS)
    set_state(root, "approved")
    status = statuses(root)[REC]
    assert not status.approved and status.missing == ("1 of 2 valid approvals",)
    hits = [(f.rule, f.file, f.line, f.record) for f in wfl_findings(root) if f.record == REC]
    assert hits == [("WFL001", str(root / TOPIC_FILE), line_of(root, REC, "review_state"), REC)]


def test_self_approval_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    sha = commit(root, TOMAS, "Tomas rewords the calcium advice")
    _approve_all(root, TOMAS, MEI)
    result = statuses(root)
    assert problems(result[REC], TOMAS) == (f"{TOMAS.email} authored the change (commit {sha[:10]})",)
    assert not result[REC].approved
    # Tomas did not touch the vitamin D record, so his approval of it counts.
    assert result["supplements-02"].approved


def test_coauthor_trailer_counts_as_author(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    commit(root, EDITOR, f"Reword\n\nCo-authored-by: Mei-Lin Castellanos <{MEI.email}>")
    _approve_all(root, TOMAS, MEI)
    assert any("authored the change" in p for p in problems(statuses(root)[REC], MEI))


def test_uncommitted_edits_belong_to_the_current_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    record_decision(root, [REC], TOMAS)
    monkeypatch.setenv("GIT_AUTHOR_NAME", TOMAS.name)
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", TOMAS.email)
    assert f"{TOMAS.email} authored the change (uncommitted edits)" in problems(statuses(root)[REC], TOMAS)


def test_non_member_and_editor_approvals_do_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, OUTSIDER, EDITOR_2)
    result = statuses(root)[REC]
    assert problems(result, OUTSIDER) == (f"{OUTSIDER.email} is not on the board roster (board.yaml)",)
    assert problems(result, EDITOR_2) == (f"{EDITOR_2.email} is editor, not a board member or chair",)
    assert result.missing == ("0 of 2 valid approvals",)


def test_material_edit_makes_approvals_stale(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    commit(root, EDITOR, "Mark approved")
    edit(root, "        dose: 1000\n        dose_max: 1200\n        unit: mg\n        route: oral\n        frequency: daily\n"
               "    citations:\n      - supplements-ref-1\n      - supplements-ref-2",
         "        dose: 1500\n        dose_max: 1200\n        unit: mg\n        route: oral\n        frequency: daily\n"
         "    citations:\n      - supplements-ref-1\n      - supplements-ref-2")
    commit(root, EDITOR, "Change the calcium dose")
    status = statuses(root)[REC]
    assert problems(status, TOMAS) == ("stale: the content changed materially after this approval",)
    assert [(f.rule, f.line, f.record) for f in wfl_findings(root)] == [
        ("WFL001", line_of(root, REC, "review_state"), REC)]
    assert "stale" in wfl_findings(root)[0].message


def test_editorial_edit_keeps_approvals(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    edit(root, "notes: Dose as in the source article.", "notes: Dose as printed in the source article.")
    edit(root, 'lead: "All patients require:"', 'lead: "Every patient requires:"')
    edit(root, "title: Essential Adjunctive Therapy", "title: Essential Adjunct Therapy")
    commit(root, TOMAS, "Editorial fixes by a board member")
    result = statuses(root)
    assert all(s.approved for s in result.values())
    assert wfl_findings(root) == []


def test_editorial_quorum_asks_for_approval_of_the_exact_text(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "editorial_quorum: 0", "editorial_quorum: 1", "guidelines/policy.yaml")
    _approve_all(root, TOMAS, MEI)
    edit(root, "notes: Dose as in the source article.", "notes: Dose as printed in the source article.")
    commit(root, EDITOR, "Editorial fix")
    assert statuses(root)["supplements-02"].missing == (
        "0 of 1 approvals cover the current wording and layout (editorial_quorum)",)
    assert statuses(root)[REC].approved


def test_chair_required(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "chair_required: false", "chair_required: true", "guidelines/policy.yaml")
    _approve_all(root, TOMAS, MEI)
    assert statuses(root)[REC].missing == ("no valid approval from the chair",)
    _approve_all(root, CHAIR)
    assert statuses(root)[REC].approved


def test_hand_edited_state_is_an_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    set_state(root, "published")
    commit(root, EDITOR, "Publish by hand")
    found = [(f.rule, f.file, f.line, f.record) for f in wfl_findings(root)]
    expected_records = [TOPIC, "supplements-00", REC, "supplements-02"]
    assert found == [("WFL001", str(root / TOPIC_FILE), line_of(root, rid, "review_state"), rid)
                     for rid in expected_records]


def test_roster_self_insertion_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "    - id: priya-lindqvist\n",
         "    - id: olle-outsider\n      name: Olle Outsider\n      email: olle.outsider@example.org\n"
         "      roles: [board-member]\n    - id: priya-lindqvist\n", "guidelines/board.yaml")
    sha = commit(root, OUTSIDER, "Add myself to the board")
    _approve_all(root, OUTSIDER, TOMAS)
    assert problems(statuses(root)[REC], OUTSIDER) == (
        f"{OUTSIDER.email} added or changed their own roster entry (commit {sha[:10]})",)


def test_roster_entry_added_with_the_approval_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "      roles: [editor]\n      areas: [spine, pain-medicine]",
         "      roles: [editor, board-member]\n      areas: [spine, pain-medicine]", "guidelines/board.yaml")
    record_decision(root, None, EDITOR_2)
    sha = commit(root, EDITOR, "Promote Samuel and record his approval")
    _approve_all(root, TOMAS)
    assert problems(statuses(root)[REC], EDITOR_2) == (
        f"the roster entry (commit {sha[:10]}) is not older than the approval (commit {sha[:10]})",)
    # Promoted by someone else in an earlier commit, his later approval counts.
    root2 = make_repo(tmp_path / "second")
    edit(root2, "      roles: [editor]\n      areas: [spine, pain-medicine]",
         "      roles: [editor, board-member]\n      areas: [spine, pain-medicine]", "guidelines/board.yaml")
    commit(root2, CHAIR, "Promote Samuel")
    _approve_all(root2, EDITOR_2, TOMAS)
    assert statuses(root2)[REC].approved


def test_uncommitted_roster_entry_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "roles: [board-member]\n      areas: [clinical-pharmacology]",
         "roles: [board-member, chair]\n      areas: [clinical-pharmacology]", "guidelines/board.yaml")
    record_decision(root, None, RAFAEL)
    assert problems(statuses(root)[REC], RAFAEL) == (f"the roster entry of {RAFAEL.email} is not committed yet",)


def test_approvals_do_not_count_outside_git(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    record_decision(root, None, TOMAS)
    assert problems(statuses(root)[REC], TOMAS) == ("authorship cannot be checked outside a git repository",)


def test_authors_before_the_last_publication_may_approve_the_next_change(tmp_path: Path) -> None:
    from guideline.corpus.reviews import LoggedTransition

    root = make_repo(tmp_path)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    commit(root, TOMAS, "Tomas writes the first version")
    _approve_all(root, MEI, RAFAEL)
    published = statuses(root)[REC].content_hash
    project, _ = corpus_of(root)
    append_review_log(reviews_path(project, TOPIC), TOPIC, transitions=[
        LoggedTransition(REC, "publish", "approved", "published", EDITOR.email, TODAY, None, published)])
    commit(root, EDITOR, "Published")
    edit(root, "Calcium 1000-1200 mg/day with meals\n", "Calcium 1000-1200 mg/day with food\n")
    commit(root, EDITOR_2, "Samuel revises it")
    _approve_all(root, TOMAS, MEI)
    status = statuses(root)[REC]
    # Only board members' and reviewers' authorship is tracked; Tomas's first version predates the baseline.
    assert status.authors == ()
    assert status.approved


def test_unresolved_comment_on_approved_record(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    add_comment(root, REC, CHAIR, "Which calcium salt?")
    found = [(f.rule, f.file, f.record) for f in wfl_findings(root)]
    assert found == [("WFL002", str(root / REVIEWS_FILE), REC)]
    line = next(i for i, text in enumerate((root / REVIEWS_FILE).read_text().splitlines(), 1)
                if text.strip() == f"- id: {TOPIC}-c1")
    assert wfl_findings(root)[0].line == line


# --- the publication gate -------------------------------------------------------------------------------

def _rules(result: GateResult) -> list[tuple[str, str | None]]:
    return [(f.rule, f.record) for f in result.reasons]


def test_gate_passes_for_approved_topic(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    result = run_gate(root)
    assert result.ok, [f.message for f in result.reasons]
    assert result.reviewers() == ("Dr. Mei-Lin Castellanos", "Dr. Tomas Okafor")


def test_gate_lists_every_reason(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS)
    add_comment(root, "supplements-02", CHAIR, "Check the dose")
    result = run_gate(root)
    assert sorted(_rules(result)) == sorted([
        ("WFL003", TOPIC), ("WFL003", "supplements-00"), ("WFL003", REC), ("WFL003", "supplements-02"),
        ("WFL002", "supplements-02")])
    first = next(f for f in result.reasons if f.record == REC)
    assert first.message == f"recommendation '{REC}' is submitted; 1 of 2 valid approvals"
    assert first.line == line_of(root, REC, "review_state")


def test_deleting_the_review_log_does_not_pass_the_gate(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    add_comment(root, REC, CHAIR, "Which calcium salt?")
    assert ("WFL002", REC) in _rules(run_gate(root))
    (root / REVIEWS_FILE).unlink()
    result = run_gate(root)
    assert sorted(_rules(result)) == sorted(
        [("WFL001", TOPIC), ("WFL001", "supplements-00"), ("WFL001", REC), ("WFL001", "supplements-02")])


def test_deleting_the_references_does_not_pass_the_gate(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    (root / "guidelines" / "references" / f"{TOPIC}.yaml").unlink()
    result = run_gate(root)
    assert sorted(_rules(result)) == sorted([("WFL007", "supplements-00"), ("WFL007", REC), ("WFL007", REC),
                                             ("WFL007", "supplements-02")])
    assert {f.line for f in result.reasons if f.record == REC} == {line_of(root, REC, "citations") + 1,
                                                                   line_of(root, REC, "citations") + 2}


def test_deleting_a_failing_record_makes_the_topic_approval_stale(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    text = (root / TOPIC_FILE).read_text(encoding="utf-8")
    (root / TOPIC_FILE).write_text(text[:text.index("  - id: supplements-02")].rstrip() + "\n", encoding="utf-8")
    commit(root, EDITOR, "Drop the vitamin D record")
    result = run_gate(root)
    assert _rules(result) == [("WFL001", TOPIC)]
    assert "stale" in result.reasons[0].message


def test_validation_errors_of_the_topic_block_the_gate(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    # An editorial field with a bad value: the approvals still count, the schema error blocks.
    edit(root, "    notes: Dose as in the source article.\n",
         "    notes: Dose as in the source article.\n    provenance:\n      line: 0\n")
    result = run_gate(root)
    assert [(f.rule, f.record) for f in result.reasons] == [("SCH004", "supplements-02")]


def test_review_log_integrity(tmp_path: Path) -> None:
    from guideline.corpus.reviews import LoggedTransition

    root = make_repo(tmp_path)
    project, _ = corpus_of(root)
    append_review_log(reviews_path(project, TOPIC), TOPIC, transitions=[
        LoggedTransition(REC, "publish", "draft", "published", EDITOR.email, TODAY),
        LoggedTransition("osteoporotic-spine-fracture-01", "submit", "draft", "submitted", EDITOR.email, TODAY)])
    shutil.copy(REPO_ROOT / "guidelines/topics/osteoporotic-spine-fracture.yaml", root / "guidelines/topics")
    add_comment(root, REC, CHAIR, "one")
    add_comment(root, REC, CHAIR, "two")
    lines = (root / REVIEWS_FILE).read_text().splitlines()

    def at(text: str, nth: int = 0) -> int:
        return [i for i, line in enumerate(lines, 1) if line.strip() == text][nth]

    found = [(f.rule, f.line, f.record) for f in wfl_findings(root)]
    assert found == [
        ("WFL008", at(f"- record: {REC}"), REC),
        ("WFL004", at("- record: osteoporotic-spine-fracture-01"), "osteoporotic-spine-fracture-01"),
        ("WFL004", at(f"- id: {TOPIC}-c1", 1), REC),
    ]


def test_unknown_successor_and_duplicate_roster_email(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "    notes: Dose as in the source article.\n",
         "    notes: Dose as in the source article.\n    superseded_by: supplements-99\n")
    edit(root, "email: samuel.adeyemi@example.org", "email: Priya.Lindqvist@example.org", "guidelines/board.yaml")
    found = [(f.rule, f.file, f.line) for f in wfl_findings(root)]
    board = (root / "guidelines/board.yaml").read_text().splitlines()
    assert found == [
        ("WFL005", str(root / "guidelines/board.yaml"),
         next(i for i, line in enumerate(board, 1) if line.strip() == "- id: samuel-adeyemi")),
        ("WFL006", str(root / TOPIC_FILE), line_of(root, "supplements-02", "superseded_by")),
    ]
