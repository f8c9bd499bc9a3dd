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
