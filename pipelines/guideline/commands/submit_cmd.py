"""guideline submit: send a topic or recommendation to the board, recording who, when and why."""

from __future__ import annotations

import argparse
import sys

from guideline.commands.common import add_root_option, add_today_option, open_project, today_of
from guideline.errors import EXIT_FINDINGS, EXIT_OK
from guideline.workflow.submission import SubmitRequest, submit

EXAMPLES = """examples:
  guideline submit osteoporotic-spine-fracture
      submit the topic and every recommendation in it that is a draft or needs re-review
  guideline submit osteoporotic-spine-fracture-03 --message "Dose corrected after review"
      submit one recommendation after addressing the board's comments

Allowed from: draft, changes-requested, approved and published (a revision). The transition is appended
to guidelines/reviews/<topic>.yaml and review_state is updated in the topic file; commit both.

exit codes: 0 submitted, 1 nothing could be submitted (wrong state), 2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("submit", help="send a topic or recommendation to the board for review",
                            description="Move a topic (with its recommendations) or one recommendation to "
                                        "'submitted' and record the transition.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("id", metavar="TOPIC|REC", help="topic id or recommendation id")
    parser.add_argument("--message", "-m", help="why: what changed, what the board should look at")
    parser.add_argument("--by", metavar="EMAIL", help="who submits (default: git config user.email)")
    add_root_option(parser)
    add_today_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    outcome = submit(project, SubmitRequest(args.id, today_of(args), args.message, args.by))
    if not outcome.transitions:
        what = outcome.skipped[0] if outcome.explicit else \
            f"all {len(outcome.skipped)} records are already submitted or under review"
        print(f"guideline: nothing submitted: {what}", file=sys.stderr)
        print(f"  hint: submit works from {', '.join(outcome.sources)}; `guideline status {outcome.topic}` shows "
              f"the states", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"submitted {len(outcome.transitions)} record(s) of topic {outcome.topic} as {outcome.by}"
          + (f"; {len(outcome.skipped)} left as they are (already in review)" if outcome.skipped else ""))
    print(f"  recorded in {outcome.log.relative_to(project.root).as_posix()}; commit it with the topic file")
    return EXIT_OK
