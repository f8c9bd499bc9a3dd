"""JSON Schema validation with a fast path: jsonschema-rs decides, jsonschema explains the failures."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from guideline.corpus.loader import Document, PathKey
from guideline.findings import Finding, Severity
from guideline.rules import Rule

if TYPE_CHECKING:
    import jsonschema
    from referencing import Registry

# jsonschema (a tenth of a second to import) is imported only when a document fails and must be explained.

UNKNOWN_FIELD = Rule("SCH001", "Unknown field", Severity.ERROR,
                     "A field that the record's schema does not define, often a misspelling; the hint names "
                     "the closest known field.")
MISSING_FIELD = Rule("SCH002", "Missing required field", Severity.ERROR,
                     "A field the record kind requires is absent.")
WRONG_TYPE = Rule("SCH003", "Wrong type", Severity.ERROR,
                  "A value has the wrong type: text where a list belongs, a number where text belongs...")
BAD_VALUE = Rule("SCH004", "Value not allowed", Severity.ERROR,
                 "A value is outside the allowed set or form: an unknown enum value, a malformed id or date, "
                 "a number out of range.")
SCHEMA_OTHER = Rule("SCH005", "Schema violation", Severity.ERROR,
                    "Any other disagreement with the JSON Schema of the record kind.")
RULES = (UNKNOWN_FIELD, MISSING_FIELD, WRONG_TYPE, BAD_VALUE, SCHEMA_OTHER)

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_BASE = "https://guideline.example.org/schemas/"
_REQUIRED_RE = re.compile(r"'(.+)' is a required property")
_TYPE_HINTS = {"string": "put the value in quotes to keep it as text",
               "array": "write a list: one '- item' per line under the field, or [a, b]",
               "object": "write 'name: value' lines indented under the field",
               "integer": "write a whole number without quotes", "number": "write a number without quotes"}
_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
               "object": "a mapping", "boolean": "true or false", "null": "empty"}


@cache
def load_schemas() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMA_DIR.glob("*.schema.json"))}


@cache
def _registry() -> Registry[Any]:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [(s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
                 for s in load_schemas().values()]
    return Registry().with_resources(resources)


@cache
def _python_validator(name: str) -> jsonschema.Draft202012Validator:
    import jsonschema

    # 2020-12 treats "format" as a note unless asked; a date such as 2026-02-30 must be an error.
    return jsonschema.Draft202012Validator(load_schemas()[name], registry=_registry(),
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@cache
def _fast_validator(name: str) -> Any:
    schemas = load_schemas()
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()])
    return jsonschema_rs.validator_for(schemas[name], registry=registry, validate_formats=True)


def _type_name(value: Any) -> str:
    import jsonschema

    for json_type, label in _TYPE_NAMES.items():
        if jsonschema.Draft202012Validator.TYPE_CHECKER.is_type(value, json_type) and json_type != "number":
            return label
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def _field_name(path: PathKey) -> str:
    names = [str(p) for p in path if isinstance(p, str)]
    return names[-1] if names else "value"


def _record_id(doc: Document, path: PathKey) -> str | None:
    node: Any = doc.data
    found: str | None = None
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
    return found


def _findings_for_error(doc: Document, error: jsonschema.ValidationError) -> Iterable[Finding]:
    path: PathKey = tuple(error.absolute_path)
    record = _record_id(doc, path)
    kind = error.validator
    # The stubs type these as unions with Unset; for a leaf error they are plain JSON values.
    schema: Any = error.schema
    rule_value: Any = error.validator_value
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(schema.get("properties", {}))
        for extra in sorted(set(error.instance) - set(allowed)):
            close = difflib.get_close_matches(extra, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "known fields: " + ", ".join(allowed)
            yield UNKNOWN_FIELD.finding(doc.location((*path, extra), record), f"unknown field '{extra}'", hint=hint,
                                        key=extra)
        return
    if kind == "required":
        match = _REQUIRED_RE.match(error.message)
        name = match.group(1) if match else str(rule_value)
        yield MISSING_FIELD.finding(doc.location(path, record), f"missing required field '{name}'",
                                    hint=f"add '{name}:' to this record", key=name)
        return
    field = _field_name(path)
    if kind == "type":
        expected_list = rule_value if isinstance(rule_value, list) else [rule_value]
        wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected_list)
        yield WRONG_TYPE.finding(doc.location(path, record),
                                 f"'{field}' should be {wanted}, not {_type_name(error.instance)} ({error.instance!r})",
                                 hint=_TYPE_HINTS.get(expected_list[0]), key=field)
        return
    if kind in ("enum", "const"):
        options = rule_value if kind == "enum" else [rule_value]
        close = difflib.get_close_matches(str(error.instance), [str(o) for o in options], n=1, cutoff=0.5)
        suggestion = f"did you mean '{close[0]}'?" if close else None
        yield BAD_VALUE.finding(doc.location(path, record),
                                f"'{field}' is {error.instance!r}; allowed: {', '.join(map(str, options))}",
                                hint=suggestion, key=field)
        return
    if kind == "pattern":
        description = schema.get("description") or f"it must match {rule_value}"
        yield BAD_VALUE.finding(doc.location(path, record), f"'{field}' value {error.instance!r} is malformed",
                                hint=description, key=field)
        return
    if kind == "format":
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and isinstance(error.instance, str) and not re.search(pattern, error.instance):
            return  # the pattern error already says this value is malformed
        yield BAD_VALUE.finding(doc.location(path, record),
                                f"'{field}' value {error.instance!r} is not a valid {rule_value}",
                                hint=schema.get("description"), key=field)
        return
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                "minItems", "maxItems", "uniqueItems"):
        yield BAD_VALUE.finding(doc.location(path, record), f"'{field}': {error.message}", key=field)
        return
    yield SCHEMA_OTHER.finding(doc.location(path, record), f"'{field}': {error.message}", key=field)


def _drop_shadowed(findings: list[Finding]) -> list[Finding]:
    """A misspelt field shows up as unknown *and* as a missing required field: report it once."""
    suggested = {(f.record, f.hint.split("'")[1]) for f in findings
                 if f.rule == UNKNOWN_FIELD.id and f.hint and f.hint.startswith("did you mean")}
    return [f for f in findings if not (f.rule == MISSING_FIELD.id and (f.record, f.key) in suggested)]


def validate_document(doc: Document, schema_name: str) -> list[Finding]:
    """Findings for everything in doc.data that its file schema rejects (empty when valid)."""
    if _fast_validator(schema_name).is_valid(doc.data):
        return []
    validator = _python_validator(schema_name)
    findings: list[Finding] = []
    data, kept = _failing_items(doc.data, schema_name)
    for error in validator.iter_errors(data):
        if kept is not None and len(error.path) > 1 and error.path[0] == kept[0]:
            error.path[1] = kept[1][error.path[1]]
        leaves = _leaf_errors(error)
        for leaf in leaves:
            findings.extend(_findings_for_error(doc, leaf))
    return _drop_shadowed(findings)


def _failing_items(data: Any, schema_name: str) -> tuple[Any, tuple[str, list[int]] | None]:
    """The document with its record list cut down to the records the fast validator rejects, and the original
    index of each record kept: the slow validator then explains forty records' worth of file in one record's time.
    Only for a list whose schema says nothing but its item type, where dropping valid items changes nothing."""
    properties = load_schemas()[schema_name].get("properties", {})
    for name, spec in properties.items():
        items = spec.get("items") if isinstance(spec, dict) else None
        if (isinstance(data, dict) and isinstance(data.get(name), list) and isinstance(items, dict)
                and set(spec) <= {"type", "items", "description"} and set(items) == {"$ref"}
                and items["$ref"] in load_schemas()):
            item_validator = _fast_validator(items["$ref"])
            kept = [i for i, item in enumerate(data[name]) if not item_validator.is_valid(item)]
            return {**data, name: [data[name][i] for i in kept]}, (name, kept)
    return data, None


def _leaf_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    import jsonschema.exceptions

    if error.validator in ("anyOf", "oneOf", "allOf", "$ref", "if", "then") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return [best] if best is not None else [error]
    return [error]
