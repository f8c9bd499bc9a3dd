"""The registry: every check the validator runs, in order. Add a check here and nowhere else."""

from __future__ import annotations

from . import structure
from . import evidence, references
from . import conflicts, consistency
from . import workflow
from .. import waivers
from .base import Check, Context
from .. import expectations

CHECKS: tuple[Check, ...] = (
    *structure.CHECKS,
    *references.CHECKS,
    *evidence.CHECKS,
    Check("expectations", (), expectations.run_check),
    *conflicts.CHECKS,
    *consistency.CHECKS,
    *workflow.CHECKS,
    Check("waivers", waivers.RULES, waivers.run_check),
)

__all__ = ["CHECKS", "Check", "Context"]
