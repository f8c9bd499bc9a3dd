"""YAML for new draft files, in the shipped files' style: block style, two-space indents, list items indented
under their key, a blank line between records, strings quoted (double quotes) only when YAML needs it."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TOPIC_SCHEMA = "topic-file.schema.json"
REFERENCES_SCHEMA = "references-file.schema.json"
# Characters YAML does not allow raw in a document, plus the ones it reads as line breaks.
_PRINTABLE_GAPS = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF), (0xFFFE, 0xFFFF))
_LINE_BREAKS = frozenset({"\x85", "\u2028", "\u2029"})
# Text that is plain YAML as it stands: starts with a letter, ends with a letter, digit or bracket, no indicators.
_PLAIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9 ()/.,;%+'-]*[A-Za-z0-9).%]\Z|[A-Za-z]\Z")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def schema_line(output: Path, schemas_dir: Path, schema: str) -> str:
    relative = Path(os.path.relpath(schemas_dir / schema, output.parent)).as_posix()
    return f"# yaml-language-server: $schema={relative}\n"


def _needs_escape(char: str) -> bool:
    code = ord(char)
    return char in _LINE_BREAKS or any(low <= code <= high for low, high in _PRINTABLE_GAPS)


def double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _needs_escape(char):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def needs_quotes(text: str) -> bool:
    """Whether a string must be quoted to read back as the same string."""
    if _PLAIN_RE.match(text) and ": " not in text and " #" not in text and text.lower() not in _YAML11_WORDS:
        return False
    return _needs_quotes(text)


@lru_cache(maxsize=4096)
def _needs_quotes(text: str) -> bool:
    if not text or text != text.strip() or any(_needs_escape(c) or c in "\n\r\t" for c in text):
        return True
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30)
    body = dumped[:-5] if dumped.endswith("\n...\n") else dumped.rstrip("\n")
    return body != text


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return double_quoted(text) if needs_quotes(text) else text


def _block(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                _block(item, indent + 2, lines)
            else:
                lines.append(f"{pad}{key}: {_empty(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                nested: list[str] = []
                _block(item, indent + 2, nested)
                nested[0] = f"{pad}- " + nested[0][indent + 2:]
                lines.extend(nested)
            elif isinstance(item, list) and item:
                nested = []
                _block(item, indent + 2, nested)
                nested[0] = f"{pad}- " + nested[0][indent + 2:]
                lines.extend(nested)
            else:
                lines.append(f"{pad}- {_empty(item)}")


def _empty(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def records_block(key: str, records: list[dict[str, Any]]) -> list[str]:
    """A top-level list of records with a blank line between records."""
    if not records:
        return [f"{key}: []"]
    lines = [f"{key}:"]
    for index, record in enumerate(records):
        if index:
            lines.append("")
        lines.extend(_item(record))
    return lines


def _item(record: dict[str, Any]) -> list[str]:
    nested: list[str] = []
    _block(record, 4, nested)
    nested[0] = "  - " + nested[0][4:]
    return nested


def mapping_block(key: str, value: dict[str, Any]) -> list[str]:
    lines = [f"{key}:"]
    _block(value, 2, lines)
    return lines


def topic_file(topic: dict[str, Any], recommendations: list[dict[str, Any]], header: str) -> str:
    lines = mapping_block("topic", topic)
    lines.append("")
    lines.extend(records_block("recommendations", recommendations))
    return header + "\n".join(lines) + "\n"


def references_file(references: list[dict[str, Any]], header: str) -> str:
    return header + "\n".join(records_block("references", references)) + "\n"


def record_lines(record: dict[str, Any]) -> list[str]:
    """One record as a list item under a top-level key, for appending to an existing file."""
    return _item(record)
