"""YAML for new draft files, in the shipped files' style: block style, two-space indents, list items indented
under their key, a blank line between records, strings quoted (double quotes) only when YAML needs it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from guideline.corpus.yaml_scalars import double_quoted, needs_quotes

TOPIC_SCHEMA = "topic-file.schema.json"
REFERENCES_SCHEMA = "references-file.schema.json"


def schema_line(output: Path, schemas_dir: Path, schema: str) -> str:
    relative = Path(os.path.relpath(schemas_dir / schema, output.parent)).as_posix()
    return f"# yaml-language-server: $schema={relative}\n"


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
