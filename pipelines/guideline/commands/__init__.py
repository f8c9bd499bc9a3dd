"""Every subcommand of `guideline`, in the order `--help` lists them. Add a command here (its module is
NAME_cmd.py, with register() and run())."""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: tuple[str, ...] = ("validate", "fmt", "rules", "diff", "submit", "review", "status", "publish", "import",
                             "export", "serve")


def command_modules(chosen: str | None = None) -> list[ModuleType]:
    """The modules of every command, or only of the chosen one: a command then starts without importing what
    the others need (git, the report renderers...)."""
    names = (chosen,) if chosen in COMMANDS else COMMANDS
    return [importlib.import_module(f"{__name__}.{name}_cmd") for name in names]
