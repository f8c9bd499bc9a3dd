"""Every rule id the tool can report, gathered in one place for `guideline rules` and severity overrides."""

from __future__ import annotations

from . import loader, model, schema
from .checks import CHECKS
from .rules import Rule


def all_rules() -> dict[str, Rule]:
    rules: list[Rule] = [*loader.RULES, *schema.RULES, *model.RULES]
    for check in CHECKS:
        rules.extend(check.rules)
    registry: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in registry and registry[rule.id] is not rule:
            raise RuntimeError(f"rule id {rule.id} is registered twice")
        registry[rule.id] = rule
    return dict(sorted(registry.items()))
