"""guideline review: board decisions and review comments, each a commit signed with your own key."""

from __future__ import annotations

import argparse
import sys

from guideline.commands.common import add_root_option, add_today_option, open_project, today_of
from guideline.corpus.reviews import DISPOSITIONS
from guideline.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from guideline.workflow.decisions import DecisionRequest, decide

EXAMPLES = """examples:
  guideline review approve osteoporotic-spine-fracture
      approve the topic and all its recommendations as they are now
  guideline review approve osteoporotic-spine-fracture-03 --comment "Dose checked against the label"
  guideline review request-changes osteoporotic-spine-fracture-03 --comment "Cite the dose source"
  guideline review comment osteoporotic-spine-fracture-10 --comment "Consider newer trials"
  guideline review resolve osteoporotic-spine-fracture-c1 --disposition persuasive-with-modification \\
      --comment "Dose source added"
  guideline review respond osteoporotic-spine-fracture-c1 --comment "Source added in the new version"
  guideline review review-notice osteoporotic-spine-fracture --notice ema-2012-calcitonin \\
      --comment "Checked: short-term use only"
  guideline review approve governance
      approve the pending change of roster, policy or other governed files (guideline status shows it)

You act as the board member whose SSH key git signs with (git config user.signingkey; docs/workflow.md,
'Signing'): each decision is its own signed commit, and only a signature from a key on the roster makes
it count. An approval covers the exact content it saw (hash of what is published, cited references
included): any later change makes it stale. It is refused when it would not count (not a board member or
chair, authored the change). Only a comment's author or the chair can resolve it; anyone else's answer is
recorded as a response.
exit codes: 0 recorded, 1 refused (would not count, or wrong state), 2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("review", help="approve, request changes, comment, resolve comments (signed)",
                            description="Record a board decision or a review comment in "
                                        "guidelines/reviews/<topic>.yaml, as a signed commit.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    helps = {"approve": "approve a topic (and its recommendations), one recommendation, or 'governance'",
             "request-changes": "ask for changes, with a comment that must be resolved",
             "comment": "add a review comment without a decision",
             "resolve": "set the disposition of a review comment (its author or the chair)",
             "respond": "answer a review comment without resolving it",
             "review-notice": "record that you reviewed records against a safety notice (clears EVD004)"}
    for name, text in helps.items():
        action = actions.add_parser(name, help=text, epilog=EXAMPLES,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        comment_id = name in ("resolve", "respond")
        action.add_argument("id", metavar="COMMENT" if comment_id else "ID",
                            help="comment id, e.g. osteoporotic-spine-fracture-c1" if comment_id
                            else "topic id or recommendation id")
        action.add_argument("--comment", "-m", required=name in ("request-changes", "comment", "respond"),
                            help="what you say")
        if name == "resolve":
            action.add_argument("--disposition", "-d", required=True, choices=DISPOSITIONS,
                                help="FHIR ArtifactAssessment disposition")
        if name == "review-notice":
            action.add_argument("--notice", required=True, help="safety notice id (guidelines/safety-notices.yaml)")
        action.add_argument("--reviewer", "--by", dest="claimed", help=argparse.SUPPRESS)
        action.add_argument("--trust-root", metavar="REV",
                            help="commit whose roster starts the chain of trust (default: the first commit)")
        add_root_option(action)
        add_today_option(action)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.claimed:
        raise UsageError(f"guideline review acts only as you: it cannot record a decision for {args.claimed}",
                         hint="decisions are signed with your own key (git config user.signingkey); "
                              "each member decides for themselves")
    project = open_project(args)
    outcome = decide(project, DecisionRequest(
        args.action, args.id, today_of(args), comment=args.comment, disposition=getattr(args, "disposition", None),
        notice=getattr(args, "notice", None), trust_root=args.trust_root))
    if outcome.refused:
        print(f"guideline: refused: {outcome.message}", file=sys.stderr)
        for reason in outcome.reasons:
            print(f"  - {reason}", file=sys.stderr)
        if outcome.hint:
            print(f"  hint: {outcome.hint}", file=sys.stderr)
        return EXIT_FINDINGS
    print(outcome.message)
    return EXIT_OK
