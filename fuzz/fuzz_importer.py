"""Fuzz the article importer: any bytes in, draft records or defects out, never an exception and never a hang.

Each input is parsed as an article (importer.parse), turned into draft records (importer.records), written as
YAML (importer.write) and read back by the loader; the draft is also merged, as `guideline import --update`
would, into the shipped topic and references files (importer.update), for one input in four.

Run:  python fuzz/fuzz_importer.py -max_total_time=600
Inputs it learns go to fuzz/corpus-importer (seeded from the sample article and tests/fixtures/articles),
crashes to fuzz/artifacts; reproduce one with  python fuzz/fuzz_importer.py fuzz/artifacts/crash-...
"""

from __future__ import annotations

import os
import time
import zlib

import atheris
from harness import HERE, fuzz

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

with atheris.instrument_imports(include=["guideline.importer"]):
    from guideline.corpus.loader import parse_text
    from guideline.corpus.project import load_project
    from guideline.findings import Finding
    from guideline.importer import write
    from guideline.importer.extract import Extractor
    from guideline.importer.parse import parse_article
    from guideline.importer.records import Draft, build_draft
    from guideline.importer.service import scheme_names
    from guideline.importer.update import TopicMerge, citation_map, merge_references

# An article is a few kilobytes; anything slower than this on one is a hang for `guideline import`.
SLOW_SECONDS = 3.0
ROOT = HERE.parent
SEEDS = [ROOT / "tests/fixtures/seed/000_ca5c2e48f58b1a8a.txt", *sorted((ROOT / "tests/fixtures/articles").glob("*.txt"))]
CORPUS = HERE / "corpus-importer"

PROJECT = load_project(ROOT)
EXTRACTOR = Extractor(PROJECT.vocabulary, PROJECT.grading, scheme_names(PROJECT))
CURATED_TOPIC = (ROOT / "guidelines/topics/osteoporotic-spine-fracture.yaml").read_text(encoding="utf-8")
CURATED_REFERENCES = (ROOT / "guidelines/references/osteoporotic-spine-fracture.yaml").read_text(encoding="utf-8")


def _check_findings(findings: list[Finding]) -> None:
    for finding in findings:
        if not isinstance(finding, Finding) or finding.line < 1 or finding.column < 1:
            raise RuntimeError(f"defect badly placed: {finding!r}")


def _reads_back(text: str, what: str) -> None:
    doc = parse_text(text.encode("utf-8"), "out.yaml")
    if not doc.ok:
        raise RuntimeError(f"{what} does not load back: {[f.message for f in doc.findings]}\n{text[:2000]}")


def _merge(draft: Draft) -> None:
    """The `--update` path: merge the draft into the curated files of the shipped topic."""
    mapping = {ref["id"]: ref["id"] for ref in draft.references}
    if draft.references:
        merged, ids = merge_references(CURATED_REFERENCES, draft, "references.yaml")
        _reads_back(merged.text, "merged references")
        mapping = citation_map(draft, ids)
    merge = TopicMerge(draft, EXTRACTOR, "topic.yaml").run(CURATED_TOPIC, mapping)
    _reads_back(merge.text, "merged topic")


def test_one_input(raw: bytes) -> None:
    started = time.perf_counter()
    article = parse_article(raw, "fuzz.txt")
    draft = build_draft(article, EXTRACTOR, "osteoporotic-spine-fracture", "fuzz.txt")
    _check_findings(draft.findings)
    if draft.importable:
        _reads_back(write.topic_file(draft.topic, draft.recommendations, ""), "topic file")
        _reads_back(write.references_file(draft.references, ""), "references file")
        # The merge costs ten times the rest: do it for one input in four (by checksum, so replays agree).
        if zlib.crc32(raw) % 4 == 0:
            _merge(draft)
    elif not draft.findings:
        raise RuntimeError("nothing imported and no defect: the user would be told nothing")
    elapsed = time.perf_counter() - started
    if elapsed > SLOW_SECONDS:
        raise RuntimeError(f"import took {elapsed:.1f}s on {len(raw)} bytes")


def main() -> None:
    fuzz(test_one_input, CORPUS, {f"seed-{seed.name}": seed for seed in SEEDS}, {"-max_len=": "20000"})


if __name__ == "__main__":
    main()
