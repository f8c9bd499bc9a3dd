"""How machine-readable formats name files: from the project root, whatever folder the command ran in."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from guideline.corpus.project import display_path
from guideline.findings import Finding, Location, sort_findings

# A finding's file as shown (relative to the working folder) -> the same file as a format names it.
PathMap = Callable[[str], str]


def unchanged(path: str) -> str:
    return path


def root_relative(root: Path, shown_from: Path) -> PathMap:
    """Paths shown from `shown_from` as paths from `root`; a file outside the root stays absolute."""
    base, here = root.absolute(), shown_from.absolute()
    if base == here:
        return unchanged

    def convert(path: str) -> str:
        full = Path(path) if os.path.isabs(path) else Path(os.path.normpath(here / path))
        return display_path(full, base)

    return convert


def relocated(findings: Iterable[Finding], paths: PathMap) -> list[Finding]:
    """The findings with every location's file named through `paths`, sorted again by those names."""
    def moved(location: Location) -> Location:
        return replace(location, file=paths(location.file))

    return sort_findings(
        replace(f, location=moved(f.location), related=tuple(map(moved, f.related)),
                source=moved(f.source) if f.source else None)
        for f in findings)
