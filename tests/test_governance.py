"""Which governance is in force: a change to the roster or policy takes effect only once board members of the
roster in force before it approve it with signed decisions. Real repositories, real keys, git verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from guideline.git.history import History
from guideline.workflow.governance import GOVERNANCE_LOG, Governance, GovernanceState, evaluate, state_at
from helpers.signing import Person, act_as, commit_all, git, make_people, signed_project


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Person]:
    return make_people(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def repo(tmp_path: Path, people: dict[str, Person]) -> Path:
    return signed_project(tmp_path / "project", people)


def governance(root: Path) -> Governance:
    history = History.open(root)
    assert history is not None
    try:
        return evaluate(root, "guidelines", history)
    finally:
        history.close()


def lower_quorum(root: Path, person: Person, *, sign: bool = True) -> None:
    act_as(root, person)
    policy = root / "guidelines" / "policy.yaml"
    policy.write_text(policy.read_text().replace("material_quorum: 2", "material_quorum: 1"))
    commit_all(root, "Lower the quorum", sign=sign)


def approve_state(root: Path, person: Person, state: GovernanceState, *, sign: bool = True) -> None:
    """A governance approval as `guideline review approve governance` records it: its own signed commit."""
    act_as(root, person)
    log = root / "guidelines" / GOVERNANCE_LOG
    text = log.read_text() if log.exists() else "reviews:\n  topic: governance\n  decisions:\n"
    text += (f"    - record: governance\n      reviewer: {person.email}\n      decision: approve\n"
             f"      date: \"2026-11-25\"\n      content_hash: {state.hash}\n")
    log.write_text(text)
    commit_all(root, f"Governance approval by {person.id}", sign=sign)


def policy_in_force(result: Governance) -> bytes:
    return result.effective.files["policy.yaml"]


def test_the_trust_root_is_in_force_when_nothing_changed(repo: Path) -> None:
    result = governance(repo)
    assert result.pending is None
    assert result.trust_root == git(repo, "rev-parse", "HEAD")
    assert b"material_quorum: 2" in policy_in_force(result)


def test_an_editor_lowering_the_quorum_changes_nothing(repo: Path, people: dict[str, Person]) -> None:
    lower_quorum(repo, people["priya-lindqvist"])
    result = governance(repo)
    assert b"material_quorum: 2" in policy_in_force(result)
    assert result.pending is not None
    assert result.pending.files == ("policy.yaml",)
    assert result.pending.signers == ("priya-lindqvist",)
    assert "0 of 2 signed board approvals" in result.pending.explain()


def test_a_change_approved_by_the_quorum_takes_effect(repo: Path, people: dict[str, Person]) -> None:
    lower_quorum(repo, people["priya-lindqvist"])
    pending = governance(repo).pending
    state = _head_state(repo)
    assert pending is not None and pending.hash == state.hash
    approve_state(repo, people["tomas-okafor"], state)
    approve_state(repo, people["mei-lin-castellanos"], state)
    result = governance(repo)
    assert result.pending is None
    assert b"material_quorum: 1" in policy_in_force(result)
    assert result.adopted[-1].approvers == ("tomas-okafor", "mei-lin-castellanos")


def test_approvals_in_unsigned_commits_or_by_the_author_do_not_count(repo: Path, people: dict[str, Person]) -> None:
    lower_quorum(repo, people["tomas-okafor"])
    state = _head_state(repo)
    approve_state(repo, people["tomas-okafor"], state)            # the author approving their own change
    approve_state(repo, people["mei-lin-castellanos"], state, sign=False)  # a claim without a signature
    result = governance(repo)
    assert b"material_quorum: 2" in policy_in_force(result)
    assert result.pending is not None and result.pending.approvers == ()


def test_an_outsider_added_to_the_roster_cannot_approve_their_own_admission(
        repo: Path, people: dict[str, Person]) -> None:
    outsider = people["olle-outsider"]
    act_as(repo, people["priya-lindqvist"])
    board = repo / "guidelines" / "board.yaml"
    board.write_text(board.read_text().replace(
        "    - id: priya-lindqvist\n",
        f"    - id: olle-outsider\n      name: Olle\n      email: {outsider.email}\n      roles: [board-member]\n"
        f"      signing_keys:\n        - {outsider.public}\n    - id: priya-lindqvist\n"))
    commit_all(repo, "Add a board member")
    state = _head_state(repo)
    approve_state(repo, outsider, state)
    approve_state(repo, people["tomas-okafor"], state)
    result = governance(repo)
    assert result.pending is not None
    assert result.pending.approvers == ("tomas-okafor",)
    assert b"olle-outsider" not in result.effective.files["board.yaml"]


def _head_state(root: Path) -> GovernanceState:
    return state_at(root, "guidelines", git(root, "rev-parse", "HEAD"))
