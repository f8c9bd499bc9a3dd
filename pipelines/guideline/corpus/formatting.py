"""`guideline fmt`: every record's keys in the documented order, the order of its schema's properties, and
quotes only where they are needed, double ones (yamllint's `quoted-strings: {quote-type: double, required:
only-when-needed}`).

Whole lines are moved, never re-emitted: a key goes with its value, the comment lines just above it (at its
own indentation) and everything nested under it, so comments, blank lines, line endings and every word stay
exactly as the editor wrote them. A YAML round trip (ruamel's included) would re-emit the file and attach a
comment above a key to the key before it, which then moves to the wrong place. Quoting is changed in place,
one scalar on one line at a time: a quoted value that reads the same without quotes (not a date, a number,
yes/no or anything YAML would read otherwise) loses them; a single-quoted value that needs quotes gets double
ones. Values over several lines and flow mappings (`{id: a, title: A}`) keep their keys and layout. Before
anything is written, the result must load to the same data as the original and need no further change; a file
for which either fails is refused, never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from guideline.corpus.loader import parse_text, read_bytes
from guideline.corpus.model import file_kind
from guideline.corpus.schema import load_schemas
from guideline.corpus.yaml_scalars import double_quoted, needs_quotes
from guideline.fileio import write_atomic
from guideline.findings import Finding, Severity

# Only record files: the data files are governed, and even a reordering of theirs would wait for the board.
RECORD_KINDS = frozenset({"topic", "bibliography"})
_BREAKS = ("\r\n", "\n", "\r", "\x85", "\u2028", "\u2029")
_LINE = re.compile("[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029])|[^\r\n\x85\u2028\u2029]+\\Z")
# (schema, the document it belongs to, for its local $refs)
_Schema = tuple[dict[str, Any], dict[str, Any]]
_NONE: _Schema = ({}, {})
# Inside brackets these end a plain value: there a value with one keeps its quotes.
_FLOW_INDICATORS = frozenset(",[]{}")


@dataclass(frozen=True)
class Problem:
    """Why a file cannot be formatted, and where."""

    line: int
    column: int
    message: str

    @classmethod
    def of(cls, finding: Finding) -> Problem:
        hint = f" (hint: {finding.hint})" if finding.hint else ""
        return cls(finding.line, finding.column, f"{finding.rule} {finding.message}{hint}")


@dataclass(frozen=True)
class Formatted:
    path: Path
    display: str
    before: bytes
    # None when the file cannot be formatted; `problems` say why.
    after: bytes | None
    problems: tuple[Problem, ...] = ()

    @property
    def changed(self) -> bool:
        return self.after is not None and self.after != self.before


def format_files(paths: list[Path], root: Path, display: Callable[[Path], str], *, write: bool,
                 max_bytes: int) -> list[Formatted]:
    """Each file formatted; with write, the changed ones are replaced atomically. display: path -> as shown."""
    results = []
    for path in paths:
        shown = display(path)
        raw = read_bytes(path, shown, max_bytes=max_bytes, root=root)
        if not isinstance(raw, bytes):
            results.append(Formatted(path, shown, b"", None, tuple(map(Problem.of, raw.findings))))
            continue
        after, problems = format_text(raw, shown)
        done = Formatted(path, shown, raw, after, tuple(problems))
        if write and done.changed and done.after is not None:
            write_atomic(path, done.after)
        results.append(done)
    return results


def format_text(raw: bytes, display: str) -> tuple[bytes | None, list[Problem]]:
    """The text with its keys in order and its quoting normalised (the same bytes when nothing changes), or
    None and the findings that say why it cannot be read or formatted."""
    doc = parse_text(raw, display)
    errors = [f for f in doc.findings if f.severity is Severity.ERROR]
    kind = file_kind(doc.data)
    if errors or doc.data is None:
        return None, [Problem.of(f) for f in errors or doc.findings]
    if kind is None or kind.name not in RECORD_KINDS:
        return raw, []
    schema = _schema_named(kind.schema)
    if _in_order(doc.data, schema) and b"'" not in raw and b'"' not in raw:
        return raw, []
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    formatted = _requoted(_reordered(text, schema))
    if formatted == text:
        return raw, []
    if (yaml.load(formatted, Loader=yaml.CSafeLoader) != yaml.load(text, Loader=yaml.CSafeLoader)
            or parse_text(bom + formatted.encode("utf-8"), display).data != doc.data
            or _requoted(_reordered(formatted, schema)) != formatted):
        return None, [Problem(1, 1, "its keys cannot be put in order by moving whole lines (hint: order them by "
                                    "hand, as the README's record example and the schema list them)")]
    return bom + formatted.encode("utf-8"), []


def _reordered(text: str, schema: _Schema) -> str:
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    if node is None:
        return text
    # The lines as YAML counts them (str.splitlines also breaks at form feeds and other separators).
    lines = _LINE.findall(text)
    # A last line without its line break could not move: it gets one while the lines move.
    added = "" if not lines or lines[-1].endswith(_BREAKS) else "\r\n" if "\r\n" in text else "\n"
    lines[-1:] = [line + added for line in lines[-1:]]
    out = "".join(_Lines(lines).node(node, schema, 0, len(lines)))
    return out.removesuffix(added) if added else out


def _in_order(data: Any, schema: _Schema) -> bool:
    """Whether every mapping's keys already are in order: most files are, and need no composing."""
    if isinstance(data, list):
        return all(_in_order(item, _child(schema, None)) for item in data)
    if not isinstance(data, dict):
        return True
    wanted = list(_resolve(schema)[0].get("properties", {}))
    ranks = [_rank(str(key), wanted) for key in data]
    return ranks == sorted(ranks) and all(_in_order(value, _child(schema, str(key))) for key, value in data.items())


