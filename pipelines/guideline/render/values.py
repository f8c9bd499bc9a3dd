"""Record values as the reporters show them: readable text, or JSON-safe data."""

from __future__ import annotations

import math
from typing import Any


def display_value(value: Any) -> str:
    """A field value as readable text: scalars as is, lists of scalars comma-joined, the rest as YAML-like lines."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, list) and all(_scalar(v) for v in value):
        return ", ".join(display_value(v) for v in value)
    return "\n".join(_lines(value, 0))


def _number(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            if _scalar(item) or (isinstance(item, list) and all(_scalar(v) for v in item)):
                out.append(f"{pad}{key}: {display_value(item)}")
            else:
                out.append(f"{pad}{key}:")
                out.extend(_lines(item, indent + 2))
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            inner = _lines(item, indent + 2) if not _scalar(item) else [f"{pad}  {display_value(item)}"]
            first = inner[0][indent + 2:] if inner else ""
            out.append(f"{pad}- {first}")
            out.extend(inner[1:])
        return out
    return [pad + display_value(value)]


def json_value(value: Any) -> Any:
    """Record data as JSON-safe values (YAML allows .inf and .nan; JSON does not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value
