"""What each recommendation advises, in the terms the conflict checks compare records on, and the vocabulary
questions and population index they share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from guideline.checks.base import Context, Keys
from guideline.corpus.model import ADVISING_TYPES, INACTIVE_STATES, Record
from guideline.corpus.project import Project
from guideline.corpus.vocabulary import Vocabulary, normalise_term

DIRECTIONS = frozenset({"for", "against", "none"})
SAME, ISA, SIBLING = "same", "is-a", "sibling"


@dataclass(frozen=True, eq=False)
class Scope:
    """What one recommendation advises, in the terms records are compared on."""

    index: int
    rec: Record
    direction: str
    interventions: tuple[str, ...]
    comparators: frozenset[str]
    conditions: frozenset[str]
    qualifiers: frozenset[str]
    strength: str | None
    qualifier_text: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.rec.id} ({self.rec.file}:{self.rec.line})"


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@lru_cache(maxsize=65536)
def normalised(text: str) -> str:
    return normalise_term(text)


def qualifier_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(q for q in (normalised(v) for v in values) if q)


def advising_scopes(ctx: Context) -> list[Scope]:
    """Recommendations in force that advise something; information statements and retired records take no
    part. Built once per context: the three conflict checks share them."""
    return ctx.derived(build_scopes)


def build_scopes(ctx: Context) -> list[Scope]:
    # File order without line numbers: positions are unpacked lazily, and only findings need them.
    records = sorted((r for r in ctx.corpus.recommendations if r.valid), key=lambda r: (r.file, r.path))
    scopes: list[Scope] = []
    for rec in records:
        direction = rec.get("direction")
        if (rec.get("statement_type") not in ADVISING_TYPES or direction not in DIRECTIONS
                or rec.get("review_state") in INACTIVE_STATES):
            continue
        interventions = tuple(dict.fromkeys(strings(rec.get("intervention"))))
        if not interventions:
            continue
        population = rec.get("population") if isinstance(rec.get("population"), dict) else {}
        strength = rec.get("strength") if isinstance(rec.get("strength"), dict) else {}
        strength_class = strength.get("class") if isinstance(strength.get("class"), str) else None
        if (strength_class is None and isinstance(strength.get("scheme"), str)
                and isinstance(strength.get("grade"), str)):
            version = str(strength["version"]) if strength.get("version") is not None else None
            grade = ctx.project.grading.lookup(strength["scheme"], version, strength["grade"])
            strength_class = grade.strength_class if grade else None
        qualifiers = strings(population.get("qualifiers"))
        scopes.append(Scope(len(scopes), rec, direction, interventions,
                            frozenset(strings(rec.get("comparator"))),
                            frozenset(strings(population.get("condition"))), qualifier_set(qualifiers),
                            strength_class, tuple(qualifiers)))
    return scopes


class Concepts:
    """Cached vocabulary questions asked for every candidate pair."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._closure: dict[str, frozenset[str]] = {}

    def closure(self, concept: str) -> frozenset[str]:
        cached = self._closure.get(concept)
        if cached is None:
            cached = self._closure[concept] = self.vocabulary.with_ancestors(concept)
        return cached

    def parents(self, concept: str) -> frozenset[str]:
        found = self.vocabulary.concepts.get(concept)
        return frozenset(found.parents) if found else frozenset()

    def related(self, a: str, b: str) -> bool:
        return a == b or b in self.closure(a) or a in self.closure(b)

    def conditions_overlap(self, a: frozenset[str], b: frozenset[str]) -> bool:
        return not a or not b or a == b or any(self.related(x, y) for x in a for y in b)

    def relation(self, a: str, b: str) -> str | None:
        if a == b:
            return SAME
        if self.related(a, b):
            return ISA
        if self.parents(a) & self.parents(b):
            return SIBLING
        return None

T = TypeVar("T")


class PopulationIndex(Generic[T]):
    """Items under (key, condition). A lookup finds the items whose conditions overlap the given ones (the
    same, a broader or a narrower condition) or that name no condition, without visiting unrelated ones."""

    def __init__(self, concepts: Concepts) -> None:
        self.concepts = concepts
        self.exact: dict[tuple[Hashable, str], list[T]] = defaultdict(list)
        self.above: dict[tuple[Hashable, str], list[T]] = defaultdict(list)
        self.unconditioned: dict[Hashable, list[T]] = defaultdict(list)
        self.every: dict[Hashable, list[T]] = defaultdict(list)

    def add(self, key: Hashable, conditions: frozenset[str], item: T) -> None:
        self.every[key].append(item)
        if not conditions:
            self.unconditioned[key].append(item)
        for condition in conditions:
            self.exact[(key, condition)].append(item)
            for broader in self.concepts.closure(condition):
                self.above[(key, broader)].append(item)

    def get(self, key: Hashable, conditions: frozenset[str]) -> Iterator[T]:
        if not conditions:
            yield from self.every.get(key, ())
            return
        yield from self.unconditioned.get(key, ())
        for condition in conditions:
            for broader in self.concepts.closure(condition):
                yield from self.exact.get((key, broader), ())
            yield from self.above.get((key, condition), ())


def concept_keys(record: Record, project: Project) -> Keys:
    """Records whose interventions are related: the same concept, one a kind of the other, or siblings (the
    keys ignore populations, so they find a few records more than are compared)."""
    vocabulary = project.vocabulary
    published: list[str] = []
    looked_up: list[str] = []
    for concept in strings(record.data.get("intervention")):
        closure = vocabulary.with_ancestors(concept)
        parents = [f"parent:{p}" for p in (vocabulary.concepts[concept].parents if concept in vocabulary else ())]
        published += [f"concept:{concept}", *(f"below:{a}" for a in closure), *parents]
        looked_up += [*(f"concept:{a}" for a in closure), f"below:{concept}", *parents]
    return Keys(published, looked_up)

