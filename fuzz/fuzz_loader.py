"""Fuzz the YAML loader: any bytes in, a Document out, never an exception and never a hang.

Every document that loads also goes through the schema checks (engine.check_document), so what the loader
lets through is fuzzed one step further.

Run:  python fuzz/fuzz_loader.py -max_total_time=60
Inputs it learns go to fuzz/corpus (seeded from the shipped guidelines/), crashes to fuzz/artifacts;
reproduce one with  python fuzz/fuzz_loader.py fuzz/artifacts/crash-...
"""

from __future__ import annotations

import time

import atheris
from harness import HERE, fuzz

with atheris.instrument_imports(include=["guideline", "yaml"]):
    from guideline.corpus.loader import Document, parse_text
    from guideline.engine.pipeline import check_document
    from guideline.findings import Finding

# Anything slower than this on one input is a hang for a validator that reads 2,500 files in CI.
SLOW_SECONDS = 2.0
SEEDS = HERE.parent / "guidelines"
CORPUS = HERE / "corpus"


def test_one_input(raw: bytes) -> None:
    started = time.perf_counter()
    doc = parse_text(raw, "fuzz.yaml")
    elapsed = time.perf_counter() - started
    if elapsed > SLOW_SECONDS:
        raise RuntimeError(f"parse_text took {elapsed:.1f}s on {len(raw)} bytes")
    if not isinstance(doc, Document) or not all(isinstance(f, Finding) for f in doc.findings):
        raise RuntimeError("parse_text returned something that is not a Document of Findings")
    for finding in doc.findings:
        if finding.line < 1 or finding.column < 1:
            raise RuntimeError(f"position not 1-based: {finding}")
    if doc.data is None and not doc.findings:
        raise RuntimeError("no data and no finding: the user would be told nothing")
    for line, column in doc.positions.values():
        if line < 1 or column < 1:
            raise RuntimeError(f"position not 1-based: {line}:{column}")
    for finding in check_document(doc):
        if finding.line < 1 or finding.column < 1 or finding.file != "fuzz.yaml":
            raise RuntimeError(f"schema finding badly placed: {finding}")


def main() -> None:
    seeds = {f"seed-{seed.parent.name}-{seed.name}": seed for seed in sorted(SEEDS.rglob("*.y*ml"))}
    fuzz(test_one_input, CORPUS, seeds, {"-dict=": str(HERE / "yaml.dict")})


if __name__ == "__main__":
    main()
