"""A fast first reading of the common file: yaml-rs (Rust) builds the data about ten times faster than libyaml.

It is only trusted where its reading cannot differ from the reference loader's (corpus/loader.py, libyaml):
yaml-rs reads YAML 1.2, expands aliases and knows no positions, while the loader reads YAML 1.1 with its own
scalar rules and refuses anchors, aliases, tags and merge keys. So a file goes the fast way only when a scan
of its text finds none of the constructs where the two could part (anchors, aliases, tags, merge keys,
directives and document markers, flow collections (whose 1.2 grammar
is wider), lines of only spaces, tabs, carriage returns, control and Unicode line-break characters, and the
numbers YAML 1.1 and 1.2 read differently: leading zeros, underscores, sexagesimal, exponents, 0b/0o/0x), and
when the data it gives holds only text keys and stays within the loader's nesting limit. Everything else,
including every file yaml-rs refuses, is read by the reference loader, which then explains the problem.
tests/test_fastyaml.py holds the two readings equal on the shipped corpus, the fixtures, generated corpora
and the YAML test suite.
"""

from __future__ import annotations

import re
from typing import Any

import yaml_rs

# Any of these sends the file to the reference loader. They are deliberately coarse: a match inside a quoted
# string or a comment only costs the fast path for that file, never a wrong reading. Several small searches
# cost less than one alternation, which Python's re tries at every position of the text.
_SUBSTRINGS = ("<<", "[", "{", "\\/", "\n---", "\n...", "\n%")       # merge keys, flows, 1.2 escape, markers
_CONTROLS = re.compile(r"[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029\ufeff]")
_NODE_PROPERTIES = re.compile(r"(?:^|\s)(?:[&*][^\s\[\]{},]|!)", re.MULTILINE)  # anchors, aliases, tags
_BLANK_WITH_SPACES = re.compile(r"(?:^|\n) +(?:\n|$)")
# Plain values YAML 1.1 and 1.2 read differently: leading zeros, 0b/0o/0x, underscores, exponents, sexagesimal.
_NUMBERS_THAT_DIFFER = re.compile(r"[:-] +[-+]?\.?[0-9][0-9_.]*(?:_|[eE]|:[0-9]|(?<= 0)[0-9box])")


def _reference_only(text: str) -> bool:
    if text.startswith(("---", "...", "%")) or any(marker in text for marker in _SUBSTRINGS):
        return True
    if ("&" in text or "*" in text or "!" in text) and _NODE_PROPERTIES.search(text):
        return True
    return bool(_CONTROLS.search(text) or _BLANK_WITH_SPACES.search(text) or _NUMBERS_THAT_DIFFER.search(text))


MAX_DEPTH = 40


def fast_load(text: str) -> tuple[bool, Any]:
    """(True, data) when the fast reading is the reference's reading, else (False, None)."""
    if _reference_only(text):
        return False, None
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - whatever yaml-rs refuses, the reference loader reads and explains
        return False, None
    if not isinstance(data, (dict, list)) or not _plain(data):
        return False, None
    return True, data


