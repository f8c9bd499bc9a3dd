"""guideline status: where every topic stands in review and whom it waits on."""

from __future__ import annotations

import argparse
import json

from guideline.commands.common import add_root_option, emit, open_project
from guideline.corpus.states import APPROVED_STATES
from guideline.errors import EXIT_OK
from guideline.workflow.status import Status, review_status

EXAMPLES = """examples:
  guideline status                              every topic: states, approvals, what it waits on
  guideline status osteoporotic-spine-fracture  one topic
  guideline status --format json                for dashboards and scripts

exit codes: 0 shown, 2 usage or configuration error (an unknown topic id)."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("status", help="show review states and what each topic waits on",
                            description="Show where each topic is in the review workflow: record states, valid "
                                        "approvals against the policy, unresolved comments, and who acts next.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="topic ids (default: all)")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    parser.add_argument("--trust-root", metavar="REV",
                        help="commit whose roster starts the chain of trust (default: the first commit)")
    add_root_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    status = review_status(project, args.topics, args.trust_root)
    if args.format == "json":
        emit(json.dumps(status.as_json(), indent=2, ensure_ascii=False) + "\n", None)
    else:
        emit(_text(status), None)
    return EXIT_OK


def _text(status: Status) -> str:
    lines: list[str] = []
    if status.git_problem:
        lines.append(f"note: {status.git_problem}; no approval can count")
    if status.pending_governance is not None:
        lines.append(f"governance: not in force: {status.pending_governance.explain()}")
        lines.append("  board members approve it with: guideline review approve governance")
    reports = status.topics
    for report in reports:
        states = ", ".join(f"{n} {state}" for state, n in report["states"].items())
        lines.append(f"{report['topic']}  [{report['state']}]  {report['file']}")
        lines.append(f"  records: {states}")
        for wait in report["waits_on"] or ["nothing"]:
            lines.append(f"  waits on {wait}")
        for commit in report["unsigned_commits"]:
            lines.append(f"  unsigned {commit[:10]}: changed content without a roster signature; re-sign it")
        for comment in report["unresolved_comments"]:
            lines.append(f"  unresolved {comment['id']} on {comment['record']} by {comment['author']}: "
                         f"{' '.join(comment['text'].split())[:100]}")
        for record in report["records"]:
            if record["state"] in APPROVED_STATES and not record["approved"]:
                lines.append(f"  ! {record['id']} is {record['state']} but: {'; '.join(record['missing'])}")
    if not reports:
        lines.append("no topics")
    return "\n".join(lines) + "\n"
