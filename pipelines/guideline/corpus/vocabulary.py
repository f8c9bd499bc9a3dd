"""The concept vocabulary: labels, synonyms and the is-a hierarchy that checks reason over."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

_WORD_RE = re.compile(r"[^a-z0-9]+")


def normalise_term(text: str) -> str:
    return _WORD_RE.sub(" ", text.lower()).strip()


@dataclass
class Concept:
    id: str
    label: str
    kind: str | None
    synonyms: tuple[str, ...]
    parents: tuple[str, ...]
    codes: dict[str, str]
    line: int


@dataclass
class Vocabulary:
    concepts: dict[str, Concept] = field(default_factory=dict)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _by_prefix: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _suggestions: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data: Any, positions: dict[Any, tuple[int, int]] | None = None) -> Vocabulary:
        vocab = cls()
        items = data.get("concepts") if isinstance(data, dict) else None
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            line = (positions or {}).get(("concepts", index), (1, 1))[0]
            vocab.concepts.setdefault(item["id"], Concept(
                item["id"], str(item.get("label", item["id"])), item.get("kind"),
                tuple(s for s in item.get("synonyms") or () if isinstance(s, str)),
                tuple(p for p in item.get("parents") or () if isinstance(p, str)),
                {k: str(v) for k, v in (item.get("codes") or {}).items()}, line))
        return vocab

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self.concepts

    def ancestors(self, concept_id: str) -> frozenset[str]:
        """Every concept that concept_id is a kind of, excluding itself (cycles are tolerated)."""
        cached = self._ancestors.get(concept_id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = list(self.concepts[concept_id].parents) if concept_id in self.concepts else []
        while stack:
            parent = stack.pop()
            if parent in seen or parent == concept_id:
                continue
            seen.add(parent)
            if parent in self.concepts:
                stack.extend(self.concepts[parent].parents)
        result = frozenset(seen)
        self._ancestors[concept_id] = result
        return result

    def with_ancestors(self, concept_id: str) -> frozenset[str]:
        return self.ancestors(concept_id) | {concept_id}

    def is_a(self, child: str, parent: str) -> bool:
        return child == parent or parent in self.ancestors(child)

    def related(self, a: str, b: str) -> bool:
        """Same concept, or one a kind of the other."""
        return self.is_a(a, b) or self.is_a(b, a)

    def cycles(self) -> list[str]:
        return [cid for cid in self.concepts if cid in self._reachable_parents(cid)]

    def _reachable_parents(self, concept_id: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.concepts[concept_id].parents)
        while stack:
            parent = stack.pop()
            if parent in seen:
                continue
            seen.add(parent)
            if parent in self.concepts:
                stack.extend(self.concepts[parent].parents)
        return seen

    def closest(self, term: str) -> str | None:
        """The concept id most like a mistyped one, for a "did you mean" hint.

        Typos rarely touch the first letters, so only ids sharing the first three are compared (all ids when
        none do): with thousands of concepts, comparing each unknown id to every one would dominate a run."""
        if term in self._suggestions:
            return self._suggestions[term]
        if not self._by_prefix:
            for concept_id in self.concepts:
                self._by_prefix.setdefault(concept_id[:3], []).append(concept_id)
        candidates = self._by_prefix.get(term[:3]) or list(self.concepts)
        close = difflib.get_close_matches(term, candidates, n=1, cutoff=0.6)
        self._suggestions[term] = close[0] if close else None
        return self._suggestions[term]

    def term_index(self) -> dict[str, str]:
        """Normalised label or synonym -> concept id, for finding concepts in free text."""
        index: dict[str, str] = {}
        for concept in self.concepts.values():
            for term in (concept.label, *concept.synonyms, concept.id.replace("-", " ")):
                index.setdefault(normalise_term(term), concept.id)
        return index
