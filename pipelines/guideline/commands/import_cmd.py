"""guideline import: turn an article in the site's plain-text layout into draft records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, emit, open_project, use_colour
from guideline.corpus.project import CORPUS_DIR
from guideline.errors import EXIT_FINDINGS, EXIT_OK
from guideline.registry import all_rules
from guideline.render import REPORTERS, reporter
from guideline.render.paths import root_relative

EXAMPLES = """examples:
  guideline import article.txt                          drafts under guidelines/topics and guidelines/references
  guideline import article.txt --topic atrial-fibrillation
  guideline import article.txt --out /tmp/drafts        drafts elsewhere; check them with
                                                        'guideline validate /tmp/drafts'
  guideline import article.txt --update                 re-import, keeping what editors curated
  guideline import article.txt --format json            the article's defects as JSON

The article's defects (citations without a reference, malformed citation lists, references never cited or
listed twice...) are reported like 'guideline validate' findings; they do not stop the import, since an
editor fixes them in the drafts.

exit codes: 0 drafts written (whatever the findings), 1 nothing imported (the layout was not recognised),
2 usage error (missing article, topic exists without --update or --force), 3 unexpected failure."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("import", help="import an article into draft records",
                            description="Import an article in the site's plain-text layout as draft records: a "
                                        "topic file and a bibliography file, with extracted fields marked for "
                                        "an editor to confirm.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("article", type=Path, metavar="ARTICLE", help="the article's text file")
    parser.add_argument("--topic", metavar="ID", help="topic id (default: made from the article's title)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help=f"folder that receives topics/ and references/ (default: {CORPUS_DIR}/)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true",
                      help="merge into an existing topic, keeping curated fields, and report what changed")
    mode.add_argument("--force", action="store_true", help="replace an existing topic and bibliography")
    parser.add_argument("--dry-run", action="store_true", help="report findings and changes; write nothing")
    parser.add_argument("--format", "-f", choices=sorted(REPORTERS), default="text", help="findings format")
    parser.add_argument("--output", "-o", type=Path, help="write the findings report to this file")
    add_root_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from guideline.importer.service import ImportRequest, run_import

    project = open_project(args)
    out = args.out if args.out is not None else project.root / CORPUS_DIR
    request = ImportRequest(args.article, out, args.topic, args.update, args.force, args.dry_run)
    outcome = run_import(request, project)
    status: list[str] = []
    if not outcome.imported:
        status.append(f"nothing imported from {project.display(args.article)}")
    else:
        verb = "would write" if args.dry_run else "imported"
        status.append(f"{verb} topic '{outcome.topic_id}': {outcome.records} record(s), "
                      f"{outcome.references} reference(s) from {project.display(args.article)}")
        status.extend(f"wrote {project.display(path)}" for path in outcome.written)
        if args.update:
            status.extend(outcome.changes or ["no changes"])
    paths = root_relative(project.root, project.shown_from or project.root)
    report = reporter(args.format, colour=args.output is None and use_colour(sys.stdout),
                      paths=paths)(outcome.findings, all_rules(examples=args.format == "sarif"))
    # Machine formats keep stdout for the report alone; the status lines go to stderr.
    if args.format == "text" and args.output is None:
        emit("\n".join(status) + "\n" + report, None)
    else:
        sys.stderr.write("\n".join(status) + "\n")
        emit(report, args.output)
    return EXIT_OK if outcome.imported else EXIT_FINDINGS
