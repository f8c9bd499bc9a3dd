"""guideline import: turn an article in the site's plain-text layout, or a FHIR R5 Bundle, into draft records."""

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

SOURCES = ("article", "fhir")
EXAMPLES = """examples:
  guideline import article.txt                          drafts under guidelines/topics and guidelines/references
  guideline import article.txt --topic atrial-fibrillation
  guideline import article.txt --out /tmp/drafts        drafts elsewhere; check them with
                                                        'guideline validate /tmp/drafts'
  guideline import article.txt --update                 re-import, keeping what editors curated
  guideline import article.txt --format json            the article's defects as JSON
  guideline import export/topic.fhir.json --out /tmp/t  a FHIR R5 Bundle (as 'guideline export' writes)
  guideline import bundle.txt --from fhir               a Bundle whose name does not end in .json

--from says what the input is (--format already names the findings' format, as in 'guideline validate'); by
default a file ending in .json is a FHIR Bundle and anything else an article. A Bundle imports whole (no
--update); the elements the records have no field for (attesters, review comments, a custodian...) are reported
as FHR001 with the resource and FHIR path. A file that is not valid JSON or not a Bundle is a usage error (2)
and nothing is written.

The article's defects (citations without a reference, malformed citation lists, references never cited or
listed twice...) are reported like 'guideline validate' findings; they do not stop the import, since an
editor fixes them in the drafts.

exit codes: 0 drafts written (whatever the findings), 1 nothing imported (the layout was not recognised),
2 usage error (missing file, topic exists without --update or --force, not JSON or not a Bundle), 3 unexpected
failure."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("import", help="import an article into draft records",
                            description="Import an article in the site's plain-text layout as draft records: a "
                                        "topic file and a bibliography file, with extracted fields marked for "
                                        "an editor to confirm.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("article", type=Path, metavar="FILE", help="the article's text file, or a FHIR Bundle")
    parser.add_argument("--from", dest="source", choices=SOURCES,
                        help="what FILE is (default: fhir for a .json file, else article)")
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


def source_of(args: argparse.Namespace) -> str:
    if args.source:
        return str(args.source)
    return "fhir" if args.article.suffix.lower() == ".json" else "article"


def run(args: argparse.Namespace) -> int:
    from guideline.fhir.drafts import run_fhir_import
    from guideline.importer.service import ImportRequest, run_import

    project = open_project(args)
    out = args.out if args.out is not None else project.root / CORPUS_DIR
    request = ImportRequest(args.article, out, args.topic, args.update, args.force, args.dry_run)
    outcome = (run_fhir_import if source_of(args) == "fhir" else run_import)(request, project)
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
