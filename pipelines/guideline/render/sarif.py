"""Findings as SARIF 2.1.0, shaped for GitHub code scanning: rule help, line hashes, base-relative URIs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from guideline import __version__
from guideline.findings import Finding, Location, Severity
from guideline.render.rule_docs import example_markdown
from guideline.rules import Rule

INFORMATION_URI = "https://guideline.example.org/"
RULES_DOC_URI = INFORMATION_URI + "docs/rules.md"
# Locations are relative to the project root, which the run names by this base id (SARIF §3.4.4).
ROOT_BASE_ID = "PROJECTROOT"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_WORD = re.compile(r"[A-Za-z0-9]+")


def rule_name(title: str) -> str:
    """SARIF recommends a rule name that reads as one identifier: 'Value not allowed' -> 'ValueNotAllowed'."""
    return "".join(word[:1].upper() + word[1:] for word in _WORD.findall(title))


def help_uri(rule_id: str) -> str:
    return f"{RULES_DOC_URI}#{rule_id.lower()}"


def _help(rule: Rule) -> dict[str, str]:
    text = [rule.description]
    markdown = [rule.description]
    if rule.no_example:
        text.append(f"No example: {rule.no_example}")
        markdown += ["", f"No example: {rule.no_example}"]
    for label, items in (("Bad", rule.bad), ("Good", rule.good)):
        for item in items:
            where = f" ({rule.id} at {item.file}:{item.line})" if item.file else ""
            text.append(f"{label}: {item.note}{where}")
            markdown.extend(example_markdown(label, rule, item))
    markdown += ["", f"[{rule.id} in the rules documentation]({help_uri(rule.id)})"]
    return {"text": "\n\n".join(text), "markdown": "\n".join(markdown)}


def _rule(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    """A rule's descriptor; a rule missing from the catalogue is named by its id, at error level."""
    if rule is None:
        rule = Rule(rule_id, rule_id, Severity.ERROR, f"{rule_id}: a rule the catalogue does not describe.")
    return {"id": rule.id, "name": rule_name(rule.title) or rule.id, "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.description}, "help": _help(rule), "helpUri": help_uri(rule.id),
            "defaultConfiguration": {"level": _LEVELS[rule.severity]},
            "properties": {"tags": [rule.id.rstrip("0123456789") or rule.id]}}


def artifact_uri(path: str) -> dict[str, str]:
    """A root-relative path as a percent-encoded URI reference on the root's base id; an absolute one (a file
    outside the project) as a file URI."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": ROOT_BASE_ID}


def _physical(location: Location) -> dict[str, Any]:
    # Findings carry a position, not a span: the region is the character at that position.
    return {"artifactLocation": artifact_uri(location.file),
            "region": {"startLine": location.line, "startColumn": location.column,
                       "endLine": location.line, "endColumn": location.column + 1}}


def _result(finding: Finding, rule_index: int, line_hash: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message + (f" Hint: {finding.hint}" if finding.hint else "")},
        "locations": [{"physicalLocation": _physical(finding.location)}],
        # GitHub tracks a result across commits by primaryLocationLineHash alone; ours survives line moves.
        "partialFingerprints": {"primaryLocationLineHash": line_hash,
                                "guidelineFingerprint/v1": finding.fingerprint},
    }
    if finding.record:
        result["properties"] = {"record": finding.record}
    if finding.related:
        result["relatedLocations"] = [{"id": i, "physicalLocation": _physical(loc)}
                                      for i, loc in enumerate(finding.related)]
    if finding.waiver:
        result["suppressions"] = [{"kind": "external", "justification": finding.waiver}]
    return result


def sarif(findings: list[Finding], rules: dict[str, Rule]) -> str:
    used = sorted({f.rule for f in findings})
    rule_index = {rule_id: index for index, rule_id in enumerate(used)}
    seen: dict[str, int] = {}
    results = []
    for f in findings:
        # Like GitHub's own hashes, a repeated fingerprint is told apart by its occurrence number.
        seen[f.fingerprint] = seen.get(f.fingerprint, 0) + 1
        results.append(_result(f, rule_index[f.rule], f"{f.fingerprint}:{seen[f.fingerprint]}"))
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "guideline",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(r, rules.get(r)) for r in used]}},
            "originalUriBaseIds": {ROOT_BASE_ID: {
                "description": {"text": "The project root: the folder that holds guidelines/policy.yaml."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
