"""What changed inside a nested field value (dosing, population, strength, sections, citations), as a tree.

List items are matched by what they are, not where they sit: a dosing entry by agent, route, qualifier and
criterion; anything with an id by its id; a plain value (a citation, a concept, a qualifier) by itself; other
items by position. A matched pair is compared key by key down to its leaves.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

from guideline.report.model import ValueChange
from guideline.report.words import word_diff

_DOSE_IDENTITY = ("agent", "route", "qualifier", "criterion")
_AMOUNTS = ("dose", "dose_max")


def text_of(value: Any) -> str:
    """A scalar as the report shows it: 200.0 as 200, booleans as yes and no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def singular(name: str) -> str:
    """The name of one item of a list field: qualifiers → qualifier, citations → citation."""
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def is_nested(value: Any) -> bool:
    return isinstance(value, (dict, list))


def diff_nested(before: Any, after: Any, *, name: str = "") -> tuple[ValueChange, ...]:
    """The changes inside a value that is a mapping or a list on both sides (empty when equal)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return _diff_mapping(before, after)
    if isinstance(before, list) and isinstance(after, list):
        return _diff_list(before, after, singular(name))
    return ()


def _leaf(label: str, before: Any, after: Any, unit: str = "") -> ValueChange:
    if before is None:
        return ValueChange(label, "added", after=after)
    if after is None:
        return ValueChange(label, "removed", before=before)
    if is_nested(before) or is_nested(after):
        # A value that changed shape (a list became a mapping) has no words to compare: both sides are shown.
        return ValueChange(label, "changed", before, after, children=diff_nested(before, after, name=label))
    return ValueChange(label, "changed", before, after, word_diff(text_of(before), text_of(after)), unit)


def _diff_mapping(before: dict[str, Any], after: dict[str, Any]) -> tuple[ValueChange, ...]:
    keys = list(after) + [k for k in before if k not in after]
    unit = before.get("unit") if before.get("unit") == after.get("unit") else None
    out: list[ValueChange] = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        out.append(_leaf(str(key), old, new, text_of(unit) if key in _AMOUNTS and unit else ""))
    return tuple(out)


def identity(item: Any) -> Hashable | None:
    """What a list item is, whatever its position; None when only its position says."""
    if isinstance(item, dict):
        if isinstance(item.get("id"), str):
            return ("id", item["id"])
        if "agent" in item:
            return ("dose", *(text_of(item.get(k)) for k in _DOSE_IDENTITY))
        return None
    if isinstance(item, list):
        return None
    return ("value", text_of(item))


def item_label(item: Any, name: str) -> str:
    """How a list item is named in the report: its id, its dosing identity, or the value itself."""
    if isinstance(item, dict):
        if isinstance(item.get("id"), str):
            return f"{name} {item['id']}".strip()
        if "agent" in item:
            return " · ".join(text_of(item.get(k)) for k in _DOSE_IDENTITY if item.get(k) is not None)
    return name


def _keys(items: Sequence[Any]) -> list[Hashable]:
    """Identity of each item, numbered when it repeats (or by position when it has none)."""
    seen: Counter[Hashable] = Counter()
    out: list[Hashable] = []
    for position, item in enumerate(items):
        found = identity(item)
        key: Hashable = ("position", position) if found is None else found
        out.append((key, seen[key]))
        seen[key] += 1
    return out


def _diff_list(before: list[Any], after: list[Any], name: str) -> tuple[ValueChange, ...]:
    old_keys, new_keys = _keys(before), _keys(after)
    olds = dict(zip(old_keys, before))
    present = set(new_keys)
    # Removed items first, so a replaced item reads as "− old, + new".
    out = [ValueChange(item_label(item, name), "removed", before=item)
           for key, item in zip(old_keys, before) if key not in present]
    for key, item in zip(new_keys, after):
        if key not in olds:
            out.append(ValueChange(item_label(item, name), "added", after=item))
        elif olds[key] != item:
            out.append(_leaf(item_label(item, name), olds[key], item))
    if not out and before != after:
        out.append(ValueChange(f"order of {name}s" if name else "order", "reordered", before, after))
    return tuple(out)


