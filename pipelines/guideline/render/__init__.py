"""Reporters for validation findings, chosen by name. They format; they never decide or exit."""

from __future__ import annotations

from collections.abc import Callable

from guideline.findings import Finding
from guideline.render import findings_formats
from guideline.rules import Rule

Reporter = Callable[[list[Finding], dict[str, Rule], bool], str]

REPORTERS: dict[str, Reporter] = {
    "text": findings_formats.text,
    "json": findings_formats.json_report,
    "github": findings_formats.github,
    "sarif": findings_formats.sarif,
    "junit": findings_formats.junit,
}
