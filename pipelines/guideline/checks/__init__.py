"""The registry: every check the validator runs, in order. Add a check here and nowhere else."""

from __future__ import annotations

from guideline.checks import (
    conflicts,
    consistency,
    evidence,
    expectations,
    fidelity,
    key_order,
    references,
    structure,
    waivers,
    workflow,
)
from guideline.checks.base import Check, Context
from guideline.checks.structure import topic_keys

CHECKS: tuple[Check, ...] = (
    *structure.CHECKS,
    *references.CHECKS,
    *evidence.CHECKS,
    Check("expectations", (), expectations.run_check, keys=(topic_keys,)),
    *conflicts.CHECKS,
    *consistency.CHECKS,
    *fidelity.CHECKS,
    *key_order.CHECKS,
    *workflow.CHECKS,
    Check("waivers", waivers.RULES, waivers.run_check, keys=()),
)

# Every relation some check compares records by, each once: the keys a file publishes are theirs.
RELATIONS = tuple(dict.fromkeys(relation for check in CHECKS for relation in check.relations or ()))

__all__ = ["CHECKS", "RELATIONS", "Check", "Context"]
