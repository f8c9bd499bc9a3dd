"""guideline fmt: put record keys in the documented order and quotes only where needed, or (--check) list the
files that are not."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, emit, open_project
from guideline.corpus.formatting import Formatted, format_files
from guideline.corpus.project import CORPUS_DIR, collect_files
from guideline.errors import EXIT_FINDINGS, EXIT_OK, UsageError

EXAMPLES = f"""examples:
  guideline fmt                              reorder the keys of every file under {CORPUS_DIR}/, in place
  guideline fmt guidelines/topics/osteoporotic-spine-fracture.yaml
  guideline fmt --check                      list the files that would change; exit 1 if any (CI, pre-commit)
  guideline fmt --check --diff               and show how

Keys go in the order the schemas list them (the README's record example): id first, then the statement and
its grading, population, citations, review state, provenance. Whole lines move with their key, so comments,
blank lines and wording are kept exactly. Quotes stay only where YAML needs them, and then double ones:
'Back pain' becomes Back pain, 'It''s: painful' becomes "It's: painful"; "2026-01-02" and "yes" keep theirs.
A file that is not valid YAML is reported with its line and never written.

exit codes: 0 nothing to change (or changed), 1 --check found files to change, or a file cannot be
formatted, 2 usage error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("fmt", help="put record keys in the documented order, quotes only where needed",
                            description="Put the keys of every record in the documented order and quotes only "
                                        "where YAML needs them, keeping comments and wording.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help=f"files or folders (default: {CORPUS_DIR}/)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing: list the files that would change and exit 1 if there are any")
    parser.add_argument("--diff", action="store_true", help="print a unified diff of each change")
    add_root_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    files, missing = collect_files(list(args.paths) or [project.root / CORPUS_DIR], project.root)
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}",
                         hint=f"check the path; with no path, fmt formats {CORPUS_DIR}/")
    results = format_files(files, project.root, project.display, write=not args.check,
                           max_bytes=project.policy.max_file_bytes)
    emit(_report(results, check=args.check, diff=args.diff), None)
    refused = [item for item in results if item.after is None]
    for item in refused:
        for problem in item.problems:
            print(f"{item.display}:{problem.line}:{problem.column}: cannot format: {problem.message}", file=sys.stderr)
    if refused:
        print(f"guideline: {len(refused)} file(s) not formatted; nothing was written to them", file=sys.stderr)
    changed = [item for item in results if item.changed]
    return EXIT_FINDINGS if refused or (args.check and changed) else EXIT_OK


def _report(results: list[Formatted], *, check: bool, diff: bool) -> str:
    changed = [item for item in results if item.changed]
    lines = [f"{'would reformat' if check else 'reformatted'} {item.display}" for item in changed]
    if diff:
        for item in changed:
            assert item.after is not None
            lines.extend(line.rstrip("\r\n") for line in difflib.unified_diff(
                item.before.decode("utf-8", "replace").splitlines(keepends=True),
                item.after.decode("utf-8", "replace").splitlines(keepends=True),
                f"a/{item.display}", f"b/{item.display}"))
    verb = "would be reformatted" if check else "reformatted"
    lines.append(f"{len(changed)} file(s) {verb}, {len(results) - len(changed)} left unchanged")
    return "\n".join(lines) + "\n"
