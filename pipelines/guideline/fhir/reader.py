"""Reading a FHIR Bundle for import: one readable error for a file that is not a Bundle, and a record of which
elements the import used, so that every element it did not use is reported (FHR001) rather than dropped."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideline.errors import UsageError
from guideline.fhir_rules import NOT_IMPORTED
from guideline.findings import Finding, Location

Path_ = tuple[str | int, ...]
_TAGS = re.compile(r"<[^>]+>")


def read_bundle(path: Path, display: str, max_bytes: int) -> tuple[dict[str, Any], str]:
    """The Bundle and its text; a UsageError naming the file (and the line of a JSON syntax error) otherwise."""
    try:
        if path.stat().st_size > max_bytes:
            raise UsageError(f"{display} is over the limit of {max_bytes:,} bytes")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {display}", hint="check the path") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{display}: not UTF-8 text (byte {exc.start + 1})", hint="FHIR JSON is UTF-8") from None
    except OSError as exc:
        raise UsageError(f"cannot read {display}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{display}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
                         hint="fix the JSON; for an article, pass --from article") from None
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind != "Bundle":
        raise UsageError(f"{display}: not a FHIR Bundle (resourceType {kind!r})",
                         hint="guideline import --from fhir reads a Bundle such as 'guideline export' writes")
    entries = data.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("resource"), dict)
                                                and isinstance(e["resource"].get("resourceType"), str)
                                                for e in entries):
        raise UsageError(f"{display}: Bundle.entry must be a list of entries that each hold a resource")
    return data, text


@dataclass
class Tracked:
    """One resource and the paths of the elements the import used (a used element covers its subtree)."""

    data: dict[str, Any]
    used: set[Path_] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.data.get('resourceType')}/{self.data.get('id')}"

    def get(self, *path: str | int) -> Any:
        """The value at path, or None; marks it used when present."""
        value: Any = self.data
        for step in path:
            found = isinstance(value, dict) and step in value or (
                isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value))
            if not found:
                return None
            value = value[step]
        self.used.add(path)
        return value

    def items(self, *path: str | int) -> Iterator[tuple[int, Any]]:
        """(index, item) of a list element, without marking it."""
        value = self.peek(*path)
        yield from enumerate(value if isinstance(value, list) else [])

    def peek(self, *path: str | int) -> Any:
        found = self.get(*path)
        self.used.discard(path)
        return found

    def unused(self) -> list[str]:
        """FHIR paths of the largest subtrees the import did not use."""
        prefixes = {p[:n] for p in self.used for n in range(len(p) + 1)}
        return list(_unused(self.data, (), self.used, prefixes, str(self.data.get("resourceType"))))


def _unused(value: Any, path: Path_, used: set[Path_], prefixes: set[Path_], shown: str) -> Iterator[str]:
    if path in used:
        return
    if path not in prefixes or not isinstance(value, (dict, list)):
        yield shown
        return
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in children:
        yield from _unused(item, (*path, key), used, prefixes,
                           f"{shown}[{key}]" if isinstance(key, int) else f"{shown}.{key}")


def narrative(div: Any) -> str | None:
    """The text of an XHTML narrative div."""
    return html.unescape(_TAGS.sub("", div)) if isinstance(div, str) else None


def codes(value: Any, system: str) -> list[str]:
    if not isinstance(value, dict):
        return []
    return [str(x["code"]) for x in value.get("coding") or () if isinstance(x, dict)
            and x.get("system") == system and "code" in x]


def line_of(text: str, resource_id: Any) -> int:
    """The line of a resource's id in the Bundle text (1 when it cannot be found)."""
    at = text.find(f'"id": {json.dumps(resource_id)}') if isinstance(resource_id, str) else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def not_imported(file: str, text: str, resource: Tracked, record: str | None) -> list[Finding]:
    line = line_of(text, resource.data.get("id"))
    return [NOT_IMPORTED.finding(Location(file, line, 1, record),
                                 f"{resource.name}: {path} is not imported: draft records have no field for it",
                                 key=path) for path in resource.unused()]