def _requoted(text: str) -> str:
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    lines = _LINE.findall(text)
    # Right to left within a line, so the columns of the edits still to make stay where they were.
    edits = sorted(((scalar.start_mark.line, scalar.start_mark.column, scalar.end_mark.column, written)
                    for scalar, in_flow in _quoted_scalars(node, in_flow=False)
                    if scalar.start_mark.line == scalar.end_mark.line
                    and (written := _requote(scalar, in_flow)) is not None), reverse=True)
    for line, start, end, written in edits:
        lines[line] = lines[line][:start] + written + lines[line][end:]
    return "".join(lines)


def _quoted_scalars(node: yaml.Node | None, *, in_flow: bool) -> Iterator[tuple[yaml.ScalarNode, bool]]:
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("'", '"'):
            yield node, in_flow
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _quoted_scalars(key, in_flow=in_flow or bool(node.flow_style))
            yield from _quoted_scalars(value, in_flow=in_flow or bool(node.flow_style))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _quoted_scalars(item, in_flow=in_flow or bool(node.flow_style))


def _requote(scalar: yaml.ScalarNode, in_flow: bool) -> str | None:
    """The scalar as it should be written, or None to leave it as it is."""
    value = str(scalar.value)
    if not needs_quotes(value) and not (in_flow and _FLOW_INDICATORS.intersection(value)):
        return value
    return double_quoted(value) if scalar.style == "'" else None


@cache
def _schema_named(name: str) -> _Schema:
    document = load_schemas()[name]
    return document, document


def _resolve(schema: _Schema) -> _Schema:
    node, document = schema
    while "$ref" in node:
        ref = str(node["$ref"])
        name, _, fragment = ref.partition("#")
        if name:
            document = load_schemas().get(name.rsplit("/", 1)[-1], {})
        node = document
        for part in filter(None, fragment.split("/")):
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return node, document


def _child(schema: _Schema, key: str | None) -> _Schema:
    """The schema of a mapping's value at key, or of a sequence's items (key None)."""
    node, document = _resolve(schema)
    if key is None:
        items = node.get("items")
        return (items, document) if isinstance(items, dict) else _NONE
    found = node.get("properties", {}).get(key, node.get("additionalProperties"))
    return (found, document) if isinstance(found, dict) else _NONE


