"""guideline submit: send a topic or recommendation to the board, recording who, when and why."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, add_today_option, open_project, today_of
from guideline.corpus import materiality
from guideline.corpus.project import CORPUS_DIR
from guideline.engine.pipeline import load_corpus
from guideline.errors import EXIT_FINDINGS, EXIT_OK
from guideline.git.history import History
from guideline.workflow.review import (
    LoggedTransition,
    append_review_log,
    find_target,
    load_workflow,
    reviewer_identity,
    reviews_path,
    set_states,
    view_of,
)

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
    workflow = load_workflow(project)
    corpus = load_corpus([project.root / CORPUS_DIR], project)
    target = find_target(corpus, args.id)
    by = reviewer_identity(History.open(project.root), args.by, "--by")
    today = today_of(args).isoformat()
    explicit = len(target.records) == 1
    transitions: list[LoggedTransition] = []
    skipped: list[str] = []
    for record in target.records:
        state = str(record.get("review_state") or "draft")
        new_state = workflow.target("submit", state)
        if new_state is None:
            skipped.append(f"{record.id} is {state}")
            continue
        content = materiality.content_hash(view_of(record, target.recommendations))
        transitions.append(LoggedTransition(record.id, "submit", state, new_state, by, today, args.message,
                                            content))
    if not transitions:
        allowed = ", ".join(workflow.sources("submit"))
        what = skipped[0] if explicit else f"all {len(skipped)} records are already submitted or under review"
        print(f"guideline: nothing submitted: {what}", file=sys.stderr)
        print(f"  hint: submit works from {allowed}; `guideline status {target.topic.id}` shows the states",
              file=sys.stderr)
        return EXIT_FINDINGS
    append_review_log(reviews_path(project, target.topic.id), target.topic.id, transitions=transitions)
    set_states(Path(target.topic.file).absolute(), {t.record: t.target for t in transitions})
    print(f"submitted {len(transitions)} record(s) of topic {target.topic.id} as {by}"
          + (f"; {len(skipped)} left as they are (already in review)" if skipped else ""))
    print(f"  recorded in {reviews_path(project, target.topic.id).relative_to(project.root).as_posix()}; "
          f"commit it with the topic file")
    return EXIT_OK

