"""The registry: every check the validator runs, in order. Add a check here and nowhere else."""

from __future__ import annotations

from . import structure
from .base import Check, Context

CHECKS: tuple[Check, ...] = (
    *structure.CHECKS,
)

__all__ = ["CHECKS", "Check", "Context"]
