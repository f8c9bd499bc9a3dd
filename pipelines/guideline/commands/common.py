"""Options and helpers shared by several commands."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from guideline.corpus.cache import open_cache
from guideline.corpus.project import Project, find_root, load_project
from guideline.errors import UsageError
from guideline.fileio import write_atomic


def add_root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="project folder (default: the nearest folder above the current "
                                                  "one that has guidelines/policy.yaml)")


def add_today_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", type=parse_date, default=None,
                        help="date to check currency against, YYYY-MM-DD (default: today, or $GUIDELINE_TODAY)")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def today_of(args: argparse.Namespace) -> date:
    if getattr(args, "today", None):
        return args.today  # type: ignore[no-any-return]
    env = os.environ.get("GUIDELINE_TODAY")
    if env:
        try:
            return date.fromisoformat(env)
        except ValueError:
            raise UsageError(f"GUIDELINE_TODAY={env!r} is not a date", hint="use YYYY-MM-DD") from None
    return date.today()


def open_project(args: argparse.Namespace) -> Project:
    """The project of --root or of the working folder, naming files as seen from the working folder."""
    here = getattr(args, "cwd", None) or Path.cwd()
    root = args.root.absolute() if getattr(args, "root", None) else find_root(here)
    return load_project(root, None if getattr(args, "no_cache", True) else open_cache(root), shown_from=here)


def interactive() -> bool:
    """Progress and colour only for a person at a terminal, never in CI logs."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def use_colour(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(output, text.encode("utf-8"))


class Progress:
    """A one-line counter on stderr, drawn at most every few percent."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = interactive()
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 50:
            return
        percent = done * 100 // total
        if percent != self._last and (percent % 5 == 0 or done == total):
            self._last = percent
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r{self.label} {done}/{total} ({percent}%)" + end)
            sys.stderr.flush()
