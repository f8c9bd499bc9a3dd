"""Concepts the importer found in the drug terminology but not in the vocabulary: proposed to editors as
draft entries appended to guidelines/vocabulary.yaml, each under a comment that says where it came from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.terminology import TermEntry
from guideline.corpus.vocabulary import normalise_term
from guideline.importer.write import scalar

SOURCE = "drug-named-entity-recognition"


@dataclass
class DraftConcept:
    entry: TermEntry
    # The article's own spellings ('salbutamol' for Albuterol), so that the next import finds the entry.
    synonyms: dict[str, None] = field(default_factory=dict)

    def saw(self, phrase: str) -> None:
        if normalise_term(phrase) != normalise_term(self.entry.label):
            self.synonyms.setdefault(" ".join(phrase.split()), None)


def used_concepts(records: Iterable[dict[str, Any]]) -> set[str]:
    used: set[str] = set()
    for rec in records:
        for key in ("intervention", "comparator"):
            used.update(c for c in rec.get(key) or () if isinstance(c, str))
        used.update(d["agent"] for d in rec.get("dosing") or () if isinstance(d, dict) and "agent" in d)
    return used


def vocabulary_addition(drafts: Iterable[DraftConcept], article: str) -> str:
    """The YAML entries to append under `concepts:`, in the shipped file's style."""
    lines: list[str] = []
    for draft in drafts:
        entry = draft.entry
        note = f"Draft from the import of {article} ({SOURCE}): confirm, add parents, then remove this comment."
        lines += ["", f"  # {note}",
                  f"  - id: {scalar(entry.id)}", f"    label: {scalar(entry.label)}", f"    kind: {entry.kind}"]
        if draft.synonyms:
            lines += ["    synonyms:", *(f"      - {scalar(s)}" for s in draft.synonyms)]
        if entry.codes:
            lines += ["    codes:", *(f"      {system}: {scalar(code)}" for system, code in entry.codes)]
    return "\n".join(lines) + "\n" if lines else ""
