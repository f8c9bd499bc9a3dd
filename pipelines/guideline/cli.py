"""The `guideline` command: parse options, call a command's run(), map exceptions to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from guideline import __version__
from guideline.commands import command_modules
from guideline.errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, EXIT_USAGE, GuidelineError


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the chosen one (the others' modules are then not imported)."""
    parser = argparse.ArgumentParser(
        prog="guideline",
        description="Check, review, publish and report on clinical guideline records kept as YAML in git.",
        epilog="examples:\n  guideline validate\n  guideline validate guidelines/topics --format json\n"
               "  guideline validate --ignore EVD003 --statistics\n  guideline fmt --check\n"
               "  guideline rules\n\nRun 'guideline COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"guideline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in command_modules(chosen):
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, cwd: Path | None = None) -> int:
    """Run one command; cwd is the folder it runs in (default: the process's), given to commands as args.cwd."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(next((word for word in words if not word.startswith("-")), None))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    args.cwd = (cwd or Path.cwd()).absolute()
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except GuidelineError as exc:
        print(f"guideline: error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("guideline: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a report, never a bare traceback
        import traceback
        print(f"guideline: unexpected failure: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("GUIDELINE_DEBUG"):
            traceback.print_exc()
        else:
            print("  this is a bug in guideline; rerun with GUIDELINE_DEBUG=1 and report the traceback",
                  file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
