"""Extract, from the FHIR R5 core package (hl7.fhir.r5.core 5.0.0), the required terminology bindings of the
resources the export writes and the codes of their value sets, into the package data that terminology.py reads
at run time (nothing is fetched then). Run again only for a new FHIR version:

    npm pack hl7.fhir.r5.core@5.0.0 && tar xzf hl7.fhir.r5.core-5.0.0.tgz
    python -m guideline.fhir.extract_bindings package/ > pipelines/guideline/fhir/r5-required-bindings.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESOURCES = ("Bundle", "Composition", "ArtifactAssessment", "Group", "PlanDefinition", "ActivityDefinition",
             "Citation")
# Value sets drawn from systems the package does not define (languages, MIME types, UCUM): not checked.
SKIPPED = ("all-languages", "mimetypes", "ucum-units")


def _definition(package: Path, name: str) -> dict[str, Any] | None:
    path = package / f"StructureDefinition-{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _rules(package: Path, name: str, seen: dict[str, list[list[str]]]) -> None:
    """type name -> [relative JSON path, 'vs', 'type' or 'ref', value set name, datatype or the path of the element
    it repeats] for every element that is bound (required), holds such an element or repeats one."""
    if name in seen:
        return
    seen[name] = []
    definition = _definition(package, name)
    if definition is None:
        return
    elements = definition["snapshot"]["element"]
    for element in elements:
        path = element["path"].split(".")[1:]
        if not path or element.get("max") == "0":
            continue
        if element.get("contentReference"):
            # A recursive element (a section's sections, an action's actions): the checker re-enters its rules.
            seen[name].append([".".join(path), "ref", ".".join(element["contentReference"].split(".")[1:])])
            continue
        _add(package, seen, name, path, element)


def _add(package: Path, seen: dict[str, list[list[str]]], name: str, path: list[str], element: dict[str, Any]) -> None:
    types = [t["code"] for t in element.get("type", ())]
    binding = element.get("binding") or {}
    last = path[-1]
    for kind in types:
        key = ".".join([*path[:-1], last.replace("[x]", kind[0].upper() + kind[1:])]) if last.endswith("[x]") else \
            ".".join(path)
        if binding.get("strength") == "required" and kind in ("code", "Coding", "CodeableConcept"):
            vs = binding["valueSet"].split("|")[0].rsplit("/", 1)[-1]
            if vs not in SKIPPED:
                seen[name].append([key, "vs", vs])
        elif kind[:1].isupper() and kind not in ("Resource", "Extension", "Element", "BackboneElement"):
            _rules(package, kind, seen)
            if seen.get(kind):
                seen[name].append([key, "type", kind])


def _codes(package: Path, name: str) -> dict[str, list[str]]:
    """system -> codes of a value set, from its compose (whole systems, listed concepts, other value sets)."""
    found: dict[str, list[str]] = {}
    vs = json.loads((package / f"ValueSet-{name}.json").read_text(encoding="utf-8"))
    for include in vs.get("compose", {}).get("include", ()):
        for other in include.get("valueSet", ()):
            for system, codes in _codes(package, other.split("|")[0].rsplit("/", 1)[-1]).items():
                found.setdefault(system, []).extend(codes)
        system = include.get("system")
        if not system:
            continue
        listed = [c["code"] for c in include.get("concept", ())] or _system(package, system)
        found.setdefault(system, []).extend(listed)
    return {system: sorted(set(codes)) for system, codes in found.items()}


def _system(package: Path, url: str) -> list[str]:
    for path in package.glob("CodeSystem-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("url") == url:
            return list(_concepts(data.get("concept", ())))
    return []


def _concepts(items: Any) -> Any:
    for item in items:
        yield item["code"]
        yield from _concepts(item.get("concept", ()))


def extract(package: Path) -> dict[str, Any]:
    seen: dict[str, list[list[str]]] = {}
    for name in RESOURCES:
        _rules(package, name, seen)
    rules = {name: found for name, found in sorted(seen.items()) if any(kind != "ref" for _, kind, _ in found)}
    names = sorted({vs for found in rules.values() for _, kind, vs in found if kind == "vs"})
    return {"package": "hl7.fhir.r5.core 5.0.0", "types": rules, "valueSets": {n: _codes(package, n) for n in names}}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(json.dumps(extract(Path(args[0])), indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
