"""Every subcommand of `guideline`, in the order `--help` lists them. Add a command here."""

from __future__ import annotations

from types import ModuleType

from . import rules_cmd, validate_cmd

COMMANDS: tuple[ModuleType, ...] = (validate_cmd, rules_cmd)
