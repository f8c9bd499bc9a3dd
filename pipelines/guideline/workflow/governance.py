"""Governance: the data files that decide what the gate decides, and which version of them is in force.

Every file under guidelines/ that is not a topic, a bibliography or a review log (roster, policy, workflow,
waivers, safety notices, retractions, vocabulary, grading schemes, paradigms, expectations, publication
boilerplate) is governed. A change to them takes effect only when board members of the roster in force
before the change approve it, by the quorum of the policy in force before it, with signed decisions on the
hash of the whole governed state (guidelines/reviews/governance.yaml). Trust starts at a trust root commit:
its governed state is in force until the board adopts another, one approved step at a time, as The Update
Framework trusts a new root only when a threshold of the old root's keys signed it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from guideline.corpus.identity import decision_signer, keys_of
from guideline.corpus.loader import parse_text
from guideline.corpus.policy import Policy
from guideline.corpus.project import Project, load_project
from guideline.corpus.reviews import Decision, ReviewLog, review_log_of
from guideline.corpus.roster import Member, Roster, roster_of
from guideline.git.commits import (
    commits_between,
    mainline_commits,
    pathspecs,
    read_blobs,
    resolve_commit,
    root_commit,
    tree_files,
)
from guideline.git.history import History
from guideline.git.runner import work_tree
from guideline.git.signatures import Verifier

GOVERNANCE_RECORD = "governance"
GOVERNANCE_LOG = "reviews/governance.yaml"
UNGOVERNED_DIRS = ("topics", "references", "reviews")
ROSTER_FILE = "board.yaml"
POLICY_FILE = "policy.yaml"


def is_governed(name: str) -> bool:
    """Whether a file (named relative to guidelines/) is governance."""
    return name.endswith((".yaml", ".yml")) and name.split("/", 1)[0] not in UNGOVERNED_DIRS


@dataclass(frozen=True)
class GovernanceState:
    """The governed files at one commit (None: the working tree), name relative to guidelines/ -> bytes."""

    commit: str | None
    files: Mapping[str, bytes]

    @property
    def hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    def roster(self, data_dir: Path) -> Roster:
        raw = self.files.get(ROSTER_FILE)
        return roster_of(parse_text(raw, f"{ROSTER_FILE}") if raw is not None else None, data_dir / ROSTER_FILE)

    def policy(self) -> Policy:
        raw = self.files.get(POLICY_FILE)
        return Policy.from_data(parse_text(raw, POLICY_FILE).data if raw is not None else None)

    def differs(self, other: GovernanceState) -> tuple[str, ...]:
        return tuple(sorted(n for n in set(self.files) | set(other.files) if self.files.get(n) != other.files.get(n)))


@dataclass(frozen=True)
class Adoption:
    """A governance state that took effect, and the approvals that made it so."""

    state: GovernanceState
    approvers: tuple[str, ...]


@dataclass(frozen=True)
class PendingChange:
    """Governed files that differ from the state in force, and why they are not in force yet."""

    files: tuple[str, ...]
    hash: str
    commits: tuple[str, ...]
    signers: tuple[str, ...]
    unsigned: tuple[str, ...]
    approvers: tuple[str, ...]
    missing: tuple[str, ...]

    def explain(self) -> str:
        made = ", ".join(self.signers) or "nobody the roster knows"
        commits = f" in commit(s) {', '.join(c[:10] for c in self.commits)}" if self.commits else ""
        return (f"{', '.join(self.files)} changed (by {made}){commits} but the change is not approved: "
                f"{'; '.join(self.missing)}")


@dataclass(frozen=True)
class Governance:
    trust_root: str
    effective: GovernanceState
    adopted: tuple[Adoption, ...]
    pending: PendingChange | None


@dataclass(frozen=True)
class _Candidate:
    state: GovernanceState
    commits: tuple[str, ...]


def evaluate(root: Path, folder: str, history: History, trust_root: str | None = None,
             worktree: Mapping[str, bytes] | None = None) -> Governance:
    """The governance in force at HEAD (and in the working tree), from the trust root on.

    folder is the corpus folder relative to the repository root (guidelines); worktree, when given, is the
    governed state on disk, which takes effect only if approved like any other."""
    start = resolve_commit(root, trust_root) if trust_root else root_commit(root)
    effective = state_at(root, folder, start)
    data_dir = root / folder
    log = _governance_log(history, data_dir)
    adopted: list[Adoption] = []
    specs = pathspecs(folder, UNGOVERNED_DIRS)
    since = start
    last: _Candidate | None = None
    for sha in mainline_commits(root, start, specs):
        state = state_at(root, folder, sha)
        if state.hash == effective.hash:
            since, last = sha, None
            continue
        candidate = _Candidate(state, tuple(commits_between(root, since, sha, specs)))
        verdict = _verdict(data_dir, history, effective, candidate, log)
        if verdict.missing:
            last = candidate
            continue
        adopted.append(Adoption(state, verdict.approvers))
        effective, since, last = state, sha, None
    if worktree is not None:
        state = GovernanceState(None, dict(worktree))
        if state.hash != effective.hash and (last is None or state.hash != last.state.hash):
            last = _Candidate(state, last.commits if last else ())
    pending = None
    if last is not None:
        pending = _verdict(data_dir, history, effective, last, log)
        if not pending.missing:
            adopted.append(Adoption(last.state, pending.approvers))
            effective, pending = last.state, None
    return Governance(start, effective, tuple(adopted), pending)


def state_at(root: Path, folder: str, sha: str) -> GovernanceState:
    entries = {name: blob for name, blob in tree_files(root, sha, folder).items() if is_governed(name)}
    blobs = read_blobs(root, list(entries.values()))
    return GovernanceState(sha, {name: blobs[blob] for name, blob in entries.items()})


def _governance_log(history: History, data_dir: Path) -> ReviewLog:
    path = data_dir / GOVERNANCE_LOG
    doc = parse_text(path.read_bytes(), str(path)) if path.is_file() else None
    return review_log_of(doc, GOVERNANCE_RECORD, path)


def _verdict(data_dir: Path, history: History, effective: GovernanceState, candidate: _Candidate,
             log: ReviewLog) -> PendingChange:
    roster = effective.roster(data_dir)
    policy = effective.policy()
    verifier = Verifier(history.workdir, keys_of(roster))
    signatures = verifier.verify(candidate.commits)
    signers = sorted({s.principal for s in signatures.values() if s.good and s.principal})
    unsigned = tuple(sha for sha, s in signatures.items() if not s.good)
    approvers: list[Member] = []
    for decision in _approvals(log, candidate.state.hash):
        member, _ = decision_signer(decision, log, roster, verifier, history)
        if member is not None and member.approver and member.id not in signers and member not in approvers:
            approvers.append(member)
    quorum = max(1, policy.material_quorum)
    missing: list[str] = []
    if len(approvers) < quorum:
        missing.append(f"{len(approvers)} of {quorum} signed board approvals of governance state "
                       f"{candidate.state.hash[:12]}")
    if policy.chair_required and not any(m.chair for m in approvers):
        missing.append("no signed approval from the chair")
    if unsigned and policy.require_signed_changes:
        missing.append(f"made by unsigned commit(s) {', '.join(s[:10] for s in unsigned)}")
    return PendingChange(effective.differs(candidate.state), candidate.state.hash, candidate.commits,
                         tuple(signers), unsigned, tuple(m.id for m in approvers), tuple(missing))


def _approvals(log: ReviewLog, state_hash: str) -> Sequence[Decision]:
    return [d for d in log.decisions
            if d.record == GOVERNANCE_RECORD and d.decision == "approve" and d.content_hash == state_hash]


@dataclass(frozen=True)
class InForce:
    """The project as the governance in force sees it, and how that was decided (None outside git)."""

    project: Project
    governance: Governance | None


def in_force(project: Project, trust_root: str | None = None) -> InForce:
    """The project with its governed files as last approved: what the gate, status and decisions use."""
    top = work_tree(project.root)
    if top is None:
        return InForce(project, None)
    history = History.open(project.root)
    if history is None or history.problem:
        return InForce(project, None)
    try:
        folder = project.data_dir.resolve().relative_to(top).as_posix()
        on_disk = governed_on_disk(project.data_dir)
        governance = evaluate(top, folder, history, trust_root, on_disk)
    finally:
        history.close()
    effective = governance.effective.files
    if dict(effective) == on_disk:
        return InForce(project, governance)
    overrides: dict[str, bytes | None] = {name: None for name in on_disk}
    overrides.update(effective)
    return InForce(load_project(project.root, shown_from=project.shown_from, overrides=overrides), governance)


def governed_on_disk(data_dir: Path) -> dict[str, bytes]:
    """The governed files in the working tree (topics, bibliographies and review logs are not walked)."""
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(data_dir):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if here != data_dir or d not in UNGOVERNED_DIRS)
        for name in sorted(filenames):
            relative = (here / name).relative_to(data_dir).as_posix()
            if is_governed(relative) and (here / name).is_file():
                found[relative] = (here / name).read_bytes()
    return found
