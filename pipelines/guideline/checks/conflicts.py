"""Conflicts between recommendations: contradictions, tensions, subgroup disagreements, redundancy and doses.

Never all pairs. Each recommendation states one fact per intervention (concept, direction, population,
comparators, strength); records stating the same fact form a class. Classes are indexed by concept, ancestor
and parent, under their conditions (and broader ones) and qualifier sets, and only classes that share an
index key are compared. A record is reported once per conflicting class, against that class's earliest
earlier record (with the count of the others), so a corpus where hundreds of records repeat one fact stays
linear.
"""

from __future__ import annotations

import difflib
import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any, Generic, TypeVar

from guideline.checks.base import Check, Context, Keys
from guideline.corpus.loader import gc_paused
from guideline.corpus.model import ADVISING_TYPES, INACTIVE_STATES, Corpus, Record
from guideline.corpus.project import Project
from guideline.corpus.units import Frequency, Quantity, frequency, quantity, route
from guideline.corpus.vocabulary import Vocabulary, normalise_term
from guideline.findings import Finding, Location, Severity
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
REDUNDANT = Rule(
    "CON004", "Redundant recommendation", Severity.WARNING,
    "Two recommendations with the same scope (interventions, comparators, conditions, qualifiers) and the "
    "same direction whose statements are near-identical: a difflib ratio of at least 85% over their "
    "normalised words (case and punctuation ignored, '5mg' read as '5 mg'). Keep one, or make the difference "
    "explicit. A topic's summary statement restates others by design and is not compared.")
DOSE_CONFLICT = Rule(
    "CON005", "Conflicting doses", Severity.ERROR,
    "The same agent is dosed differently (dose, unit, route or frequency) for the same population qualifier "
    "in two records, and no criterion separates the two. Doses are compared after unit normalisation (g, mg "
    "and mcg convert; IU stays IU; mg/day equals mg daily; a range matches any dose inside it). Entries with "
    "a 'criterion' (e.g. a renal dose reduction, 'CrCl < 30 mL/min') are compared only with entries of the "
    "same criterion; entries marked 'alternative: true' and entries within one record are never compared.")

RULES = (CONTRADICTION, TENSION, DISAGREEMENT, REDUNDANT, DOSE_CONFLICT)

DIRECTIONS = frozenset({"for", "against", "none"})
STRENGTH_RANK = {"strong": 3, "moderate": 2, "conditional": 1}
REDUNDANCY_THRESHOLD = 0.85
# Statements at least 85% similar word for word share well over this share of their distinct words (Jaccard);
# only pairs that can reach it are compared.
WORD_PREFILTER = 0.6
# Qualifier sets larger than this are matched as a whole and with the empty set, not through every subset.
MAX_SUBSET_QUALIFIERS = 8
SUMMARY_SECTION = "summary"

SAME, ISA, SIBLING = "same", "is-a", "sibling"
NESTED, DISTINCT = "nested", "distinct"
_PRIORITY = {CONTRADICTION.id: 0, TENSION.id: 1, DISAGREEMENT.id: 2}


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


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@lru_cache(maxsize=65536)
def _normalised(text: str) -> str:
    return normalise_term(text)


def _qualifier_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(q for q in (_normalised(v) for v in values) if q)


_last_scopes: list[tuple[Corpus, list[Scope]]] = []


def advising_scopes(ctx: Context) -> list[Scope]:
    """Recommendations in force that advise something; information statements and retired records take no
    part.

    Both conflict checks need them; the last corpus's scopes are kept so that they are built once per run."""
    if _last_scopes and _last_scopes[0][0] is ctx.corpus:
        return _last_scopes[0][1]
    scopes = _build_scopes(ctx)
    _last_scopes[:] = [(ctx.corpus, scopes)]
    return scopes


def _build_scopes(ctx: Context) -> list[Scope]:
    # File order without line numbers: positions are unpacked lazily, and only findings need them.
    records = sorted((r for r in ctx.corpus.recommendations if r.valid), key=lambda r: (r.file, r.path))
    scopes: list[Scope] = []
    for rec in records:
        direction = rec.get("direction")
        if (rec.get("statement_type") not in ADVISING_TYPES or direction not in DIRECTIONS
                or rec.get("review_state") in INACTIVE_STATES):
            continue
        interventions = tuple(dict.fromkeys(_strings(rec.get("intervention"))))
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
        qualifiers = _strings(population.get("qualifiers"))
        scopes.append(Scope(len(scopes), rec, direction, interventions,
                            frozenset(_strings(rec.get("comparator"))),
                            frozenset(_strings(population.get("condition"))), _qualifier_set(qualifiers),
                            strength_class, tuple(qualifiers)))
    return scopes


