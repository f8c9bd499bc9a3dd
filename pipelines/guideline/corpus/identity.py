"""Who made a decision, and who authored a change: signers, as git verifies them against the roster's keys.

A decision (approve, request changes, resolve, review against a safety notice) is the member's when every line
of it in the review log was added by a commit with a good signature from one of that member's keys, or from
the key of a `service` entry (the review app) whose commit names the member in a `Decided-by:` trailer. The
reviewer field, the author and committer e-mails are claims; only the signature decides.
"""

from __future__ import annotations

from collections.abc import Mapping

from guideline.corpus.project import Project
from guideline.corpus.reviews import Decision, ReviewLog
from guideline.corpus.roster import Member, Roster, load_roster
from guideline.git.history import History
from guideline.git.signatures import Signature, Verifier


def keys_of(roster: Roster) -> Mapping[str, tuple[str, ...]]:
    """Allowed signers by principal: each member's roster id with their keys."""
    return {m.id: m.signing_keys for m in roster.members if m.id and m.signing_keys}


def signer_member(signature: Signature, roster: Roster) -> Member | None:
    return roster.by_id(signature.principal) if signature.good else None


def attests(signature: Signature, roster: Roster, member: Member) -> bool:
    """Whether the signed commit speaks for the member: their own key, or a service naming them."""
    signer = signer_member(signature, roster)
    if signer is None:
        return False
    if signer.id == member.id:
        return not signer.service
    return signer.service and member.id in signature.decided_by


def decision_signer(decision: Decision, log: ReviewLog, roster: Roster, verifier: Verifier,
                    history: History | None) -> tuple[Member | None, str]:
    """The member who made the decision, or None with the reason it cannot be attributed to them."""
    return entry_signer(decision.reviewer, decision.lines, log, roster, verifier, history)


def entry_signer(who: str, lines: frozenset[int], log: ReviewLog, roster: Roster, verifier: Verifier,
                 history: History | None) -> tuple[Member | None, str]:
    """The member an entry of the review log names, when every line of it was recorded in a commit signed by
    them (or by a service naming them); else None with the reason."""
    member = roster.member(who)
    if member is None:
        return None, f"{who} is not on the board roster"
    if history is None or history.problem:
        return None, "decisions can only be verified in a git repository"
    commits = history.line_commits(log.path, set(lines)) if lines else []
    if not commits or any(sha is None for sha in commits):
        return None, "it is not committed (and signed) yet"
    for sha in dict.fromkeys(c for c in commits if c is not None):
        signature = verifier.one(sha)
        if not attests(signature, roster, member):
            signer = signer_member(signature, roster)
            how = f"signed by {signer.id}" if signer else signature.describe()
            return None, (f"the commit that recorded it ({sha[:10]}) is {how}, not by {member.id}: "
                          f"only {member.id}'s own signed decision counts")
    return member, ""


class BoardDecisions:
    """Which decisions of a project's review logs a board member signed; git is opened on first use."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._opened: tuple[History, Roster, Verifier] | None = None
        self._history: History | None = None

    def board_signer(self, decision: Decision, log: ReviewLog) -> tuple[Member | None, str]:
        """The board member who signed the decision, or None with the reason it is nobody's."""
        if self._opened is None:
            self._history = History.open(self.project.root)
            if self._history is None:
                return None, "decisions can only be verified in a git repository"
            roster = load_roster(self.project)
            self._opened = (self._history, roster, Verifier(self._history.workdir, keys_of(roster)))
        history, roster, verifier = self._opened
        member, reason = decision_signer(decision, log, roster, verifier, history)
        if member is not None and not member.approver:
            return None, f"{member.id} is not a board member or chair"
        return member, reason

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
