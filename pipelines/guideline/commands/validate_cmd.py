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
from guideline.commands.selection import Selection, add_selection_options
from guideline.corpus.cache import open_cache
from guideline.corpus.project import CORPUS_DIR, Project
from guideline.engine.run import ValidationRequest, run_validation
from guideline.errors import EXIT_FINDINGS, EXIT_OK, ConfigError, UsageError
from guideline.findings import Finding, Severity
from guideline.registry import all_rules
from guideline.render import REPORTERS, reporter
from guideline.render.findings_formats import statistics, summary_line
from guideline.render.paths import root_relative
from guideline.rules import Rule

EXAMPLES = """examples:
  guideline validate                         check everything under guidelines/
  guideline validate guidelines/topics/osteoporotic-spine-fracture.yaml
  guideline validate --format github         annotations for a GitHub Actions log
  guideline validate --format sarif --output findings.sarif
  guideline validate --strict                warnings fail the run too
  guideline validate --changed-since origin/main   only findings the changes since main can affect
  guideline validate --changed-files guidelines/topics/a.yaml   what the pre-commit hook runs on staged files
  guideline validate --ignore EVD003,CON     hide a rule and a whole family
  guideline validate --select REF --statistics   only reference findings, then a count per rule
  guideline validate --quiet                 nothing on success, the summary line on failure

--select and --ignore change what is shown and what the exit code counts, never what `guideline publish`
decides: the publication gate always runs every rule at the policy's severities.

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
    parser.add_argument("--changed-files", action="store_true",
                        help="the PATHs are files a commit changes: check the whole corpus, report only what they "
                             "can affect (their records, and the records they cite or that cite them)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache of parsed files and runs (.guideline-cache/)")
    add_selection_options(parser)
    parser.add_argument("--statistics", action="store_true",
                        help="after the findings, count them per rule (with the rule's title)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="text format: nothing when the run passes, only the summary line when it fails; no "
                             "progress (the exit code is unchanged)")
    add_root_option(parser)
    add_today_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.changed_files and (args.changed_since or not args.paths):
        raise UsageError("--changed-files needs the changed files as PATHs, and no --changed-since",
                         hint="pre-commit passes them: entry: guideline validate --changed-files")
    project = open_project(args)
    selection = Selection.of(args.select, args.ignore, _known_rules(project))
    result = run_validation(ValidationRequest(
        project, today_of(args), () if args.changed_files else args.paths,
        cache=None if args.no_cache else open_cache(project.root), changed_since=args.changed_since,
        changed_files=args.paths if args.changed_files else (), with_expectations=not args.no_expectations,
        options=_run_options(args), progress=None if args.quiet else Progress("checking files")))
    findings = selection.apply(result.findings)
    # SARIF carries each rule's help, which its examples fill.
    rules = {rule_id: rule for rule_id, rule in
             all_rules(None if args.no_expectations else project, examples=args.format == "sarif").items()
             if selection.shows(rule_id)}
    failing = sum(1 for f in findings if f.counts_as_error or (args.strict and f.counts_at(Severity.WARNING)))
    _report(args, project, findings, rules, failing=bool(failing))
    if len(findings) < len(result.findings) and not args.quiet:
        print(f"note: {len(result.findings) - len(findings)} finding(s) not shown (--select/--ignore)",
              file=sys.stderr)
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_OK


def _known_rules(project: Project) -> dict[str, Rule]:
    """Every id --select and --ignore may name: the project's expectation suite's too, when it can be read."""
    try:
        return all_rules(project)
    except ConfigError:
        return all_rules()


def _report(args: argparse.Namespace, project: Project, findings: list[Finding], rules: dict[str, Rule], *,
            failing: bool) -> None:
    colour = args.color == "always" or (args.color == "auto" and args.output is None and use_colour(sys.stdout))
    paths = root_relative(project.root, project.shown_from or project.root)
    if args.quiet and args.format == "text":
        text = summary_line(findings) + "\n" if failing else ""
    else:
        text = reporter(args.format, colour=colour, paths=paths)(findings, rules)
    # A machine-readable report on stdout stays parseable: the counts then go to stderr.
    counts = statistics(findings, rules) if args.statistics else ""
    to_stderr = args.format != "text" and args.output is None
    if counts and not to_stderr:
        text += "\n" + counts if text else counts
    try:
        emit(text, args.output)
    except OSError as exc:
        if args.output is None:
            raise  # a closed pipe on stdout is not the user's mistake; cli.py handles it
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}",
                         hint="choose a file in a folder you can write to") from None
    if counts and to_stderr:
        sys.stderr.write(counts)


# Options that only shape the report; every other option may change the findings, so it keys the run cache.
_REPORT_OPTIONS = frozenset({"format", "output", "strict", "exit_zero", "color", "changed_since", "no_cache", "run",
                             "paths", "root", "today", "changed_files", "select", "ignore", "statistics", "quiet"})


def _run_options(args: argparse.Namespace) -> str:
    return repr(sorted((name, repr(value)) for name, value in vars(args).items() if name not in _REPORT_OPTIONS))