class _Concepts:
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


class _PopulationIndex(Generic[T]):
    """Items under (key, condition). A lookup finds the items whose conditions overlap the given ones (the
    same, a broader or a narrower condition) or that name no condition, without visiting unrelated ones."""

    def __init__(self, concepts: _Concepts) -> None:
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


def class_pairs(classes: list[FactClass], concepts: _Concepts) -> Iterator[tuple[FactClass, FactClass, str]]:
    """Pairs of classes whose concepts are the same, one a kind of the other, or siblings, for populations
    whose conditions overlap and whose qualifier sets are equal or nested (siblings: equal)."""
    exact: _PopulationIndex[FactClass] = _PopulationIndex(concepts)
    below: _PopulationIndex[FactClass] = _PopulationIndex(concepts)
    siblings: _PopulationIndex[FactClass] = _PopulationIndex(concepts)
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
    if a.qualifiers == b.qualifiers:
        return SAME
    if a.qualifiers < b.qualifiers or b.qualifiers < a.qualifiers:
        return NESTED
    return DISTINCT


def _comparators_differ(a: Fact, b: Fact, concepts: _Concepts) -> bool:
    return bool(a.comparators and b.comparators) and not any(
        concepts.related(x, y) for x in a.comparators for y in b.comparators)


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    reason: str


def classify(a: Fact, b: Fact, relation: str, concepts: _Concepts) -> Verdict | None:
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


def _direction_findings(scopes: list[Scope], concepts: _Concepts) -> Iterator[Finding]:
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


_DIGIT_LETTER_RE = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")


