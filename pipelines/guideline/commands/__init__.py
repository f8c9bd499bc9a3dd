"""Every subcommand of `guideline`, in the order `--help` lists them. Add a command here."""

from __future__ import annotations

from types import ModuleType

from . import diff_cmd, import_cmd, publish_cmd, review_cmd, rules_cmd, status_cmd, submit_cmd, validate_cmd

COMMANDS: tuple[ModuleType, ...] = (validate_cmd, rules_cmd, diff_cmd, submit_cmd, review_cmd, status_cmd,
                                     publish_cmd, import_cmd)
