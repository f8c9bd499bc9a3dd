"""Required terminology bindings of FHIR R5, checked against the codes of hl7.fhir.r5.core 5.0.0's value sets
(extracted into r5-required-bindings.json by extract_bindings.py; nothing is fetched at run time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

DATA = "r5-required-bindings.json"


# A type's rules as a tree keyed by element name: (children, [(kind, target)]), so that a walk visits only the
# elements a resource has.
Node = dict[str, tuple["Node", list[tuple[str, str]]]]


@cache
def _data() -> tuple[dict[str, Node], dict[str, dict[str, frozenset[str]]]]:
    raw = json.loads(files("guideline.fhir").joinpath(DATA).read_text(encoding="utf-8"))
    trees: dict[str, Node] = {}
    for name, rules in raw["types"].items():
        tree: Node = {}
        for path, kind, target in rules:
            node, steps = tree, str(path).split(".")
            for step in steps[:-1]:
                node = node.setdefault(step, ({}, []))[0]
            node.setdefault(steps[-1], ({}, []))[1].append((str(kind), str(target)))
        trees[name] = tree
    value_sets = {name: {system: frozenset(codes) for system, codes in systems.items()}
                  for name, systems in raw["valueSets"].items()}
    return trees, value_sets


def _subtree(tree: Node, path: str) -> Node:
    node = tree
    for step in path.split("."):
        node = node[step][0]
    return node


def _allowed(value: Any, codes: dict[str, frozenset[str]]) -> bool:
    """A code, a Coding or a CodeableConcept (one of its codings) drawn from the value set."""
    if isinstance(value, str):
        return any(value in found for found in codes.values())
    if not isinstance(value, dict):
        return False
    codings = value.get("coding") if "coding" in value or "text" in value else [value]
    return any(isinstance(x, dict) and x.get("code") in codes.get(str(x.get("system")), ()) for x in codings or ())


def _shown(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)[1:]


def _walk(type_name: str, node: Node, value: dict[str, Any], path: tuple[str | int, ...]) -> Iterator[tuple[str, str]]:
    trees, value_sets = _data()
    for key, (children, actions) in node.items():
        if key not in value:
            continue
        found = value[key]
        items = list(enumerate(found)) if isinstance(found, list) else [(None, found)]
        for index, item in items:
            where = (*path, key) if index is None else (*path, key, index)
            for kind, target in actions:
                if kind == "vs" and not _allowed(item, value_sets[target]):
                    yield _shown(where), f"{item!r} is not in the required value set {target} (FHIR R5)"
                elif kind == "type" and isinstance(item, dict):
                    yield from _walk(target, trees.get(target, {}), item, where)
                elif kind == "ref" and isinstance(item, dict):
                    yield from _walk(type_name, _subtree(trees[type_name], target), item, where)
            if children and isinstance(item, dict):
                yield from _walk(type_name, children, item, where)


def check_bindings(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(FHIR path, message) for every element whose code is not in its required R5 value set."""
    kind = str(resource.get("resourceType"))
    yield from _walk(kind, _data()[0].get(kind, {}), resource, (kind,))