def statement_tokens(text: str) -> tuple[str, ...]:
    """Lower-case words, with numbers split from units ('5mg' is '5 mg')."""
    return tuple(_DIGIT_LETTER_RE.sub(" ", normalise_term(text)).split())


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """difflib's ratio over word sequences: 1.0 for the same words in the same order."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < REDUNDANCY_THRESHOLD or matcher.quick_ratio() < REDUNDANCY_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _near_duplicates(members: list[Scope]) -> Iterator[tuple[Scope, Scope, float, int]]:
    """(later, earliest earlier near-identical, similarity, how many earlier ones) within one scope group.

    A prefix-filtered similarity join: each statement indexes the rarest words of its prefix, so only pairs
    that share enough words are ever compared."""
    texts = [statement_tokens(str(m.rec.get("statement", ""))) for m in members]
    frequency_of = Counter(word for words in texts for word in set(words))
    index: dict[str, list[int]] = defaultdict(list)
    first_with: dict[tuple[str, ...], int] = {}
    identical: Counter[tuple[str, ...]] = Counter()
    for position, words in enumerate(texts):
        if not words:
            continue
        if words in first_with:
            yield members[position], members[first_with[words]], 1.0, identical[words]
            identical[words] += 1
            continue
        ordered = sorted(set(words), key=lambda w: (frequency_of[w], w))
        prefix = ordered[:len(ordered) - math.ceil(WORD_PREFILTER * len(ordered)) + 1]
        candidates = sorted({c for w in prefix for c in index.get(w, ())})
        matches = [(c, ratio) for c in candidates
                   if (ratio := similarity(texts[c], words)) >= REDUNDANCY_THRESHOLD]
        if matches:
            earliest, ratio = matches[0]
            yield members[position], members[earliest], ratio, sum(identical[texts[c]] for c, _ in matches)
        first_with[words] = position
        identical[words] = 1
        for w in prefix:
            index[w].append(position)


def _redundancy_findings(scopes: list[Scope]) -> Iterator[Finding]:
    groups: dict[tuple[Hashable, ...], list[Scope]] = defaultdict(list)
    for scope in scopes:
        if scope.rec.get("section") != SUMMARY_SECTION and isinstance(scope.rec.get("statement"), str):
            groups[(frozenset(scope.interventions), scope.direction, scope.conditions, scope.qualifiers,
                    scope.comparators)].append(scope)
    for members in groups.values():
        if len(members) < 2:
            continue
        for later, first, ratio, count in _near_duplicates(members):
            if first.rec.id == later.rec.id:
                continue
            others = f" and {count - 1} other record{'s' if count > 2 else ''}" if count > 1 else ""
            yield REDUNDANT.finding(later.rec.location("statement"),
                                    f"near-identical to {first.where}{others}: {ratio:.0%} similar, same "
                                    f"scope and direction",
                                    hint="keep one of the two, or make the difference explicit",
                                    related=(first.rec.location("statement"),), key=first.rec.id)


def concept_keys(record: Record, project: Project) -> Keys:
    """Records whose interventions are related: the same concept, one a kind of the other, or siblings (the
    keys ignore populations, so they find a few records more than are compared)."""
    vocabulary = project.vocabulary
    published: list[str] = []
    looked_up: list[str] = []
    for concept in _strings(record.data.get("intervention")):
        closure = vocabulary.with_ancestors(concept)
        parents = [f"parent:{p}" for p in (vocabulary.concepts[concept].parents if concept in vocabulary else ())]
        published += [f"concept:{concept}", *(f"below:{a}" for a in closure), *parents]
        looked_up += [*(f"concept:{a}" for a in closure), f"below:{concept}", *parents]
    return Keys(published, looked_up)


def dose_keys(record: Record, project: Project) -> Keys:
    """Records that dose the same agent."""
    agents = [f"dose:{d['agent']}" for d in record.list_of("dosing") if isinstance(d, dict) and isinstance(d.get("agent"), str)]
    return Keys(agents, agents)


def _pairs(ctx: Context) -> list[Finding]:
    # Many small objects and no cycles: the cyclic collector would rescan the whole corpus again and again.
    with gc_paused():
        return list(_direction_findings(advising_scopes(ctx), _Concepts(ctx.project.vocabulary)))


def _redundancy(ctx: Context) -> list[Finding]:
    with gc_paused():
        return list(_redundancy_findings(advising_scopes(ctx)))


@dataclass(frozen=True, eq=False)
class DoseEntry:
    scope: Scope
    position: int
    agent: str
    amount: Quantity
    route: str | None
    frequency: Frequency | None

    def daily(self) -> Quantity | None:
        if self.amount.per_day:
            return self.amount
        if self.frequency is not None and self.frequency.per_day is not None:
            times = self.frequency.per_day
            return Quantity(self.amount.low * times, self.amount.high * times, self.amount.unit, True)
        return None

    def signature(self) -> tuple[Hashable, ...]:
        return (self.route or "", self.amount, self.frequency)

    def describe(self) -> str:
        parts = [str(self.amount)]
        if self.route:
            parts.append(self.route)
        if self.frequency:
            parts.append(self.frequency.label)
        return " ".join(parts)

    def location_of(self, name: str) -> Location:
        raw = self.scope.rec.list_of("dosing")[self.position]
        path: tuple[str | int, ...] = ("dosing", self.position)
        if name in raw:
            path = (*path, name)
        return self.scope.rec.location(*path)


DoseKey = tuple[str, frozenset[str], str]


def _dose_entries(scope: Scope) -> Iterator[tuple[DoseKey, DoseEntry]]:
    for position, raw in enumerate(scope.rec.list_of("dosing")):
        if not isinstance(raw, dict) or raw.get("alternative") is True:
            continue
        agent, dose, unit = raw.get("agent"), raw.get("dose"), raw.get("unit")
        if (not isinstance(agent, str) or not isinstance(unit, str) or isinstance(dose, bool)
                or not isinstance(dose, (int, float))):
            continue
        dose_max = raw.get("dose_max")
        top = (float(dose_max) if isinstance(dose_max, (int, float)) and not isinstance(dose_max, bool)
               else None)
        qualifier = raw.get("qualifier")
        qualifiers = (_qualifier_set([qualifier]) if isinstance(qualifier, str) and qualifier.strip()
                      else scope.qualifiers)
        criterion = raw.get("criterion")
        criterion_key = normalise_term(criterion) if isinstance(criterion, str) else ""
        entry = DoseEntry(scope, position, agent, quantity(float(dose), top, unit),
                          route(raw["route"]) if isinstance(raw.get("route"), str) else None,
                          frequency(raw["frequency"]) if isinstance(raw.get("frequency"), str) else None)
        yield (agent, qualifiers, criterion_key), entry


def _regimen_difference(x: DoseEntry, y: DoseEntry) -> str | None:
    """Which of unit, dose or frequency differs between two entries on the same route (None: they agree)."""
    if x.amount.unit != y.amount.unit:
        return "unit"
    if x.frequency is not None and y.frequency is not None and not x.frequency.same_as(y.frequency):
        return "frequency"
    if x.amount.per_day or y.amount.per_day:
        daily_x, daily_y = x.daily(), y.daily()
        if daily_x is not None and daily_y is not None:
            return None if daily_x.overlaps(daily_y) else "dose"
    if x.amount.per_day == y.amount.per_day and not x.amount.overlaps(y.amount):
        return "dose"
    return None


def _dose_clash(mine: list[DoseEntry], theirs: list[DoseEntry]) -> tuple[int, int, str] | None:
    """(my entry, their entry, what differs): entries on a shared (or unstated) route must agree; two regimens
    with no route in common differ in route."""
    shared = False
    for left, right in ((mine, theirs), (theirs, mine)):
        for i, x in enumerate(left):
            same_route = [j for j, y in enumerate(right)
                          if x.route is None or y.route is None or x.route == y.route]
            if not same_route:
                continue
            shared = True
            differences = [_regimen_difference(x, right[j]) for j in same_route]
            if all(differences):
                return (i, same_route[0], str(differences[0])) if left is mine else (same_route[0], i,
                                                                                      str(differences[0]))
    if not shared and mine and theirs:
        return 0, 0, "route"
    return None


@dataclass(eq=False)
class _Regimen:
    """Records that dose one agent identically for one population and criterion."""

    conditions: frozenset[str]
    members: list[Scope] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    entries: list[list[DoseEntry]] = field(default_factory=list)


def _doses(ctx: Context) -> list[Finding]:
    with gc_paused():
        return list(_dose_conflicts(ctx))


def _dose_conflicts(ctx: Context) -> Iterator[Finding]:
    concepts = _Concepts(ctx.project.vocabulary)
    per_scope: dict[tuple[int, DoseKey], list[DoseEntry]] = defaultdict(list)
    for scope in advising_scopes(ctx):
        if scope.direction == "for":
            for key, entry in _dose_entries(scope):
                per_scope[(scope.index, key)].append(entry)
    regimens: dict[DoseKey, dict[tuple[Hashable, ...], _Regimen]] = defaultdict(dict)
    for (_, key), entries in per_scope.items():
        entries.sort(key=lambda e: repr(e.signature()))
        scope = entries[0].scope
        signature = (scope.conditions, tuple(e.signature() for e in entries))
        regimen = regimens[key].setdefault(signature, _Regimen(scope.conditions))
        regimen.members.append(scope)
        regimen.positions.append(scope.index)
        regimen.entries.append(entries)
    for key, by_signature in regimens.items():
        if len(by_signature) < 2:
            continue
        for a, b in _regimen_pairs(list(by_signature.values()), concepts):
            clash = _dose_clash(a.entries[0], b.entries[0])
            if clash is not None:
                yield from _dose_findings(key, a, b, clash)
                yield from _dose_findings(key, b, a, (clash[1], clash[0], clash[2]))


def _regimen_pairs(groups: list[_Regimen], concepts: _Concepts) -> Iterator[tuple[_Regimen, _Regimen]]:
    """Pairs of regimens (of one agent, population qualifier and criterion) whose conditions overlap."""
    index: _PopulationIndex[int] = _PopulationIndex(concepts)
    for position, group in enumerate(groups):
        index.add(None, group.conditions, position)
    seen: set[tuple[int, int]] = set()
    for position, group in enumerate(groups):
        for other in index.get(None, group.conditions):
            pair = (position, other) if position < other else (other, position)
            if other == position or pair in seen:
                continue
            seen.add(pair)
            if concepts.conditions_overlap(group.conditions, groups[other].conditions):
                yield groups[pair[0]], groups[pair[1]]


def _dose_findings(key: DoseKey, mine: _Regimen, theirs: _Regimen,
                   clash: tuple[int, int, str]) -> Iterator[Finding]:
    mine_at, theirs_at, what = clash
    population = ", ".join(sorted(key[1])) or "no qualifier"
    criterion = f", criterion '{key[2]}'" if key[2] else ""
    for later, entries in zip(mine.members, mine.entries):
        count = bisect_left(theirs.positions, later.index)
        if not count or theirs.members[0].rec.id == later.rec.id:
            continue
        here, there = entries[mine_at], theirs.entries[0][theirs_at]
        first = theirs.members[0]
        others = f" and {count - 1} other record{'s' if count > 2 else ''}" if count > 1 else ""
        yield DOSE_CONFLICT.finding(
            here.location_of(what),
            f"{key[0]} {here.describe()} here but {there.describe()} in {first.where}{others}: the {what} "
            f"differs for the same population ({population}{criterion})",
            hint="make the doses agree, mark one entry 'alternative: true', or add a 'criterion' that says "
                 "when each applies",
            related=(there.location_of(what),), key=f"{first.rec.id} {key[0]}")


CHECKS = (
    Check("conflicts", (CONTRADICTION, TENSION, DISAGREEMENT), _pairs, slow=True, keys=(concept_keys,)),
    Check("redundancy", (REDUNDANT,), _redundancy, slow=True, keys=(concept_keys,)),
    Check("dose-conflicts", (DOSE_CONFLICT,), _doses, keys=(dose_keys,)),
)
