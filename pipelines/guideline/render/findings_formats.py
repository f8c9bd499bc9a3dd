"""Validation findings as text, JSON, GitHub annotations, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

import json
import re
from typing import Any

from guideline import __version__
from guideline.findings import Finding, Location, Severity, summarize
from guideline.rules import Rule

_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET = "\033[0m"
_DIM = "\033[2m"
# Characters XML 1.0 cannot hold even escaped; a quoted YAML string can carry them into a message.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(value: str) -> str:
    return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", value)


# Terminal control characters from record text must not reach the terminal: ESC could rewrite the screen.
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f]")


def _terminal_safe(value: str) -> str:
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", value)


# xml.sax.saxutils is imported on use: it pulls in urllib and http.client, a fiftieth of a second on every run.
def escape(value: str) -> str:
    from xml.sax.saxutils import escape as xml_escape
    return xml_escape(_xml_safe(value))


def quoteattr(value: str) -> str:
    from xml.sax.saxutils import quoteattr as xml_quoteattr
    return xml_quoteattr(_xml_safe(value))


def text(findings: list[Finding], rules: dict[str, Rule], *, colour: bool = False) -> str:
    lines: list[str] = []
    for f in findings:
        level = f.severity.value.upper()
        if f.waiver:
            level = f"WAIVED({level})"
        if colour:
            level = f"{_COLOURS[f.severity]}{level}{_RESET}"
        record = f" [{f.record}]" if f.record else ""
        lines.append(_terminal_safe(f"{f.file}:{f.line}:{f.column}: ") + f"{level} {f.rule} "
                     + _terminal_safe(f"{f.message}{record}"))
        extras = []
        if f.hint:
            extras.append(f"hint: {f.hint}")
        extras.extend(f"see also {loc.file}:{loc.line}" + (f" [{loc.record}]" if loc.record else "")
                      for loc in f.related)
        if f.source:
            extras.append(f"from {f.source.file}:{f.source.line}")
        for extra in map(_terminal_safe, extras):
            lines.append(f"    {_DIM}{extra}{_RESET}" if colour else f"    {extra}")
    summary = summarize(findings)
    counts = summary["by_severity"]
    tail = f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
    if summary["waived"]:
        tail += f", {summary['waived']} waived"
    lines.append(tail)
    return "\n".join(lines) + "\n"


def _location_json(location: Location) -> dict[str, Any]:
    return {"file": location.file, "line": location.line, "column": location.column, "record": location.record}


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as JSON data: the shape `validate --format json` and the board report's JSON share."""
    out: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "record": finding.record,
        "message": finding.message,
    }
    if finding.hint:
        out["hint"] = finding.hint
    if finding.related:
        out["related"] = [_location_json(loc) for loc in finding.related]
    if finding.source:
        out["source"] = {"file": finding.source.file, "line": finding.source.line}
    if finding.waiver:
        out["waived"] = {"waiver": finding.waiver}
    out["fingerprint"] = finding.fingerprint
    return out


def findings_document(findings: list[Finding]) -> dict[str, Any]:
    return {"version": __version__, "findings": [finding_json(f) for f in findings], "summary": summarize(findings)}


def json_report(findings: list[Finding], rules: dict[str, Rule]) -> str:
    return json.dumps(findings_document(findings), indent=2, ensure_ascii=False) + "\n"


def _github_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(findings: list[Finding], rules: dict[str, Rule]) -> str:
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in findings:
        kind = "notice" if f.waiver else kinds[f.severity]
        title = _github_escape(f"{f.rule} {rules[f.rule].title}" if f.rule in rules else f.rule, prop=True)
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"::{kind} file={_github_escape(f.file, prop=True)},line={f.line},col={f.column},"
                     f"title={title}::{_github_escape(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _sarif_rule(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    """A rule's SARIF descriptor; a rule missing from the catalogue is named by its id, at error level."""
    title, description, level = ((rule.title, rule.description, _SARIF_LEVELS[rule.severity]) if rule
                                 else (rule_id, rule_id, "error"))
    return {"id": rule_id, "name": title, "shortDescription": {"text": title}, "fullDescription": {"text": description},
            "defaultConfiguration": {"level": level}}


def sarif(findings: list[Finding], rules: dict[str, Rule]) -> str:
    used = sorted({f.rule for f in findings})
    rule_index = {rule_id: index for index, rule_id in enumerate(used)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_index[f.rule],
            "level": _SARIF_LEVELS[f.severity],
            "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file},
                                                "region": {"startLine": f.line, "startColumn": f.column}}}],
            "partialFingerprints": {"guidelineFingerprint/v1": f.fingerprint},
        }
        if f.record:
            result["properties"] = {"record": f.record}
        if f.related:
            result["relatedLocations"] = [
                {"id": i, "physicalLocation": {"artifactLocation": {"uri": loc.file},
                                               "region": {"startLine": loc.line, "startColumn": loc.column}}}
                for i, loc in enumerate(f.related)]
        if f.waiver:
            result["suppressions"] = [{"kind": "external", "justification": f.waiver}]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "guideline",
                "version": __version__,
                "rules": [_sarif_rule(r, rules.get(r)) for r in used]}},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def junit(findings: list[Finding], rules: dict[str, Rule]) -> str:
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    failures = sum(1 for f in findings if f.counts_as_error)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="guideline validate" tests="{len(findings)}" failures="{failures}">']
    for file, items in by_file.items():
        file_failures = sum(1 for f in items if f.counts_as_error)
        out.append(f'  <testsuite name={quoteattr(file)} tests="{len(items)}" failures="{file_failures}">')
        for f in items:
            name = quoteattr(f"{f.rule} line {f.line}" + (f" {f.record}" if f.record else ""))
            out.append(f"    <testcase classname={quoteattr(file)} name={name}>")
            body = escape(f"{f.file}:{f.line}:{f.column}: {f.message}" + (f"\nhint: {f.hint}" if f.hint else ""))
            if f.counts_as_error:
                out.append(f"      <failure type={quoteattr(f.rule)} message={quoteattr(f.message)}>{body}</failure>")
            else:
                out.append(f"      <system-out>{escape(f.severity.value.upper())}: {body}</system-out>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
