"""guideline diff: the board report of what changed between two revisions, record by record."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from guideline.commands.common import Progress, add_root_option, emit, open_project, parse_date, today_of
from guideline.corpus.cache import open_cache
from guideline.errors import EXIT_OK, UsageError
from guideline.fileio import write_atomic
from guideline.render import report_docx, report_html, report_json, report_md
from guideline.report.compare import compare
from guideline.report.model import Report

FORMATS: dict[str, Callable[..., str | bytes]] = {"md": report_md.render, "html": report_html.render,
                                                  "json": report_json.render, "docx": report_docx.render}
REPORTS_DIR = "reports"

EXAMPLES = """examples:
  guideline diff                                  working tree against the last published revision
  guideline diff --base main                      working tree against main
  guideline diff --base published/2026-06 --head HEAD --format md --output -
  guideline diff --base v1 --head v2 --format json --output changes.json
  guideline diff --base main --format docx -o report.docx     for members who annotate in Word

The base defaults to the newest published/* tag, else the merge base with main, else the head commit's first
parent; the head defaults to the working tree (uncommitted and untracked files included). Reports go to
reports/board-report-<base>-<head>-<date>.<format> (the date is the head commit's, so the same revisions give
the same bytes); --output - prints to stdout.

exit codes: 0 report written, 2 usage error (unknown revision, shallow clone without the base, not a git
repository), 3 unexpected failure."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("diff", help="board report: what changed between two revisions",
                            description="Compare two git revisions record by record: added, removed, modified, "
                                        "renamed and moved records, field-level before/after, materiality, "
                                        "findings introduced and resolved, and review status.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", metavar="REV", help="revision to compare from (branch, tag, commit)")
    parser.add_argument("--head", metavar="REV", help="revision to compare to (default: the working tree)")
    parser.add_argument("--format", "-f", choices=sorted(FORMATS), default="html",
                        help="md: pull-request comment; html: page for the board; docx: Word, for annotating; "
                             "json: for tools (default: html)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="where to write the report; '-' for stdout (default: a dated file under reports/)")
    parser.add_argument("--no-findings", action="store_true",
                        help="skip the findings delta (it checks the whole corpus at both revisions)")
    parser.add_argument("--no-expectations", action="store_true",
                        help="leave the expectation suite out of the findings delta (as validate --no-expectations)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache of parsed files (.guideline-cache/), "
                             "which validate shares")
    add_root_option(parser)
    parser.add_argument("--today", type=parse_date, default=None,
                        help="date both revisions are checked against, YYYY-MM-DD (default: $GUIDELINE_TODAY, "
                             "else the head commit's date, so the report does not change with the calendar)")
    parser.set_defaults(run=run)


def report_name(report: Report, fmt: str) -> str:
    return f"board-report-{report.base.short}-{report.head.short}-{report.head.date.isoformat()}.{fmt}"


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    as_of = today_of(args) if args.today or os.environ.get("GUIDELINE_TODAY") else None
    report = compare(project.root, args.base, args.head, as_of=as_of, with_findings=not args.no_findings,
                     with_expectations=not args.no_expectations,
                     cache=None if args.no_cache else open_cache(project.root),
                     progress=lambda side: Progress(f"checking {side}"))
    html_name = f"{REPORTS_DIR}/{report_name(report, 'html')}"
    pointer = f"{html_name} (guideline diff --format html)" if args.format != "html" else None
    text = FORMATS[args.format](report, full_report=pointer)
    if args.output == "-":
        if isinstance(text, bytes):
            raise UsageError("a .docx report is a file: give --output FILE.docx")
        emit(text, None)
        return EXIT_OK
    target = Path(args.output) if args.output else project.root / REPORTS_DIR / report_name(report, args.format)
    if isinstance(text, bytes):
        write_atomic(target, text)
    else:
        emit(text, target)
    sys.stderr.write(f"wrote {target}\n")
    return EXIT_OK