class _Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def node(self, node: yaml.Node, schema: _Schema, start: int, end: int) -> list[str]:
        """The lines start..end, which hold node, with every block mapping in it put in order."""
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            return self.mapping(node, schema, start, end)
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            return self.sequence(node, schema, start, end)
        return self.lines[start:end]

    def sequence(self, node: yaml.SequenceNode, schema: _Schema, start: int, end: int) -> list[str]:
        firsts = [item.start_mark.line for item in node.value]
        out = self.lines[start:firsts[0]]
        for item, first, after in zip(node.value, firsts, [*firsts[1:], end], strict=True):
            out.extend(self.node(item, _child(schema, None), first, after))
        return out

    def mapping(self, node: yaml.MappingNode, schema: _Schema, start: int, end: int) -> list[str]:
        keys = [key for key, _ in node.value]
        column = keys[0].start_mark.column
        starts = [self._above(key.start_mark.line, column, start) for key in keys]
        if start == 0:
            # The lines above a file's first key are its header (the schema comment): they stay on top.
            starts[0] = keys[0].start_mark.line
        bounds = [*starts[1:], end]
        spans = [self.node(value, _child(schema, str(key.value)), first, after)
                 for (key, value), first, after in zip(node.value, starts, bounds, strict=True)]
        footer = _footer(spans[-1], column)
        spans[-1] = spans[-1][:len(spans[-1]) - len(footer)]
        # Blank lines between keys stay where they are; the keys move between them.
        gaps = [span[len(span) - _blank_tail(span):] for span in spans]
        spans = [span[:len(span) - len(gap)] for span, gap in zip(spans, gaps, strict=True)]
        wanted = list(_resolve(schema)[0].get("properties", {}))
        order = sorted(range(len(keys)), key=lambda i: (_rank(str(keys[i].value), wanted), i))
        if order[0] != 0:
            _move_prefix(spans, order[0], column)
        out = self.lines[start:starts[0]]
        for index, gap in zip(order, gaps, strict=True):
            out.extend(spans[index])
            out.extend(gap)
        return out + footer

    def _above(self, line: int, column: int, floor: int) -> int:
        """The first of the comment lines at the key's own indentation just above it: they describe it."""
        while line > floor and _comment_at(self.lines[line - 1], column):
            line -= 1
        return line


def _rank(key: str, wanted: list[str]) -> int:
    return wanted.index(key) if key in wanted else len(wanted)


def _comment_at(line: str, column: int) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("#") and len(line) - len(stripped) == column


def _blank_tail(span: list[str]) -> int:
    count = 0
    while count < len(span) - 1 and not span[len(span) - 1 - count].strip():
        count += 1
    return count


def _footer(span: list[str], column: int) -> list[str]:
    """Blank lines and shallower comments that end the mapping's last span: they belong to what follows."""
    count = 0
    for line in reversed(span[1:]):
        stripped = line.lstrip(" ")
        if stripped.strip() and not (stripped.startswith("#") and len(line) - len(stripped) < column):
            break
        count += 1
    return span[len(span) - count:] if count else []


def _move_prefix(spans: list[list[str]], first: int, column: int) -> None:
    """A mapping in a sequence starts on the '- ' line: the dash goes to whichever key now comes first."""
    head = spans[0][0]
    prefix = head[:column]
    if not prefix.strip():
        return
    spans[0] = [" " * column + head[column:], *spans[0][1:]]
    spans[first] = [prefix + spans[first][0][column:], *spans[first][1:]]


def field_order(kind: str) -> list[str]:
    """The documented order of a record's fields (its schema's properties): what the key-order check reads."""
    if f"{kind}.schema.json" not in load_schemas():
        return []
    return list(_resolve(_schema_named(f"{kind}.schema.json"))[0].get("properties", {}))
