"""guideline rules: list every rule the tool can report, with its documentation."""

from __future__ import annotations

import argparse
import json
import textwrap

from guideline.commands.common import add_root_option, emit, open_project
from guideline.corpus.project import Project
from guideline.errors import EXIT_OK, ConfigError, UsageError
from guideline.registry import all_rules


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("rules", help="list the rules and what they check",
                            description="List every rule: id, title, default severity and description.",
                            epilog="examples:\n  guideline rules\n  guideline rules REF001\n"
                                   "  guideline rules --format json",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ids", nargs="*", metavar="RULE", help="show only these rule ids")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_root_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    rules = all_rules(_project(args))
    unknown = [r for r in args.ids if r not in rules]
    if unknown:
        raise UsageError(f"unknown rule id: {', '.join(unknown)}", hint="run 'guideline rules' to list them")
    selected = [rules[r] for r in args.ids] if args.ids else list(rules.values())
    if args.format == "json":
        emit(json.dumps([{"id": r.id, "title": r.title, "severity": r.severity.value, "description": r.description}
                         for r in selected], indent=2) + "\n", None)
        return EXIT_OK
    lines = []
    for rule in selected:
        lines.append(f"{rule.id}  {rule.severity.value:<7}  {rule.title}")
        lines.extend(textwrap.wrap(rule.description, width=96, initial_indent="    ", subsequent_indent="    "))
    emit("\n".join(lines) + "\n", None)
    return EXIT_OK


def _project(args: argparse.Namespace) -> Project | None:
    """The project's expectation suite adds rules; outside a project the built-in rules are listed."""
    try:
        return open_project(args)
    except ConfigError:
        return None
