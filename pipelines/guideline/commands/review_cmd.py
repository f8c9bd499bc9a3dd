"""guideline review: board decisions (approve, request changes) and review comments with dispositions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, add_today_option, open_project, today_of
from guideline.corpus import materiality
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.engine.pipeline import load_corpus
from guideline.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from guideline.workflow.review import (
    APPROVED_STATES,
    DISPOSITIONS,
    Approvals,
    Comment,
    Decision,
    LoggedTransition,
    Resolution,
    Target,
    append_review_log,
    find_target,
    load_review_log,
    load_workflow,
    next_comment_id,
    reviewer_identity,
    set_states,
    topic_of_comment,
    view_of,
)

EXAMPLES = """examples:
  guideline review approve osteoporotic-spine-fracture
      approve the topic and all its recommendations as they are now (as git config user.email)
  guideline review approve osteoporotic-spine-fracture-03 --comment "Dose checked against the label"
  guideline review request-changes osteoporotic-spine-fracture-03 --comment "Cite the dose source"
  guideline review comment osteoporotic-spine-fracture-10 --comment "Consider newer trials"
  guideline review resolve osteoporotic-spine-fracture-c1 --disposition persuasive-with-modification \\
      --comment "Dose source added"

An approval covers the content it saw (a hash of the material fields): a later material edit makes it
stale. It is refused when it would not count: not a board member or chair on guidelines/board.yaml,
authored the change, or roster entry not committed by someone else before.

