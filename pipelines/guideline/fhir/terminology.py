"""Required terminology bindings of FHIR R5, checked against the codes of hl7.fhir.r5.core 5.0.0's value sets
(extracted into r5-required-bindings.json by extract_bindings.py; nothing is fetched at run time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

DATA = "r5-required-bindings.json"


@cache
def _data() -> tuple[dict[str, list[tuple[str, str, str]]], dict[str, dict[str, frozenset[str]]]]:
    raw = json.loads(files("guideline.fhir").joinpath(DATA).read_text(encoding="utf-8"))
    types = {name: [(str(p), str(k), str(t)) for p, k, t in rules] for name, rules in raw["types"].items()}
    value_sets = {name: {system: frozenset(codes) for system, codes in systems.items()}
                  for name, systems in raw["valueSets"].items()}
    return types, value_sets


def _values(value: Any, steps: list[str], shown: str) -> Iterator[tuple[str, Any]]:
    """(FHIR path, value) of every element at steps below value, through lists."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _values(item, steps, f"{shown}[{index}]")
    elif not steps:
        yield shown, value
    elif isinstance(value, dict) and steps[0] in value:
        yield from _values(value[steps[0]], steps[1:], f"{shown}.{steps[0]}")


def _allowed(value: Any, codes: dict[str, frozenset[str]]) -> bool:
    """A code, a Coding or a CodeableConcept (one of its codings) drawn from the value set."""
    if isinstance(value, str):
        return any(value in found for found in codes.values())
    if not isinstance(value, dict):
        return False
    codings = value.get("coding") if "coding" in value or "text" in value else [value]
    return any(isinstance(x, dict) and x.get("code") in codes.get(str(x.get("system")), ()) for x in codings or ())


def _walk(type_name: str, prefix: str, value: Any, shown: str) -> Iterator[tuple[str, str]]:
    types, value_sets = _data()
    for path, kind, target in types.get(type_name, ()):
        if prefix:
            if not path.startswith(prefix + "."):
                continue
            path = path[len(prefix) + 1:]
        for where, item in _values(value, path.split("."), shown):
            if kind == "vs" and not _allowed(item, value_sets[target]):
                yield where, f"{item!r} is not in the required value set {target} (FHIR R5)"
            elif kind == "type":
                yield from _walk(target, "", item, where)
            elif kind == "ref":
                yield from _walk(type_name, target, item, where)


def check_bindings(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(FHIR path, message) for every element whose code is not in its required R5 value set."""
    kind = str(resource.get("resourceType"))
    yield from _walk(kind, "", resource, kind)
