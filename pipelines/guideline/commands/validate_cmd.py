"""guideline validate: check the corpus and report findings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import (
    Progress,
    add_root_option,
    add_today_option,
    emit,
    open_project,
    today_of,
    use_colour,
)
from guideline.corpus.cache import open_cache
from guideline.corpus.project import CORPUS_DIR
from guideline.engine.run import ValidationRequest, run_validation
from guideline.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from guideline.registry import all_rules
from guideline.render import REPORTERS, reporter
from guideline.render.paths import root_relative

EXAMPLES = """examples:
  guideline validate                         check everything under guidelines/
  guideline validate guidelines/topics/osteoporotic-spine-fracture.yaml
  guideline validate --format github         annotations for a GitHub Actions log
  guideline validate --format sarif --output findings.sarif
  guideline validate --strict                warnings fail the run too
  guideline validate --changed-since origin/main   only findings the changes since main can affect

exit codes: 0 no errors, 1 error findings (--strict: warnings too), 2 usage or configuration error,
3 unexpected failure."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("validate", help="check records and report findings",
                            description="Check guideline records: YAML, schemas, references, consistency.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help=f"files or folders to check (default: {CORPUS_DIR}/)")
    parser.add_argument("--format", "-f", choices=sorted(REPORTERS), default="text", help="output format")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings as well as errors")
    parser.add_argument("--exit-zero", action="store_true", help="always exit 0 when the check ran")
    parser.add_argument("--no-expectations", action="store_true",
                        help="skip the expectation suite (guidelines/expectations.yaml), which needs ~2 s")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour text output")
    parser.add_argument("--changed-since", metavar="REV",
                        help="report only findings that changes since this git revision can affect")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache of parsed files and runs (.guideline-cache/)")
    add_root_option(parser)
    add_today_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    result = run_validation(ValidationRequest(
        project, today_of(args), args.paths, cache=None if args.no_cache else open_cache(project.root),
        changed_since=args.changed_since, with_expectations=not args.no_expectations, options=_run_options(args),
        progress=Progress("checking files")))
    colour = args.color == "always" or (args.color == "auto" and args.output is None and use_colour(sys.stdout))
    # SARIF carries each rule's help, which its examples fill.
    rules = all_rules(None if args.no_expectations else project, examples=args.format == "sarif")
    paths = root_relative(project.root, project.shown_from or project.root)
    try:
        emit(reporter(args.format, colour=colour, paths=paths)(result.findings, rules), args.output)
    except OSError as exc:
        if args.output is None:
            raise  # a closed pipe on stdout is not the user's mistake; cli.py handles it
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}",
                         hint="choose a file in a folder you can write to") from None
    if args.exit_zero:
        return EXIT_OK
    failing = result.errors + (result.warnings if args.strict else 0)
    return EXIT_FINDINGS if failing else EXIT_OK


# Options that only shape the report; every other option may change the findings, so it keys the run cache.
_REPORT_OPTIONS = frozenset({"format", "output", "strict", "exit_zero", "color", "changed_since", "no_cache", "run",
                             "paths", "root", "today"})


def _run_options(args: argparse.Namespace) -> str:
    return repr(sorted((name, repr(value)) for name, value in vars(args).items() if name not in _REPORT_OPTIONS))
