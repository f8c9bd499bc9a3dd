"""The registry: every check the validator runs, in order. Add a check here and nowhere else."""

from __future__ import annotations

from .. import expectations, waivers
from . import conflicts, consistency, evidence, references, structure, workflow
from .base import Check, Context

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
