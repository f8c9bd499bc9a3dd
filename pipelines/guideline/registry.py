"""Every rule id the tool can report, gathered in one place for `guideline rules` and severity overrides, with
the bad and good examples kept as data in rule_examples/ (one file per rule family)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from guideline import fhir_rules
from guideline.checks import CHECKS, expectations
from guideline.corpus import loader, model, schema
from guideline.corpus.project import Project
from guideline.errors import ConfigError
from guideline.importer import rules as import_rules
from guideline.rules import Example, ExampleFile, Rule

EXAMPLES_DIR = "rule_examples"
# The check date of every example, so that dates in them (reviews, notices, publication years) stay meaningful.
EXAMPLES_TODAY = date(2026, 6, 1)


def all_rules(project: Project | None = None, *, examples: bool = False) -> dict[str, Rule]:
    """Built-in rules, plus the project's expectation suite entries when a project is given; with `examples`,
    the built-in rules carry their bad and good examples."""
    rules: list[Rule] = [*loader.RULES, *schema.RULES, *model.RULES, *import_rules.RULES, *fhir_rules.RULES]
    for check in CHECKS:
        rules.extend(check.rules)
    registry: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in registry and registry[rule.id] is not rule:
            raise RuntimeError(f"rule id {rule.id} is registered twice")
        registry[rule.id] = rule
    if examples:
        shown = rule_examples()
        unknown = sorted(set(shown) - set(registry))
        if unknown:
            raise RuntimeError(f"{EXAMPLES_DIR}: examples for unknown rule ids {', '.join(unknown)}")
        registry = {rule_id: replace(rule, **shown.get(rule_id, {})) for rule_id, rule in registry.items()}
    if project is not None:
        for rule in expectations.suite_rules(project):
            if rule.id in registry:
                raise ConfigError(f"expectation suite: rule id {rule.id} is already a built-in rule",
                                  hint="give the expectation a new EXP id")
            registry[rule.id] = rule
    return dict(sorted(registry.items()))


@cache
def rule_examples() -> dict[str, dict[str, Any]]:
    """Rule id -> the Rule fields its examples fill (bad, good, no_example), from every family file."""
    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(files("guideline").joinpath(EXAMPLES_DIR).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.load(entry.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for rule_id, spec in _mapping(data, entry.name).items():
            where = f"{entry.name}: {rule_id}"
            spec = _mapping(spec, where)
            if set(spec) - {"bad", "good", "no_example"}:
                raise RuntimeError(f"{where}: unknown keys {sorted(set(spec) - {'bad', 'good', 'no_example'})}")
            found[rule_id] = {
                "bad": tuple(_example(item, f"{where} bad", bad=True) for item in spec.get("bad") or ()),
                "good": tuple(_example(item, f"{where} good", bad=False) for item in spec.get("good") or ()),
                "no_example": str(spec.get("no_example") or ""),
            }
    return found


def _example(data: Any, where: str, *, bad: bool) -> Example:
    data = _mapping(data, where)
    allowed = {"note", "files", "article"} | ({"finding"} if bad else set())
    if set(data) - allowed or "note" not in data or "files" not in data:
        raise RuntimeError(f"{where}: an example has a note and files"
                           f"{', a finding (FILE:LINE)' if bad else ''} and optionally an article")
    example_files = tuple(_file(str(path), spec, f"{where} {path}")
                          for path, spec in _mapping(data["files"], where).items())
    article = str(data.get("article") or "")
    if article and article not in {f.path for f in example_files}:
        raise RuntimeError(f"{where}: the article {article} is not among the example's files")
    if not bad:
        return Example(str(data["note"]).strip(), example_files, article=article)
    file, _, line = str(data.get("finding", "")).rpartition(":")
    if not file or not line.isdigit():
        raise RuntimeError(f"{where}: a bad example says where its finding is, as FILE:LINE")
    return Example(str(data["note"]).strip(), example_files, file, int(line), article)


def _file(path: str, spec: Any, where: str) -> ExampleFile:
    """A file is its text, or a mapping with its text and encoding, or with the target of a link."""
    if isinstance(spec, str):
        return ExampleFile(path, spec)
    spec = _mapping(spec, where)
    if set(spec) - {"text", "encoding", "link"}:
        raise RuntimeError(f"{where}: a file is its text, or text and encoding, or a link")
    return ExampleFile(path, str(spec.get("text", "")), str(spec.get("encoding", "utf-8")), str(spec.get("link", "")))


def _mapping(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError(f"{EXAMPLES_DIR}/{where}: expected a mapping")
    return data
