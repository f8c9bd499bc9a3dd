"""Reporters for validation findings, chosen by name. They format; they never decide or exit."""

from __future__ import annotations

import functools
from collections.abc import Callable

from guideline.findings import Finding
from guideline.render import findings_formats, sarif
from guideline.render.paths import PathMap, relocated, unchanged
from guideline.rules import Rule

Reporter = Callable[[list[Finding], dict[str, Rule]], str]

REPORTERS: dict[str, Reporter] = {
    "text": findings_formats.text,
    "json": findings_formats.json_report,
    "github": findings_formats.github,
    "sarif": sarif.sarif,
    "junit": findings_formats.junit,
}


def reporter(name: str, *, colour: bool = False, paths: PathMap = unchanged) -> Reporter:
    """The reporter of that name (one of REPORTERS). Colour is for the text reporter, the one people read; every
    other format names files through `paths` (render.paths.root_relative: from the project root)."""
    if name == "text":
        return functools.partial(findings_formats.text, colour=True) if colour else findings_formats.text
    if paths is unchanged:
        return REPORTERS[name]
    format_ = REPORTERS[name]
    return lambda findings, rules: format_(relocated(findings, paths), rules)
