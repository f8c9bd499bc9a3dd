"""Materiality, approval validity and the publication gate, in real git repositories where each person signs
with their own key (the small topic and the people who sign its commits are in helpers.workflow)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from guideline.checks.approvals import Approvals, RecordStatus
from guideline.checks.workflow import check_corpus
from guideline.corpus import materiality
from guideline.corpus.article import records_by_topic, topic_records
from guideline.corpus.reviews import load_review_log, reviews_path
from guideline.findings import Finding
from guideline.workflow.gate import GateResult, gate
from guideline.workflow.recording import append_review_log
from helpers import REPO_ROOT, run_cli
from helpers.signing import Person, act_as
from helpers.workflow import (
    BOARD_FILE,
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
    as_user,
    commit,
    corpus_of,
    edit,
    line_of,
    make_repo,
    record_decision,
    set_state,
    write_decision,
)

OUTSIDER_ENTRY = (f"    - id: olle-outsider\n      name: Olle Outsider\n      email: {OUTSIDER.email}\n"
                  f"      roles: [board-member]\n      signing_keys:\n        - {OUTSIDER.public}\n"
                  "    - id: priya-lindqvist\n")
PROMOTED = ("      roles: [editor]\n      areas: [spine, pain-medicine]",
            "      roles: [editor, board-member]\n      areas: [spine, pain-medicine]")


def statuses(root: Path) -> dict[str, RecordStatus]:
    project, corpus = corpus_of(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    recs = records_by_topic(corpus)[TOPIC]
    log = load_review_log(project, TOPIC, corpus)
    approvals = Approvals.open(project, corpus)
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
    approvals = Approvals.open(project, corpus)
    try:
        return gate(topic, corpus, project, findings, approvals, records_by_topic(corpus).get(TOPIC, []), log)
    finally:
        approvals.close()


def problems(status: RecordStatus, reviewer: Person) -> tuple[str, ...]:
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

def _approve_all(root: Path, *reviewers: Person) -> list[str]:
    """Each reviewer's approval of the whole topic, in its own commit signed by the reviewer: the commits."""
    return [record_decision(root, None, reviewer) for reviewer in reviewers]


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
    assert problems(result[REC], TOMAS) == (f"{TOMAS.id} authored the change (commit {sha[:10]})",)
    # The editor signed the import, Tomas his rewording.
    assert result[REC].authors == (EDITOR.id, TOMAS.id)
    assert not result[REC].approved
    # Tomas did not touch the vitamin D record, so his approval of it counts.
    assert result["supplements-02"].approved


