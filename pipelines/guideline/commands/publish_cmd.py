"""guideline publish: the publication gate, then the article as Markdown and self-contained HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, add_today_option, emit, open_project, today_of
from guideline.errors import EXIT_FINDINGS, EXIT_OK
from guideline.findings import sort_findings
from guideline.registry import all_rules
from guideline.render import REPORTERS, reporter
from guideline.render.paths import root_relative
from guideline.workflow.publication import PublishRequest, publish

EXAMPLES = """examples:
  guideline publish                                 every topic, into published/
  guideline publish osteoporotic-spine-fracture --out site/
  guideline publish osteoporotic-spine-fracture --preview
      render content still under review, with the "pending human review" banner, into preview/
  guideline publish --format github                 refusal reasons as GitHub annotations
  guideline publish --ready                         only topics the board approved (what CI runs on main)

The gate refuses, listing every reason, when a topic has validation errors (in its files, in the
references it cites, or in the data files), a record that is not approved or whose approvals do not count,
an unresolved review comment, a citation that resolves to no reference, or a recommendation whose content
changed since its last publication without a change_note for readers (WFL010). Nothing is written then.
Publishing records approved -> published in guidelines/reviews/<topic>.yaml and the topic file: commit them.

Each recommendation is labelled from the topic's earlier publications ([new 2026], [2024], [2024, amended
2026]); "Update information" lists what each publication changed and why, and "Last updated" is the date of
the commit being published, so the same commit always gives the same article (docs/workflow.md).

exit codes: 0 published (or previewed), 1 refused by the gate, 2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("publish", help="render approved topics as Markdown and HTML articles",
                            description="Check the publication gate and render each topic as an article "
                                        "(Markdown and self-contained HTML).",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="topic ids (default: every topic)")
    parser.add_argument("--out", "-o", type=Path, metavar="DIR",
                        help="output folder (default: published/, or preview/ with --preview)")
    parser.add_argument("--ready", action="store_true",
                        help="only topics whose review_state is approved or published (for CI: topics still in "
                             "review are skipped, not refused)")
    parser.add_argument("--preview", action="store_true",
                        help="render even if the gate refuses, marked as pending human review; records nothing")
    parser.add_argument("--format", "-f", choices=sorted(REPORTERS), default="text",
                        help="format of the refusal reasons")
    parser.add_argument("--by", metavar="EMAIL", help="who publishes (default: git config user.email)")
    parser.add_argument("--trust-root", metavar="REV",
                        help="commit whose board roster starts the chain of trust (default: the first commit; "
                             "CI names it)")
    add_root_option(parser)
    add_today_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    outcome = publish(project, PublishRequest(args.topics, today_of(args), args.out, ready=args.ready,
                                              preview=args.preview, by=args.by, trust_root=args.trust_root))
    if outcome.pending_governance is not None:
        print(f"note: governance not in force: {outcome.pending_governance.explain()}; the gate used the "
              f"governance last approved (guideline review approve governance)", file=sys.stderr)
    for topic in outcome.not_ready:
        print(f"note: {topic.id} is {topic.get('review_state')}; not ready, skipped", file=sys.stderr)
    if not outcome.results:
        print("nothing ready to publish")
        return EXIT_OK
    refused = outcome.refused
    if args.preview:
        for item in refused:
            print(f"note: {item.topic.id} cannot be published yet ({len(item.reasons)} reason(s)); "
                  f"`guideline publish {item.topic.id}` lists them", file=sys.stderr)
        return EXIT_OK
    if refused:
        reasons = [f for r in refused for f in r.reasons]
        paths = root_relative(project.root, project.shown_from or project.root)
        emit(reporter(args.format, paths=paths)(sort_findings(reasons), all_rules(examples=args.format == "sarif")),
             None)
        for item in refused:
            print(f"guideline: publish refused for {item.topic.id}: {len(item.reasons)} reason(s)", file=sys.stderr)
        print("  hint: `guideline status` shows what each topic waits on; nothing was written", file=sys.stderr)
        return EXIT_FINDINGS
    for done in outcome.published:
        print(f"published {done.topic}: {', '.join(project.display(p) for p in done.written)}"
              + (f" ({done.transitions} record(s) now published; commit guidelines/)" if done.transitions else ""))
    return EXIT_OK
