"""Every rule id the tool can report, gathered in one place for `guideline rules` and severity overrides."""

from __future__ import annotations

from guideline.checks import CHECKS, expectations
from guideline.corpus import loader, model, schema
from guideline.corpus.project import Project
from guideline.errors import ConfigError
from guideline.importer import rules as import_rules
from guideline.rules import Rule


def all_rules(project: Project | None = None) -> dict[str, Rule]:
    """Built-in rules, plus the project's expectation suite entries when a project is given."""
    rules: list[Rule] = [*loader.RULES, *schema.RULES, *model.RULES, *import_rules.RULES]
    for check in CHECKS:
        rules.extend(check.rules)
    registry: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in registry and registry[rule.id] is not rule:
            raise RuntimeError(f"rule id {rule.id} is registered twice")
        registry[rule.id] = rule
    if project is not None:
        for rule in expectations.suite_rules(project):
            if rule.id in registry:
                raise ConfigError(f"expectation suite: rule id {rule.id} is already a built-in rule",
                                  hint="give the expectation a new EXP id")
            registry[rule.id] = rule
    return dict(sorted(registry.items()))