def test_the_signer_is_the_author_whatever_the_commit_claims(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    # Signed by Mei, claiming Rafael as author and committer and Tomas as co-author.
    sha = commit(root, MEI, f"Reword\n\nCo-authored-by: {TOMAS.name} <{TOMAS.email}>", claimed=RAFAEL)
    _approve_all(root, TOMAS, MEI, RAFAEL)
    status = statuses(root)[REC]
    assert status.authors == (MEI.id, EDITOR.id)
    assert problems(status, MEI) == (f"{MEI.id} authored the change (commit {sha[:10]})",)
    assert problems(status, TOMAS) == problems(status, RAFAEL) == ()
    assert status.approved


def test_uncommitted_edits_belong_to_the_signing_key(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    edit(root, "Calcium 1000-1200 mg/day\n", "Calcium 1000-1200 mg/day with meals\n")
    record_decision(root, [REC], TOMAS)
    # The clone signs as Tomas (user.signingkey): the edits on disk are his.
    act_as(root, TOMAS)
    status = statuses(root)[REC]
    assert problems(status, TOMAS) == (f"{TOMAS.id} authored the change (uncommitted edits)",)
    assert status.authors == (EDITOR.id, TOMAS.id)
    # Signing as the editor, they are hers, and Tomas's approval of them counts.
    act_as(root, EDITOR)
    status = statuses(root)[REC]
    assert (status.authors, problems(status, TOMAS)) == ((EDITOR.id,), ())
    # Signing with a key the roster does not know, nobody can tell who wrote them.
    act_as(root, OUTSIDER)
    assert any("changed by uncommitted edits without a signature from a roster key" in m
               for m in statuses(root)[REC].missing)


def test_non_member_and_editor_approvals_do_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, OUTSIDER, EDITOR_2)
    result = statuses(root)[REC]
    assert problems(result, OUTSIDER) == (f"{OUTSIDER.email} is not on the board roster (board.yaml)",)
    assert problems(result, EDITOR_2) == (f"{EDITOR_2.email} is editor, not a board member or chair",)
    assert result.missing == ("0 of 2 valid approvals",
                              "0 of 1 approvals cover the current wording and layout (editorial_quorum)")


def test_material_edit_makes_approvals_stale(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    commit(root, EDITOR, "Mark approved")
    edit(root, "        dose: 1000\n        dose_max: 1200\n        unit: mg\n        route: oral\n        frequency: daily\n"
               "    citations:\n      - supplements-ref-1\n      - supplements-ref-2",
         "        dose: 1500\n        dose_max: 1200\n        unit: mg\n        route: oral\n        frequency: daily\n"
         "    citations:\n      - supplements-ref-1\n      - supplements-ref-2")
    sha = commit(root, EDITOR, "Change the calcium dose")
    status = statuses(root)[REC]
    stale = f"stale: the content changed after this approval (commit {sha[:10]} by {EDITOR.id})"
    assert problems(status, TOMAS) == (stale,)
    assert [(f.rule, f.line, f.record) for f in wfl_findings(root)] == [
        ("WFL001", line_of(root, REC, "review_state"), REC)]
    assert "stale" in wfl_findings(root)[0].message


def test_editorial_edit_keeps_approvals(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    edit(root, "notes: Dose as in the source article.", "notes: Dose as printed in the source article.")
    edit(root, "title: Essential Adjunctive Therapy", "title: Essential Adjunct Therapy")
    commit(root, TOMAS, "Editorial fixes by a board member")
    result = statuses(root)
    # The approvals of the content still count (Tomas authored no content change); one approval of the exact
    # new text is what the editorial_quorum asks for, and Tomas may give it.
    assert {rid: s.missing for rid, s in result.items() if s.missing} == {
        rid: ("0 of 1 approvals cover the current wording and layout (editorial_quorum)",)
        for rid in (TOPIC, "supplements-02")}
    assert all(s.authors == (EDITOR.id,) for s in result.values())
    _approve_all(root, TOMAS)
    assert all(s.approved for s in statuses(root).values())
    assert wfl_findings(root) == []


def test_a_lead_line_is_material(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    edit(root, 'lead: "All patients require:"', 'lead: "No patient should take any of the following:"')
    sha = commit(root, EDITOR, "A new lead")
    status = statuses(root)[TOPIC]
    stale = f"stale: the content changed after this approval (commit {sha[:10]} by {EDITOR.id})"
    assert problems(status, TOMAS) == (stale,)
    assert not status.approved


def test_editorial_quorum_asks_for_approval_of_the_exact_text(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    # The shipped policy asks for it.
    assert "editorial_quorum: 1\n" in (root / "guidelines/policy.yaml").read_text(encoding="utf-8")
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


# A roster change (a member, a role, a key) is governance: the gate and status decide by the roster in force
# until board members of that roster approve the change.

def _publish_refused(root: Path) -> tuple[dict[str, str], str]:
    """Publish as the editor, expect the refusal: the WFL001 message of each record, and what stderr says."""
    result = run_cli("publish", "--format", "json", cwd=root, env=as_user(EDITOR))
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {f["record"] for f in findings if f["rule"] == "WFL001"} == {TOPIC, "supplements-00", REC,
                                                                        "supplements-02"}
    found = next(f for f in findings if f["rule"] == "WFL001" and f["record"] == REC)
    assert (found["file"], found["line"]) == (TOPIC_FILE, line_of(root, REC, "review_state"))
    return {f["record"]: f["message"] for f in findings if f["rule"] == "WFL001"}, result.stderr


def _claim_approved(root: Path) -> None:
    set_state(root, "approved")
    commit(root, EDITOR, "Approved", paths=[TOPIC_FILE])


def test_roster_self_insertion_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, "    - id: priya-lindqvist\n", OUTSIDER_ENTRY, BOARD_FILE)
    sha = commit(root, OUTSIDER, "Add myself to the board")
    _approve_all(root, OUTSIDER, TOMAS)
    _claim_approved(root)
    # By the roster on disk the outsider's signed approval would count: only governance keeps it out.
    assert statuses(root)[REC].approved
    messages, stderr = _publish_refused(root)
    assert (f"approval by {OUTSIDER.email} does not count: {OUTSIDER.email} is not on the board roster"
            in messages[REC])
    assert (f"governance not in force: board.yaml changed (by nobody the roster knows) in commit(s) "
            f"{sha[:10]} but the change is not approved") in stderr
    assert f"made by unsigned commit(s) {sha[:10]}" in stderr
    pending = json.loads(run_cli("status", "--format", "json", cwd=root).stdout)["pending_governance"]
    assert (pending["files"], pending["unsigned"], pending["approvers"]) == (["board.yaml"], [sha], [])


def test_roster_entry_added_with_the_approval_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    edit(root, PROMOTED[0], PROMOTED[1], BOARD_FILE)
    promotion = commit(root, EDITOR, "Promote Samuel")
    _approve_all(root, EDITOR_2, TOMAS)
    _claim_approved(root)
    messages, stderr = _publish_refused(root)
    assert (f"approval by {EDITOR_2.email} does not count: {EDITOR_2.email} is editor, not a board member or "
            f"chair" in messages[REC])
    assert (f"governance not in force: board.yaml changed (by {EDITOR.id}) in commit(s) {promotion[:10]} but "
            f"the change is not approved: 0 of 2 signed board approvals") in stderr
    # Once two board members approve the promotion, Samuel's own signed approval counts; one the editor wrote
    # and signed in his name never does.
    root2 = make_repo(tmp_path / "second")
    edit(root2, PROMOTED[0], PROMOTED[1], BOARD_FILE)
    commit(root2, EDITOR, "Promote Samuel")
    for member in (MEI, RAFAEL):
        done = run_cli("review", "approve", "governance", cwd=root2, env=as_user(member))
        assert done.returncode == 0, done.stderr
    forged = record_decision(root2, None, EDITOR_2, signer=EDITOR)
    _approve_all(root2, TOMAS)
    status = json.loads(run_cli("status", "--format", "json", cwd=root2).stdout)
    assert status["pending_governance"] is None
    record = next(r for r in status["topics"][0]["records"] if r["id"] == REC)
    assert record["not_counted"][EDITOR_2.email] == [
        (f"the commit that recorded it ({forged[:10]}) is signed by {EDITOR.id}, not by {EDITOR_2.id}: "
         f"only {EDITOR_2.id}'s own signed decision counts")]
    _approve_all(root2, EDITOR_2)
    _claim_approved(root2)
    published = run_cli("publish", cwd=root2, env=as_user(EDITOR))
    assert published.returncode == 0, published.stdout + published.stderr


def test_uncommitted_roster_entry_does_not_count(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    # A second key for Tomas, on disk only; a decision in his name signed with it, and Mei's own.
    edit(root, f"        - {TOMAS.public}\n", f"        - {TOMAS.public}\n        - {OUTSIDER.public}\n",
         BOARD_FILE)
    sha = record_decision(root, None, TOMAS, signer=OUTSIDER)
    _approve_all(root, MEI)
    _claim_approved(root)
    assert statuses(root)[REC].approved
    messages, stderr = _publish_refused(root)
    assert (f"approval by {TOMAS.email} does not count: the commit that recorded it ({sha[:10]}) is signed by "
            f"a key that is not on the roster, not by {TOMAS.id}" in messages[REC])
    assert "governance not in force: board.yaml changed" in stderr


def test_approvals_do_not_count_outside_git(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    write_decision(root, None, TOMAS)
    assert problems(statuses(root)[REC], TOMAS) == ("approvals can only be verified in a git repository",)


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
    # The change under review is Samuel's; Tomas's first version predates the published baseline.
    assert status.authors == (EDITOR_2.id,)
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
    approved = _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    add_comment(root, REC, CHAIR, "Which calcium salt?")
    assert ("WFL002", REC) in _rules(run_gate(root))
    (root / REVIEWS_FILE).unlink()
    result = run_gate(root)
    assert sorted(set(_rules(result))) == sorted(
        [("WFL001", TOPIC), ("WFL001", "supplements-00"), ("WFL001", REC), ("WFL001", "supplements-02"),
         ("WFL009", TOPIC)])
    # Each of the eight signed approvals is missed, with a commit that has it.
    removed = [f.message for f in result.reasons if f.rule == "WFL009"]
    assert len(removed) == 8
    assert all("was removed from the review log" in m and any(sha[:10] in m for sha in approved) for m in removed)


def test_deleting_the_references_does_not_pass_the_gate(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _approve_all(root, TOMAS, MEI)
    set_state(root, "approved")
    (root / "guidelines" / "references" / f"{TOPIC}.yaml").unlink()
    result = run_gate(root)
    # The references' printed content is part of what the citing records' approvals covered: they are stale.
    assert sorted(_rules(result)) == sorted([("WFL007", "supplements-00"), ("WFL007", REC), ("WFL007", REC),
                                             ("WFL007", "supplements-02"), ("WFL001", "supplements-00"),
                                             ("WFL001", REC), ("WFL001", "supplements-02")])
    assert {f.line for f in result.reasons if f.record == REC and f.rule == "WFL007"} == {
        line_of(root, REC, "citations") + 1, line_of(root, REC, "citations") + 2}
    assert all("stale" in f.message for f in result.reasons if f.rule == "WFL001")


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
    # An editorial field with a bad value, its exact text approved: the approvals count, the schema error blocks.
    edit(root, "    notes: Dose as in the source article.\n",
         "    notes: Dose as in the source article.\n    provenance:\n      line: 0\n")
    record_decision(root, ["supplements-02"], TOMAS)
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