exit codes: 0 recorded, 1 refused (would not count, or wrong state), 2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("review", help="approve, request changes, comment, resolve comments",
                            description="Record a board decision or a review comment in "
                                        "guidelines/reviews/<topic>.yaml.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    approve = actions.add_parser("approve", help="approve a topic (and its recommendations) or one recommendation",
                                 epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    changes = actions.add_parser("request-changes", help="ask for changes, with a comment that must be resolved",
                                 epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    comment = actions.add_parser("comment", help="add a review comment without a decision",
                                 epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    resolve = actions.add_parser("resolve", help="set the disposition of a review comment",
                                 epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    for action, required in ((approve, False), (changes, True), (comment, True)):
        action.add_argument("id", metavar="ID", help="topic id or recommendation id")
        action.add_argument("--comment", "-m", required=required, help="what the reviewer says")
        action.add_argument("--reviewer", metavar="EMAIL", help="reviewer e-mail (default: git config user.email)")
    resolve.add_argument("id", metavar="COMMENT", help="comment id, e.g. osteoporotic-spine-fracture-c1")
    resolve.add_argument("--disposition", "-d", required=True, choices=DISPOSITIONS,
                         help="FHIR ArtifactAssessment disposition")
    resolve.add_argument("--comment", "-m", help="how the comment was handled")
    resolve.add_argument("--by", metavar="EMAIL", help="who resolves it (default: git config user.email)")
    for action in (approve, changes, comment, resolve):
        add_root_option(action)
        add_today_option(action)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    handler = {"approve": _approve, "request-changes": _request_changes, "comment": _comment,
               "resolve": _resolve}[args.action]
    return handler(args, project)


def _refuse(message: str, reasons: list[str], hint: str | None = None) -> int:
    print(f"guideline: refused: {message}", file=sys.stderr)
    for reason in reasons:
        print(f"  - {reason}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)
    return EXIT_FINDINGS


def _setup(args: argparse.Namespace, project: Project) -> tuple[Target, Approvals, str]:
    corpus = load_corpus([project.root / CORPUS_DIR], project)
    target = find_target(corpus, args.id)
    approvals = Approvals.open(project)
    reviewer = reviewer_identity(approvals.history, args.reviewer)
    return target, approvals, reviewer


def _approve(args: argparse.Namespace, project: Project) -> int:
    workflow = load_workflow(project)
    target, approvals, reviewer = _setup(args, project)
    log = load_review_log(project, target.topic.id)
    today = today_of(args).isoformat()
    wrong_state = [f"{r.id} is {r.get('review_state')}" for r in target.records
                   if r.get("review_state") not in ("submitted", "under-review", *APPROVED_STATES)]
    if wrong_state:
        return _refuse("only submitted content can be approved", wrong_state,
                       f"the author submits it first: guideline submit {args.id}")
    decisions: list[Decision] = []
    already = 0
    problems: list[str] = []
    for record in target.records:
        view = view_of(record, target.recommendations)
        content = materiality.content_hash(view)
        if any(d.decision == "approve" and d.content_hash == content
               for d in log.latest_decisions(record.id) if d.reviewer == reviewer):
            already += 1
            continue
        decision = Decision(record.id, reviewer, "approve", today, content, materiality.presentation_hash(view),
                            args.comment)
        base = log.baseline_hash(record.id, content)
        authors = approvals.authors(record, content, base, approvals.candidates([decision])) \
            if not approvals.git_problem() else {}
        check = approvals.check(decision, content, authors, log)
        problems.extend(f"{record.id}: {p}" for p in check.problems)
        decisions.append(decision)
    if problems:
        return _refuse(f"this approval by {reviewer} would not count", _collapse(problems),
                       "approvals count from board members who did not author the change; see docs/workflow.md")
    if not decisions:
        print(f"nothing to do: {reviewer} already approved the current content of {already} record(s)")
        return EXIT_OK
    transitions: list[LoggedTransition] = []
    approved = 0
    for record in target.records:
        state = str(record.get("review_state"))
        status = approvals.status(record, target.recommendations, log, decisions)
        action = "approve" if status.approved else "review"
        new_state = workflow.target(action, state)
        if new_state is not None and new_state != state:
            transitions.append(LoggedTransition(record.id, action, state, new_state, reviewer, today, args.comment,
                                                status.content_hash))
        approved += status.approved
    append_review_log(log.path, target.topic.id, transitions=transitions, decisions=decisions)
    set_states(Path(target.topic.file).absolute(), {t.record: t.target for t in transitions})
    waiting = len(target.records) - approved
    print(f"approved {len(decisions)} record(s) of topic {target.topic.id} as {reviewer}; "
          f"{approved} now have enough valid approvals"
          + (f", {waiting} still wait for more (policy: {project.policy.material_quorum})" if waiting else ""))
    return EXIT_OK


def _collapse(problems: list[str]) -> list[str]:
    """The same problem on forty records reads better once, with the count."""
    by_problem: dict[str, list[str]] = {}
    for item in problems:
        record, _, problem = item.partition(": ")
        by_problem.setdefault(problem, []).append(record)
    out = []
    for problem, records in by_problem.items():
        where = records[0] if len(records) == 1 else f"{records[0]} and {len(records) - 1} more"
        out.append(f"{where}: {problem}")
    return out


def _request_changes(args: argparse.Namespace, project: Project) -> int:
    workflow = load_workflow(project)
    target, approvals, reviewer = _setup(args, project)
    record = target.topic if target.topic.id == args.id else target.records[0]
    member = approvals.roster.member(reviewer)
    if member is None or not member.approver:
        return _refuse(f"{reviewer} is not a board member or chair", [f"roster: {approvals.roster.path.name}"],
                       "use `guideline review comment` to comment without a decision")
    state = str(record.get("review_state"))
    new_state = workflow.target("request-changes", state)
    if new_state is None:
        return _refuse(f"{record.id} is {state}", [],
                       f"changes can be requested from: {', '.join(workflow.sources('request-changes'))}; "
                       "comment instead with `guideline review comment`")
    log = load_review_log(project, target.topic.id)
    today = today_of(args).isoformat()
    content = materiality.content_hash(view_of(record, target.recommendations))
    comment_id = next_comment_id(log)[0]
    append_review_log(
        log.path, target.topic.id,
        transitions=[LoggedTransition(record.id, "request-changes", state, new_state, reviewer, today, args.comment,
                                      content)],
        decisions=[Decision(record.id, reviewer, "request-changes", today, content, None, args.comment)],
        comments=[Comment(comment_id, record.id, reviewer, today, args.comment, "unresolved")])
    set_states(Path(target.topic.file).absolute(), {record.id: new_state})
    print(f"changes requested on {record.id} by {reviewer}; comment {comment_id} must be resolved before publication")
    return EXIT_OK


def _comment(args: argparse.Namespace, project: Project) -> int:
    target, _approvals, reviewer = _setup(args, project)
    record = target.topic if target.topic.id == args.id else target.records[0]
    log = load_review_log(project, target.topic.id)
    comment_id = next_comment_id(log)[0]
    append_review_log(log.path, target.topic.id, comments=[
        Comment(comment_id, record.id, reviewer, today_of(args).isoformat(), args.comment, "unresolved")])
    print(f"comment {comment_id} added to {record.id}; it blocks publication until resolved")
    return EXIT_OK


def _resolve(args: argparse.Namespace, project: Project) -> int:
    topic_id = topic_of_comment(args.id)
    log = load_review_log(project, topic_id) if topic_id else None
    comment = next((c for c in log.comments if c.id == args.id), None) if log else None
    if log is None or comment is None:
        raise UsageError(f"no review comment has the id '{args.id}'",
                         hint="`guideline status` lists unresolved comments with their ids")
    approvals = Approvals.open(project)
    by = reviewer_identity(approvals.history, args.by, "--by")
    append_review_log(log.path, log.topic, resolutions=[
        Resolution(comment.id, args.disposition, by, today_of(args).isoformat(), args.comment)])
    print(f"comment {comment.id} on {comment.record}: {args.disposition} (by {by})")
    return EXIT_OK
