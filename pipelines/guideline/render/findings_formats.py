"""Validation findings as text, JSON, GitHub annotations and JUnit XML (SARIF is in sarif.py)."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from guideline import __version__
from guideline.findings import Finding, Location, Severity, summarize
from guideline.rules import Rule

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
    lines.append(summary_line(findings))
    return "\n".join(lines) + "\n"


def summary_line(findings: list[Finding]) -> str:
    """The text report's last line: what `validate --quiet` prints when the run fails."""
    summary = summarize(findings)
    counts = summary["by_severity"]
    tail = f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
    if summary["waived"]:
        tail += f", {summary['waived']} waived"
    return tail


def statistics(findings: list[Finding], rules: dict[str, Rule]) -> str:
    """`validate --statistics`: findings per rule, most frequent first, with the severity they were reported at
    and the rule's title."""
    counts: dict[str, Counter[str]] = {}
    for f in findings:
        counts.setdefault(f.rule, Counter())["waived" if f.waiver else f.severity.value] += 1
    rows = sorted(counts.items(), key=lambda item: (-item[1].total(), item[0]))
    width = max((len(str(levels.total())) for _, levels in rows), default=1)
    lines = []
    for rule_id, levels in rows:
        shown = ",".join(level for level, _ in levels.most_common())
        title = rules[rule_id].title if rule_id in rules else ""
        lines.append(f"{levels.total():>{width}}  {rule_id:<7} {shown:<8} {title}".rstrip())
    return "\n".join(lines) + ("\n" if lines else "")


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


def _case_names(findings: list[Finding]) -> list[str]:
    """A test case name per finding, unique within its file: dashboards key test cases on class and name."""
    names: list[str] = []
    used: set[tuple[str, str]] = set()
    for f in findings:
        name = f"{f.rule} line {f.line}" + (f" {f.record}" if f.record else "")
        if (f.file, name) in used:
            name += f" column {f.column}"
        base, count = name, 1
        while (f.file, name) in used:
            count += 1
            name = f"{base} ({count})"
        used.add((f.file, name))
        names.append(name)
    return names


def junit(findings: list[Finding], rules: dict[str, Rule]) -> str:
    by_file: dict[str, list[tuple[Finding, str]]] = {}
    for f, name in zip(findings, _case_names(findings), strict=True):
        by_file.setdefault(f.file, []).append((f, name))
    failures = sum(1 for f in findings if f.counts_as_error)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="guideline validate" tests="{len(findings)}" failures="{failures}" errors="0">']
    for file, items in by_file.items():
        file_failures = sum(1 for f, _ in items if f.counts_as_error)
        out.append(f'  <testsuite name={quoteattr(file)} tests="{len(items)}" failures="{file_failures}" errors="0">')
        for f, name in items:
            out.append(f"    <testcase classname={quoteattr(file)} name={quoteattr(name)}>")
            body = escape(f"{f.file}:{f.line}:{f.column}: {f.message}" + (f"\nhint: {f.hint}" if f.hint else ""))
            if f.counts_as_error:
                out.append(f"      <failure type={quoteattr(f.rule)} message={quoteattr(f.message)}>{body}</failure>")
            else:
                out.append(f"      <system-out>{escape(f.severity.value.upper())}: {body}</system-out>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
