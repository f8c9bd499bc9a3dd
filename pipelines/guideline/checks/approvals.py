"""Whether an approval counts. The WFL check judges by it, and so do the publication gate, `guideline status`,
`guideline review`, the review app and the board report; it sits here, below the engine, because the check
needs it.

Definitions (docs/workflow.md explains them, with the threat model):
- An approval is the latest `approve` decision of one board member on one record. It counts only when its
  content_hash equals the record's current content hash (views.py: the record, its leads and the printed
  content of the references it cites), the commit that recorded it carries a good signature, verified by git,
  from a key of that member on the roster in force (or of the review app's service key naming the member),
  and the member did not author the change.
- The authors of a change are the signers of the commits that changed the record's content since the
  baseline (the content last recorded as approved or published), merges included: a merge whose result
  differs from every parent is authored by its signer. A change made by an unsigned commit, or by a key
  that is not on the roster, has no known author: with policy.approval.require_signed_changes (the default)
  the record cannot be approved until the commit is signed.
- A request for changes stands while it is the member's latest decision on the record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from guideline.corpus import materiality
from guideline.corpus.identity import decision_signer, entry_signer, keys_of
from guideline.corpus.loader import parse_text
from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.reviews import UNRESOLVED, Comment, Decision, LoggedTransition, ReviewLog, review_log_of
from guideline.corpus.roster import BOARD_FILE, Member, Roster, load_roster
from guideline.corpus.views import References, file_views, reference_view, references_of, view_of
from guideline.git.history import FileChange, History
from guideline.git.runner import UNSHALLOW_HINT, is_shallow
from guideline.git.signatures import SIGNING_SETUP_HINT, Verifier, signing_key

UNCOMMITTED = "uncommitted"
REFERENCES_DIR = "references"
RESIGN_HINT = ("sign the commit: git commit --amend --no-edit -S (or, for several, "
               "git rebase --exec 'git commit --amend --no-edit -S' BASE); " + SIGNING_SETUP_HINT)


@dataclass(frozen=True)
class ApprovalCheck:
    decision: Decision
    member: Member | None
    problems: tuple[str, ...]

    @property
    def counts(self) -> bool:
        return self.decision.decision == "approve" and not self.problems


@dataclass(frozen=True)
class Authorship:
    """Who changed a record's content since its baseline: signer id -> commit (UNCOMMITTED for edits on disk),
    and the commits nobody on the roster signed."""

    signers: dict[str, str] = field(default_factory=dict)
    unsigned: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordStatus:
    record: Record
    state: str
    content_hash: str
    presentation_hash: str
    checks: tuple[ApprovalCheck, ...]
    missing: tuple[str, ...]
    # Roster ids of the signers of the change under review.
    authors: tuple[str, ...]
    # Commits that changed the content without a roster signature.
    unsigned: tuple[str, ...] = ()
    # Members whose latest decision is a request for changes.
    requested_changes: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        return not self.missing

    @property
    def valid(self) -> list[ApprovalCheck]:
        return [c for c in self.checks if c.counts]

    def explain(self) -> str:
        """Why the approvals fall short, with what is wrong with each approval that does not count."""
        parts = list(self.missing)
        for check in self.checks:
            if check.decision.decision == "approve" and check.problems:
                parts.append(f"approval by {check.decision.reviewer} does not count: {'; '.join(check.problems)}")
        return "; ".join(parts)


class Approvals:
    """Decides which approvals count, with git history for authorship and signatures. One per command or
    validation run; the roster is the one in force (workflow/governance.py decides which that is)."""

    def __init__(self, project: Project, roster: Roster, history: History | None, references: References) -> None:
        self.project = project
        self.roster = roster
        self.history = history
        self.references = references
        if history is not None and not history.problem:
            history.preload(project.data_dir)
        self.policy = project.policy
        self.verifier = Verifier(history.workdir, keys_of(roster)) if history is not None else None
        self._hashes: dict[str, dict[str, str]] = {}
        self._authors: dict[tuple[str, str, str | None], Authorship] = {}
        # The commit that recorded each baseline (record id, content hash), and printed references by blob.
        self._since: dict[tuple[str, str], str] = {}
        self._printed: dict[str, dict[str, str]] = {}

    @classmethod
    def open(cls, project: Project, corpus: Corpus, roster: Roster | None = None) -> Approvals:
        return cls(project, roster or load_roster(project), History.open(project.root),
                   references_of(corpus.records()))

    def close(self) -> None:
        if self.history is not None:
            self.history.close()

    def git_problem(self) -> str | None:
        if self.history is None:
            return "approvals can only be verified in a git repository"
        return self.history.problem

    def git_problem_hint(self) -> str:
        """What to do about git_problem, which no approval can pass: it is the repository's, not a record's."""
        if self.history is None:
            return "validate in a git clone of the repository: approvals are signed commits"
        if is_shallow(self.history.workdir):
            return UNSHALLOW_HINT
        return "commit the corpus: approvals are recorded as signed commits on top of it"

    def hashes(self, record: Record, recommendations: Sequence[Record]) -> tuple[str, str]:
        """(content hash, presentation hash) of what the record publishes, as an approval records them."""
        return materiality.hashes(view_of(record, recommendations, self.references))

    def acting_member(self) -> Member | None:
        """The roster member whose key git signs with here (user.signingkey)."""
        if self.history is None:
            return None
        key = signing_key(self.history.workdir)
        return self.roster.by_key(key) if key else None

    def status(self, record: Record, recommendations: Sequence[Record], log: ReviewLog,
               extra: Sequence[Decision] = (), *, with_authors: bool = False) -> RecordStatus:
        current, presented = self.hashes(record, recommendations)
        decisions = log.latest_decisions(record.id, extra)
        authorship = Authorship()
        if with_authors or decisions or record.get("review_state") in ("approved", "published"):
            authorship = self.authors(record, current, self.baseline(record.id, current, log))
        # Decisions about to be recorded (extra) are judged as the signed commit will make them.
        checks = tuple(self.check(d, current, authorship, log, signed=d not in extra)
                       for d in decisions if d.decision == "approve")
        standing = tuple(self._standing_requests(decisions, log))
        missing = [*self._missing([c for c in checks if c.counts], presented),
                   *(f"{who} requested changes; the request stands until they (or the chair) resolve it or "
                     f"approve the new content" for who in standing)]
        if authorship.unsigned and self.policy.require_signed_changes:
            missing.append(_unsigned_text(authorship.unsigned))
        return RecordStatus(record, str(record.get("review_state") or "draft"), current, presented, checks,
                            tuple(missing), tuple(sorted(authorship.signers)), authorship.unsigned, standing)

    def removed_entries(self, log: ReviewLog) -> list[tuple[str, str]]:
        """Decisions and comments that a signed commit recorded in the log and that are gone from it now:
        (what, commit), newest first. Review logs are append-only."""
        if self.history is None or self.history.problem or self.verifier is None:
            return []
        current = _entry_keys(log)
        gone: dict[str, str] = {}
        # Newest version first: the last version found holding an entry is the one that recorded it.
        for change in self.history.changes(log.path):
            if change.after is None:
                continue
            signature = self.verifier.one(change.commit.sha)
            if not signature.good:
                continue
            past = review_log_of(parse_text(self.history.read_blob(change.after), log.shown), log.topic, log.path)
            for key, what in _entry_keys(past).items():
                if key not in current:
                    gone[what] = change.commit.sha
        return list(gone.items())

    def baseline(self, record_id: str, current: str, log: ReviewLog) -> str | None:
        """The content last recorded as approved or published, by a transition in a commit signed by a roster
        key, of content that a quorum of board members approved with signed decisions: a transition typed into
        the log cannot move the start of the change under review."""
        def trusted(transition: LoggedTransition) -> bool:
            if self.verifier is None or self.history is None or not transition.lines:
                return False
            commits = self.history.line_commits(log.path, set(transition.lines))
            if not commits or any(c is None for c in commits):
                return False
            shas = [c for c in commits if c is not None]
            signed = all(self.roster.by_id(sig.principal) is not None and sig.good
                         for sig in self.verifier.verify(shas).values())
            if not signed or not transition.content_hash or not self._board_approved(record_id,
                                                                                     transition.content_hash, log):
                return False
            self._since[(record_id, transition.content_hash)] = self.history.newest(shas)
            return True
        return log.baseline_hash(record_id, current, trusted)

    def _board_approved(self, record_id: str, content_hash: str, log: ReviewLog) -> bool:
        assert self.verifier is not None
        approvers = set()
        for decision in log.decisions:
            if decision.record == record_id and decision.decision == "approve" and decision.content_hash == content_hash:
                member, _ = decision_signer(decision, log, self.roster, self.verifier, self.history)
                if member is not None and member.approver:
                    approvers.add(member.id)
        return len(approvers) >= max(1, self.policy.material_quorum)

    def open_comments(self, log: ReviewLog, records: Sequence[Record], recommendations: Sequence[Record]) -> list[Comment]:
        """Comments on these records that still block publication: unresolved, or answered by someone who may
        not resolve them (only the comment's author or the chair may; a signature decides who answered), unless
        the author has since approved the current content."""
        by_id = {r.id: r for r in records}
        out = []
        for comment in log.comments:
            record = by_id.get(comment.record)
            if record is None:
                continue
            if comment.disposition != UNRESOLVED and self._rightly_resolved(comment, log):
                continue
            if self._author_approved(comment, record, recommendations, log):
                continue
            out.append(comment)
        return out

    def _rightly_resolved(self, comment: Comment, log: ReviewLog) -> bool:
        if self.verifier is None or not comment.resolved_by:
            return False
        resolver, _ = entry_signer(comment.resolved_by, self._last_written(log, comment.resolution_lines), log,
                                   self.roster, self.verifier, self.history)
        author = self.roster.member(comment.author)
        if resolver is None:
            return False
        return resolver.chair or (author.id == resolver.id if author is not None else resolver.approver)

    def _author_approved(self, comment: Comment, record: Record, recommendations: Sequence[Record],
                         log: ReviewLog) -> bool:
        author = self.roster.member(comment.author)
        if author is None or not author.approver or self.verifier is None:
            return False
        current = self.hashes(record, recommendations)[0]
        latest = [d for d in log.latest_decisions(record.id) if self.roster.member(d.reviewer) is author]
        if not latest or latest[-1].decision != "approve" or latest[-1].content_hash != current:
            return False
        signer, _ = decision_signer(latest[-1], log, self.roster, self.verifier, self.history)
        return signer is not None and signer.id == author.id

    def _last_written(self, log: ReviewLog, lines: frozenset[int]) -> frozenset[int]:
        """The lines of a resolution that its newest commit wrote: whoever resolved a comment last made the
        resolution what it is, even where they wrote a line as it already stood."""
        ordered = sorted(lines)
        commits = self.history.line_commits(log.path, set(ordered)) if self.history is not None else []
        if not commits or len(commits) != len(ordered) or any(c is None for c in commits):
            return lines
        assert self.history is not None
        newest = self.history.newest([c for c in commits if c is not None])
        return frozenset(n for n, c in zip(ordered, commits) if c == newest)

    def _standing_requests(self, decisions: Sequence[Decision], log: ReviewLog) -> Iterator[str]:
        """Members whose latest, signed decision asks for changes that they (or the chair) have not resolved."""
        for decision in decisions:
            if decision.decision != "request-changes" or self.verifier is None:
                continue
            member, _ = decision_signer(decision, log, self.roster, self.verifier, self.history)
            if member is None:
                continue
            own = [c for c in log.comments if c.record == decision.record and self.roster.member(c.author) is member]
            if not own or not all(c.disposition != UNRESOLVED and self._rightly_resolved(c, log) for c in own):
                yield member.id

    def _missing(self, valid: list[ApprovalCheck], presented: str) -> Iterator[str]:
        """What policy.approval asks for that the valid approvals do not give."""
        quorum = self.policy.material_quorum
        if len(valid) < quorum:
            yield f"{len(valid)} of {quorum} valid approvals"
        if self.policy.chair_required and not any(c.member and c.member.chair for c in valid):
            yield "no valid approval from the chair"
        exact = sum(1 for c in valid if c.decision.presentation_hash == presented)
        if exact < self.policy.editorial_quorum:
            yield (f"{exact} of {self.policy.editorial_quorum} approvals cover the current wording "
                   f"and layout (editorial_quorum)")

    def check(self, decision: Decision, current: str, authorship: Authorship, log: ReviewLog,
              *, signed: bool = True) -> ApprovalCheck:
        """Whether the approval counts; signed=False judges a decision about to be signed and committed."""
        member = self.roster.member(decision.reviewer)
        problems = list(_standing_problems(decision, current, member, authorship))
        git_problem = self.git_problem()
        if git_problem:
            problems.append(git_problem)
        elif member is not None and member.approver:
            if signed and self.verifier is not None:
                signer, reason = decision_signer(decision, log, self.roster, self.verifier, self.history)
                if signer is None:
                    problems.append(reason)
            if member.id in authorship.signers:
                commit = authorship.signers[member.id]
                problems.append(f"{member.id} authored the change "
                                f"({'commit ' + commit[:10] if commit != UNCOMMITTED else 'uncommitted edits'})")
        return ApprovalCheck(decision, member, tuple(problems))

    def authors(self, record: Record, current: str, baseline: str | None) -> Authorship:
        """The signers of the change under review, and the commits in it that nobody on the roster signed."""
        history = self.history
        if history is None or history.problem or self.verifier is None:
            return Authorship()
        key = (record.file, record.id, baseline)
        if key not in self._authors:
            self._authors[key] = self._change_authors(history, record, current, baseline)
        return self._authors[key]

    def _change_authors(self, history: History, record: Record, current: str, baseline: str | None) -> Authorship:
        path = self.project.located(record.file)
        signers: dict[str, str] = {}
        unsigned: list[str] = []
        if history.modified(path) and self._blob_hashes(history.head_blob(path), record.file).get(record.id) != current:
            acting = self.acting_member()
            if acting is None:
                unsigned.append(UNCOMMITTED)
            else:
                signers[acting.id] = UNCOMMITTED
        since = self._since.get((record.id, baseline)) if baseline else None
        authored = self._authoring_commits(history.changes(path),
                                           lambda blob: self._blob_hashes(blob, record.file).get(record.id),
                                           baseline, since)
        authored += [sha for sha in self._reference_commits(history, record, since) if sha not in authored]
        assert self.verifier is not None
        for sha, signature in self.verifier.verify(authored).items():
            member = self.roster.by_id(signature.principal) if signature.good else None
            if member is None:
                unsigned.append(sha)
            else:
                signers.setdefault(member.id, sha)
        return Authorship(signers, tuple(unsigned))

    def _authoring_commits(self, changes: Sequence[FileChange], value: Callable[[str | None], str | None],
                           baseline: str | None, since: str | None) -> list[str]:
        """Commits, newest first, that changed a file's value for the record (its content hash, or the printed
        references it cites) after the baseline (content hash `baseline`, recorded by commit `since`): a merge
        only where its result differs from every parent."""
        assert self.history is not None
        by_commit: dict[str, list[FileChange]] = defaultdict(list)
        for change in changes:
            by_commit[change.commit.sha].append(change)
        out: list[str] = []
        for sha, entries in by_commit.items():
            after = value(entries[0].after)
            if baseline is not None and after == baseline:
                break
            if since is not None and self.history.is_ancestor(sha, since):
                continue
            commit = entries[0].commit
            befores = [value(e.before) for e in entries]
            # A merge listed against fewer parents than it has equals one of them in this file.
            if commit.merge and len(entries) < commit.parents:
                continue
            if all(before != after for before in befores):
                out.append(sha)
        return out

    def _reference_commits(self, history: History, record: Record, since: str | None) -> list[str]:
        """Commits (after `since`) that changed the printed content of a reference the record cites: the
        reference is part of what the record's approval covers, so whoever changed it authored the change."""
        cited = tuple(sorted({c for c in record.list_of("citations") if isinstance(c, str)}))
        if record.kind != "recommendation" or not cited:
            return []
        out: list[str] = []
        for path in sorted((self.project.data_dir / REFERENCES_DIR).glob("*.yaml")):
            def printed(blob: str | None, name: str = path.name) -> str | None:
                views = self._printed_references(blob, name)
                return "\n".join(f"{ref_id}={views.get(ref_id)}" for ref_id in cited)
            out += [sha for sha in self._authoring_commits(history.changes(path), printed, None, since)
                    if sha not in out]
        return out

    def _printed_references(self, sha: str | None, path: str) -> dict[str, str]:
        if sha is None or self.history is None:
            return {}
        if sha not in self._printed:
            data = parse_text(self.history.read_blob(sha), path).data
            refs = data.get("references") if isinstance(data, dict) else None
            self._printed[sha] = {str(r["id"]): json.dumps(reference_view(r), sort_keys=True, default=str)
                                  for r in refs if isinstance(r, dict) and "id" in r} if isinstance(refs, list) else {}
        return self._printed[sha]

    def _blob_hashes(self, sha: str | None, path: str) -> dict[str, str]:
        if sha is None or self.history is None:
            return {}
        if sha not in self._hashes:
            doc = parse_text(self.history.read_blob(sha), path)
            self._hashes[sha] = {rid: materiality.content_hash(view)
                                 for rid, view in file_views(doc.data, self.references).items()}
        return self._hashes[sha]


