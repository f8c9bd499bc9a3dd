"""Reporters for validation findings, chosen by name. They format; they never decide or exit."""

from __future__ import annotations

import functools
from collections.abc import Callable

from guideline.findings import Finding
from guideline.render import findings_formats
from guideline.rules import Rule

Reporter = Callable[[list[Finding], dict[str, Rule]], str]

REPORTERS: dict[str, Reporter] = {
    "text": findings_formats.text,
    "json": findings_formats.json_report,
    "github": findings_formats.github,
    "sarif": findings_formats.sarif,
    "junit": findings_formats.junit,
}


def reporter(name: str, *, colour: bool = False) -> Reporter:
    """The reporter of that name (one of REPORTERS); colour is for the text reporter, the one that shows it."""
    if name == "text" and colour:
        return functools.partial(findings_formats.text, colour=True)
    return REPORTERS[name]
