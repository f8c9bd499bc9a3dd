"""Exceptions that end a command, and the one place that maps them to exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130


class GuidelineError(Exception):
    """A problem the user can fix; the message says what to do next."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(GuidelineError):
    """Missing or unusable project configuration (data files, expectation suite, roster...)."""


class UsageError(GuidelineError):
    """Bad command-line arguments or a revision/path that does not exist."""
