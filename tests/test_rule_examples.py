"""Every rule's bad and good examples (pipelines/guideline/rule_examples/), run in-process: a bad example yields
its rule at the stated file and line, a good one does not yield it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from guideline.corpus.project import CORPUS_DIR, load_project
from guideline.engine.pipeline import validate
from guideline.findings import Finding
from guideline.importer.service import ImportRequest, run_import
from guideline.registry import EXAMPLES_TODAY, all_rules
from guideline.rules import Example
from helpers import DATA_FILES, REPO_ROOT

RULES = all_rules(examples=True)
CASES = [pytest.param(rule.id, kind, example, id=f"{rule.id}-{kind}{index}")
         for rule in RULES.values()
         for kind, examples in (("bad", rule.bad), ("good", rule.good))
         for index, example in enumerate(examples, 1)]
SHIPPED = {name: (REPO_ROOT / CORPUS_DIR / name).read_bytes() for name in DATA_FILES}


def findings_of(example: Example, root: Path) -> list[Finding]:
    """Write the example's project under root and check it as `guideline validate` (or `import`) would."""
    for name, content in SHIPPED.items():
        (root / CORPUS_DIR).mkdir(parents=True, exist_ok=True)
        (root / CORPUS_DIR / name).write_bytes(content)
    for file in example.files:
        path = root / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if file.link:
            path.unlink(missing_ok=True)
            path.symlink_to(file.link)
        else:
            path.write_bytes(file.content)
    project = load_project(root)
    if example.article:
        request = ImportRequest(root / example.article, root / CORPUS_DIR, dry_run=True)
        return run_import(request, project).findings
    return validate([root / CORPUS_DIR], project, today=EXAMPLES_TODAY).findings


def shown(finding: Finding, root: Path) -> tuple[str, int]:
    """A finding's file relative to the example's root, as the project shows it."""
    path = Path(finding.file)
    return (Path(os.path.relpath(path, root)).as_posix() if path.is_absolute() else finding.file), finding.line


@pytest.mark.parametrize(("rule_id", "kind", "example"), CASES)
def test_example(rule_id: str, kind: str, example: Example, tmp_path: Path) -> None:
    root = tmp_path / "project"
    findings = findings_of(example, root)
    hits = sorted(shown(f, root) for f in findings if f.rule == rule_id)
    listing = "\n".join(f"{f.rule} {shown(f, root)} {f.message}" for f in findings)
    if kind == "bad":
        assert (example.file, example.line) in hits, listing
    else:
        assert hits == [], listing


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_examples(rule_id: str) -> None:
    rule = RULES[rule_id]
    if rule.no_example:
        assert not rule.bad and not rule.good, "a rule with examples needs no reason for having none"
    else:
        assert rule.bad and rule.good, f"{rule_id} needs a bad and a good example in rule_examples/"


def test_exceptions_are_few() -> None:
    # Each exception is a rule only `guideline publish` or git history can show (WFL010: what was published before).
    assert len([rule for rule in RULES.values() if rule.no_example]) <= 6
