"""Rule metadata: what users list with `guideline rules` and what stamps a finding's severity."""

from __future__ import annotations

from dataclasses import dataclass

from guideline.findings import Finding, Location, Severity


@dataclass(frozen=True)
class ExampleFile:
    """A file of an example project: its path from the project root and its text, saved in `encoding`; or,
    with `link`, a symbolic link to that target."""

    path: str
    text: str
    encoding: str = "utf-8"
    link: str = ""

    @property
    def content(self) -> bytes:
        return self.text.encode(self.encoding)


@dataclass(frozen=True)
class Example:
    """A small project that shows a rule: a bad one yields the rule at `file` and `line`, a good one does not
    yield it. An importer example names the article among its files that is imported (`article`)."""

    note: str
    files: tuple[ExampleFile, ...]
    file: str = ""
    line: int = 0
    article: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    description: str
    bad: tuple[Example, ...] = ()
    good: tuple[Example, ...] = ()
    # Why no file example can show the rule; the documentation prints it instead of examples.
    no_example: str = ""

    def finding(
        self,
        location: Location,
        message: str,
        *,
        hint: str | None = None,
        related: tuple[Location, ...] = (),
        source: Location | None = None,
        key: str = "",
    ) -> Finding:
        return Finding(self.id, self.severity, location, message, hint, related, source, key)