def _entry_keys(log: ReviewLog) -> dict[tuple[str, ...], str]:
    """Each decision and comment as it was first written (a comment's disposition may change; its words not)."""
    keys: dict[tuple[str, ...], str] = {}
    for d in log.decisions:
        keys[("decision", d.record, d.reviewer, d.decision, d.date, d.content_hash, d.notice or "")] = \
            f"{d.decision} decision by {d.reviewer} on {d.record} ({d.date})"
    for c in log.comments:
        keys[("comment", c.id, c.record, c.author, " ".join(c.text.split()))] = \
            f"comment {c.id} by {c.author} on {c.record}"
    return keys


def _unsigned_text(commits: Sequence[str]) -> str:
    named = ", ".join("uncommitted edits" if c == UNCOMMITTED else f"commit {c[:10]}" for c in commits[:3])
    more = f" and {len(commits) - 3} more" if len(commits) > 3 else ""
    return (f"changed by {named}{more} without a signature from a roster key, so nobody can tell who wrote it; "
            f"{RESIGN_HINT}")


def _changed_by(authorship: Authorship) -> str:
    made = [f"uncommitted edits by {who}" if sha == UNCOMMITTED else f"commit {sha[:10]} by {who}"
            for who, sha in authorship.signers.items()]
    made += ["uncommitted edits" if sha == UNCOMMITTED else f"unsigned commit {sha[:10]}" for sha in authorship.unsigned]
    return f" ({', '.join(made)})" if made else ""


def _standing_problems(decision: Decision, current: str, member: Member | None,
                       authorship: Authorship) -> Iterator[str]:
    """What is wrong with an approval whatever git says: stale content (with who changed it), a reviewer without
    approval rights."""
    if decision.content_hash != current:
        yield f"stale: the content changed after this approval{_changed_by(authorship)}"
    if member is None:
        yield f"{decision.reviewer} is not on the board roster ({BOARD_FILE})"
    elif not member.approver:
        yield f"{decision.reviewer} is {'/'.join(sorted(member.roles)) or 'without a role'}, not a board member or chair"