def _plain(data: dict[Any, Any] | list[Any]) -> bool:
    """Only text keys, and nesting within the reference loader's limit (which reports what is deeper)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        if isinstance(value, dict):
            for key, child in value.items():
                if type(key) is not str:
                    return False
                if isinstance(child, (dict, list)):
                    stack.append((child, depth + 1))
        else:
            stack.extend((child, depth + 1) for child in value if isinstance(child, (dict, list)))
    return True


def find_position(lines: list[str], data: Any, key: tuple[str | int, ...]) -> tuple[int, int] | None:
    """1-based line and column the reference loader gives the value at key (or its nearest ancestor), found in
    the lines of a file the fast reading took, or None where the text is not as simple as expected.

    A finding asks for one or two positions of a file; parsing the whole file again with libyaml to answer
    costs far more than following the path through the lines, since the fast reading refused flow
    collections, tabs and anchors and so left only block structure, which indentation alone describes."""
    start = _next_line(lines, 0)
    if start is None:
        return None
    at = (start, _indent(lines[start]))
    reported, node = at, data
    for step in key:
        if _missing(node, step):
            break
        found = _child(lines, node, step, *at)
        if found is None:
            return None
        reported, at, node = found
    return reported[0] + 1, reported[1] + 1


def _missing(node: Any, step: str | int) -> bool:
    """Whether the path leaves the data here (then the ancestor's position answers, as Document.position)."""
    if isinstance(node, dict):
        return step not in node
    if isinstance(node, list):
        return not (isinstance(step, int) and 0 <= step < len(node))
    return True


_Found = tuple[tuple[int, int], tuple[int, int], Any]


def _child(lines: list[str], node: Any, step: str | int, line: int, column: int) -> _Found | None:
    """Of node's child step, node starting at line and column (0-based): the position the loader gives it
    (a mapping entry's key, an item's node), where its own children start, and its value."""
    if isinstance(node, dict) and isinstance(step, str):
        return _key_line(lines, node, step, line, column)
    if isinstance(node, list) and isinstance(step, int):
        return _item_line(lines, node, step, line, column)
    return None


def _key_line(lines: list[str], node: dict[str, Any], step: str, line: int, column: int) -> _Found | None:
    """A block mapping's keys all stand at its column; what lies between belongs to the values."""
    previous: Any = None
    for name, value in node.items():
        if previous is not None:
            next_line = _next_at(lines, line + 1, column, compact=isinstance(previous, list))
            if next_line is None:
                return None
            line = next_line
        if not _starts_with_key(lines[line], column, name):
            return None
        if name == step:
            below = _value_start(lines, line, column, value)
            return None if below is None else ((line, column), below, value)
        previous = value if value is not None else ""
    return None


def _value_start(lines: list[str], line: int, column: int, value: Any) -> tuple[int, int] | None:
    """Where the value of the key at (line, column) starts, for descending into it: a mapping's first key
    or a sequence's first item on a following line. A scalar has nothing below it."""
    if not isinstance(value, (dict, list)) or not value:
        return line, column
    below = _next_line(lines, line + 1)
    if below is None:
        return None
    indent = _indent(lines[below])
    if indent < column or (indent == column and not (isinstance(value, list) and _is_dash(lines[below], indent))):
        return None
    return below, indent


def _item_line(lines: list[str], node: list[Any], step: int, line: int, column: int) -> _Found | None:
    """Items of a block sequence are the '-' lines at its column; the item's node starts after the dash."""
    if not _is_dash(lines[line], column):
        return None
    for _ in range(step):
        next_line = _next_at(lines, line + 1, column, compact=False)
        if next_line is None or not _is_dash(lines[next_line], column):
            return None
        line = next_line
    text = lines[line]
    content = column + 1
    while content < len(text) and text[content] == " ":
        content += 1
    if content >= len(text) or text[content] == "#":
        return None  # the item's node starts on a later line, or is empty: rare enough to leave to libyaml
    return (line, content), (line, content), node[step]


def _next_line(lines: list[str], start: int) -> int | None:
    """The first line from start that is neither blank nor a comment."""
    for index in range(start, len(lines)):
        stripped = lines[index].lstrip(" ")
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _next_at(lines: list[str], start: int, column: int, *, compact: bool) -> int | None:
    """The next line at exactly column (the next key or item); deeper lines belong to the value before.
    With compact, '-' lines at the column are a sequence value written flush with its key."""
    index = start
    while True:
        found = _next_line(lines, index)
        if found is None:
            return None
        indent = _indent(lines[found])
        if indent < column:
            return None
        if indent == column and not (compact and _is_dash(lines[found], column)):
            return found
        index = found + 1


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _is_dash(text: str, column: int) -> bool:
    return text.startswith("-", column) and (len(text) == column + 1 or text[column + 1] == " ")


def _starts_with_key(text: str, column: int, name: str) -> bool:
    """Whether the line holds key name at column, plain or quoted without escapes, followed by ':'."""
    rest = text[column:]
    for token in (name, f'"{name}"', f"'{name}'"):
        if rest.startswith(token) and rest[len(token):len(token) + 1] == ":":
            after = rest[len(token) + 1:len(token) + 2]
            return after in ("", " ")
    return False
