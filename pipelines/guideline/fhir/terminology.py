"""Required terminology bindings of FHIR R5, checked against the codes of hl7.fhir.r5.core 5.0.0's value sets
(extracted into r5-required-bindings.json by extract_bindings.py; nothing is fetched at run time)."""

from __future__ import annotations

import json
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


@cache
def _codes() -> dict[str, frozenset[str]]:
    return {name: frozenset().union(*systems.values()) for name, systems in _data()[1].items()}


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


def _shown(path: Any) -> str:
    """A FHIR path from its chain of (parent, step) pairs, built only for a problem."""
    steps: list[str] = []
    while isinstance(path, tuple):
        path, step = path
        steps.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return str(path) + "".join(reversed(steps))


def check_bindings(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(FHIR path, message) for every element whose code is not in its required R5 value set. A loop over a
    stack, not recursive generators: it visits every element of every resource exported."""
    trees, value_sets = _data()
    any_system = _codes()
    kind = str(resource.get("resourceType"))
    found: list[tuple[str, str]] = []
    stack: list[tuple[Node, dict[str, Any], Any, str]] = [(trees.get(kind, {}), resource, kind, kind)]
    while stack:
        node, value, path, type_name = stack.pop()
        for key in (node if len(node) < len(value) else value):
            if key not in node or key not in value:
                continue
            children, actions = node[key]
            item = value[key]
            for index, element in enumerate(item) if isinstance(item, list) else ((None, item),):
                where = (path, key) if index is None else ((path, key), index)
                for action, target in actions:
                    if action == "vs":
                        # A code (the common case) is one set lookup in the union of the value set's systems.
                        if not (element in any_system[target] if isinstance(element, str)
                                else _allowed(element, value_sets[target])):
                            message = f"{element!r} is not in the required value set {target} (FHIR R5)"
                            found.append((_shown(where), message))
                    elif isinstance(element, dict):
                        tree = trees.get(target, {}) if action == "type" else _subtree(trees[type_name], target)
                        stack.append((tree, element, where, target if action == "type" else type_name))
                if children and isinstance(element, dict):
                    stack.append((children, element, where, type_name))
    return sorted(found)
