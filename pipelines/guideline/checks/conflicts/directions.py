"""Contradictions, tensions and subgroup disagreements (CON001-CON003): facts on related interventions for
overlapping populations that point apart."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from guideline.checks.base import Context
from guideline.checks.conflicts.scopes import (
    ISA,
    SAME,
    SIBLING,
    Concepts,
    PopulationIndex,
    Scope,
    advising_scopes,
)
from guideline.corpus.loader import gc_paused
from guideline.findings import Finding, Severity
from guideline.rules import Rule

CONTRADICTION = Rule(
    "CON001", "Contradictory recommendations", Severity.ERROR,
    "Two recommendations for the same population (same conditions or one a kind of the other, and the same "
    "population qualifiers) point in opposite directions (for vs against) on the same intervention, or on "
    "two interventions where one is a kind of the other in the vocabulary (e.g. 'for bisphosphonate' vs "
    "'against alendronate'). Reported at the later record, with the earlier one as related location.\nBad: "
    "'offer apixaban in AF' and 'do not offer DOACs in AF'. Good: the second narrowed with a qualifier "
    "('mechanical heart valve'), which makes it a subgroup disagreement (CON003) instead.")
TENSION = Rule(
    "CON002", "Recommendations in tension", Severity.WARNING,
    "Two recommendations on an overlapping scope that do not contradict outright but pull apart: a "
    "definitive recommendation (for or against) next to 'no recommendation / insufficient evidence' "
    "(direction none) on the same or a broader/narrower population; sibling interventions under a common "
    "parent (vertebroplasty vs kyphoplasty under vertebral augmentation) with different directions or "
    "strengths; a parent and a child concept with different strengths; or opposite directions on related "
    "interventions compared with different comparators. Strengths are compared only between strong, moderate "
    "and conditional.")
DISAGREEMENT = Rule(
    "CON003", "Subgroups recommended differently", Severity.INFO,
    "The same intervention (or one a kind of the other) gets opposite directions (for vs against) in two "
    "populations where one is a subgroup of the other by its qualifiers, e.g. 'against' for all patients but "
    "'for' in a narrower subgroup with severe ongoing pain. Usually intended; listed so that reviewers see "
    "the pair. Populations whose qualifiers do not nest (e.g. 'after PCI' and 'mechanical valve') are not "
    "compared.")

STRENGTH_RANK = {"strong": 3, "moderate": 2, "conditional": 1}
# Qualifier sets larger than this are matched as a whole and with the empty set, not through every subset.
MAX_SUBSET_QUALIFIERS = 8
NESTED, DISTINCT = "nested", "distinct"
_PRIORITY = {CONTRADICTION.id: 0, TENSION.id: 1, DISAGREEMENT.id: 2}


@dataclass(frozen=True)
class Fact:
    """What a record says about one intervention; records saying the same thing are compared once."""

    concept: str
    direction: str
    conditions: frozenset[str]
    qualifiers: frozenset[str]
    comparators: frozenset[str]
    strength: str | None


@dataclass(eq=False)
class FactClass:
    id: int
    fact: Fact
    members: list[Scope] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def add(self, scope: Scope) -> None:
        if not self.members or self.members[-1] is not scope:
            self.members.append(scope)
            self.positions.append(scope.index)

    def earlier_than(self, scope: Scope) -> tuple[Scope, int] | None:
        """The earliest member before scope and how many members come before it, if any."""
        count = bisect_left(self.positions, scope.index)
        return (self.members[0], count) if count else None


@lru_cache(maxsize=65536)
def _subsets(qualifiers: frozenset[str]) -> list[frozenset[str]]:
    if len(qualifiers) > MAX_SUBSET_QUALIFIERS:
        return [frozenset(), qualifiers]
    items = sorted(qualifiers)
    return [frozenset(combo) for size in range(len(items) + 1) for combo in combinations(items, size)]


def fact_classes(scopes: list[Scope]) -> list[FactClass]:
    classes: dict[Fact, FactClass] = {}
    for scope in scopes:
        for concept in scope.interventions:
            fact = Fact(concept, scope.direction, scope.conditions, scope.qualifiers, scope.comparators,
                        scope.strength)
            found = classes.get(fact)
            if found is None:
                found = classes[fact] = FactClass(len(classes), fact)
            found.add(scope)
    return list(classes.values())


def class_pairs(classes: list[FactClass], concepts: Concepts) -> Iterator[tuple[FactClass, FactClass, str]]:
    """Pairs of classes whose concepts are the same, one a kind of the other, or siblings, for populations
    whose conditions overlap and whose qualifier sets are equal or nested (siblings: equal)."""
    exact: PopulationIndex[FactClass] = PopulationIndex(concepts)
    below: PopulationIndex[FactClass] = PopulationIndex(concepts)
    siblings: PopulationIndex[FactClass] = PopulationIndex(concepts)
    for cls in classes:
        fact = cls.fact
        exact.add((fact.concept, fact.qualifiers), fact.conditions, cls)
        for ancestor in concepts.closure(fact.concept):
            below.add((ancestor, fact.qualifiers), fact.conditions, cls)
        for parent in concepts.parents(fact.concept):
            siblings.add((parent, fact.qualifiers), fact.conditions, cls)
    seen: set[tuple[int, int]] = set()
    for cls in classes:
        fact = cls.fact
        found: list[FactClass] = []
        closure = concepts.closure(fact.concept)
        for subset in _subsets(fact.qualifiers):
            for ancestor in closure:
                if (ancestor, subset) in exact.every:
                    found.extend(exact.get((ancestor, subset), fact.conditions))
            if (fact.concept, subset) in below.every:
                found.extend(below.get((fact.concept, subset), fact.conditions))
        for parent in concepts.parents(fact.concept):
            found.extend(siblings.get((parent, fact.qualifiers), fact.conditions))
        for other in found:
            pair = (cls.id, other.id) if cls.id < other.id else (other.id, cls.id)
            if other is cls or pair in seen:
                continue
            seen.add(pair)
            if not concepts.conditions_overlap(fact.conditions, other.fact.conditions):
                continue
            relation = concepts.relation(fact.concept, other.fact.concept)
            if relation is not None:
                yield cls, other, relation


def _population(a: Fact, b: Fact) -> str:
    """SAME, NESTED (one population within the other) or DISTINCT. A record restricted to a condition or a
    qualifier ('in pregnancy') is a subgroup of one that names none; restrictions on both sides that do not
    nest ('in heart failure' and 'in pregnancy') are distinct populations, not a contradiction."""
    narrower = set()
    if bool(a.conditions) != bool(b.conditions):
        narrower.add(a if a.conditions else b)
    if a.qualifiers != b.qualifiers:
        if not (a.qualifiers < b.qualifiers or b.qualifiers < a.qualifiers):
            return DISTINCT
        narrower.add(b if a.qualifiers < b.qualifiers else a)
    if not narrower:
        return SAME
    return NESTED if len(narrower) == 1 else DISTINCT


def _comparators_differ(a: Fact, b: Fact, concepts: Concepts) -> bool:
    return bool(a.comparators and b.comparators) and not any(
        concepts.related(x, y) for x in a.comparators for y in b.comparators)


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    reason: str


def classify(a: Fact, b: Fact, relation: str, concepts: Concepts) -> Verdict | None:
    """What two facts on related interventions amount to; symmetric in a and b."""
    population = _population(a, b)
    directions = {a.direction, b.direction}
    if directions == {"for", "against"}:
        if relation in (SAME, ISA):
            if population == SAME:
                if _comparators_differ(a, b, concepts):
                    return Verdict(TENSION, "comparators")
                return Verdict(CONTRADICTION, "opposite")
            return Verdict(DISAGREEMENT, "subgroup") if population == NESTED else None
        return Verdict(TENSION, "siblings") if population == SAME else None
    if "none" in directions and len(directions) == 2:
        if ((relation in (SAME, ISA) and population in (SAME, NESTED))
                or (relation == SIBLING and population == SAME)):
            return Verdict(TENSION, "undecided")
        return None
    if (a.direction == b.direction != "none" and population == SAME and a.strength in STRENGTH_RANK
            and b.strength in STRENGTH_RANK and a.strength != b.strength):
        return Verdict(TENSION, "strength")
    return None


def _about(relation: str, mine: str, theirs: str) -> str:
    if relation == SAME:
        return f"'{mine}'"
    if relation == ISA:
        return f"'{mine}' and '{theirs}' (one is a kind of the other)"
    return f"'{mine}' and '{theirs}' (siblings under a common parent)"


def _qualifiers_shown(scope: Scope) -> str:
    return ", ".join(scope.qualifier_text) or "no qualifier"


def _direction_finding(later: Scope, mine: Fact, first: Scope, theirs: Fact, others: int, relation: str,
                       verdict: Verdict) -> Finding:
    about = _about(relation, mine.concept, theirs.concept)
    where = first.where + (f" and {others} other record{'s' if others > 1 else ''}" if others else "")
    said = f"'{mine.direction}' here but '{theirs.direction}' in {where}"
    location, related = later.rec.location("direction"), (first.rec.location("direction"),)
    rule, reason = verdict.rule, verdict.reason
    if reason == "opposite":
        return rule.finding(location, f"{about}: {said}, for the same population", related=related,
                            hint="align the two directions, or add a population qualifier that separates the "
                                 "groups",
                            key=first.rec.id)
    if reason == "comparators":
        return rule.finding(location,
                            f"{about}: {said}, for the same population but against different comparators",
                            hint="check that the two questions really differ; if they do, say so in both "
                                 "statements",
                            related=related, key=first.rec.id)
    if reason == "subgroup":
        return rule.finding(location,
                            f"{about}: {said}; one population is a subgroup of the other ({first.rec.id}: "
                            f"{_qualifiers_shown(first)}; {later.rec.id}: {_qualifiers_shown(later)})",
                            hint="nothing to do if the subgroups are meant to be treated differently",
                            related=related, key=first.rec.id)
    if reason == "siblings":
        return rule.finding(location, f"{about}: {said}, for the same population", related=related,
                            hint="state why the sibling interventions are recommended differently",
                            key=first.rec.id)
    if reason == "undecided":
        undecided = "no recommendation (insufficient evidence)"
        message = (f"{about}: '{mine.direction}' here but {undecided} in {where}" if mine.direction != "none"
                   else f"{about}: {undecided} here but '{theirs.direction}' in {where}")
        return rule.finding(location, message, related=related, key=first.rec.id,
                            hint="make the scope of the 'no recommendation' statement explicit, or reconcile "
                                 "the two")
    return rule.finding(later.rec.location("strength"),
                        f"{about}: '{mine.direction}' with strength '{mine.strength}' here but "
                        f"'{theirs.strength}' in {where}, for the same population",
                        hint="grade related interventions consistently, or state what makes the evidence "
                             "differ",
                        related=(first.rec.location("strength"),), key=first.rec.id)


def _direction_findings(scopes: list[Scope], concepts: Concepts) -> Iterator[Finding]:
    # One finding per record and counterpart record: the gravest, when several facts of the two records clash.
    best: dict[tuple[int, int], Finding] = {}
    for a, b, relation in class_pairs(fact_classes(scopes), concepts):
        verdict = classify(a.fact, b.fact, relation, concepts)
        if verdict is None:
            continue
        for mine, theirs in ((a, b), (b, a)):
            for later in mine.members:
                earlier = theirs.earlier_than(later)
                if earlier is None or earlier[0].rec.id == later.rec.id:
                    continue
                first, count = earlier
                finding = _direction_finding(later, mine.fact, first, theirs.fact, count - 1, relation,
                                             verdict)
                key = (later.index, first.index)
                kept = best.get(key)
                if kept is None or _PRIORITY[finding.rule] < _PRIORITY[kept.rule]:
                    best[key] = finding
    yield from best.values()


def run(ctx: Context) -> list[Finding]:
    # Many small objects and no cycles: the cyclic collector would rescan the whole corpus again and again.
    with gc_paused():
        return list(_direction_findings(advising_scopes(ctx), Concepts(ctx.project.vocabulary)))

