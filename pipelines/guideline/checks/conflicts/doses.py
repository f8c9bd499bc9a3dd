"""Conflicting doses (CON005): one agent dosed differently for the same population, with no criterion
between."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

from guideline.checks.base import Context, Keys
from guideline.checks.conflicts.scopes import Concepts, PopulationIndex, Scope, advising_scopes, qualifier_set
from guideline.corpus.loader import gc_paused
from guideline.corpus.model import Record
from guideline.corpus.project import Project
from guideline.corpus.units import Frequency, Quantity, frequency, quantity, route
from guideline.corpus.vocabulary import normalise_term
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

DOSE_CONFLICT = Rule(
    "CON005", "Conflicting doses", Severity.ERROR,
    "The same agent is dosed differently (dose, unit, route or frequency) for the same population qualifier "
    "in two records, and no criterion separates the two. Doses are compared after unit normalisation (g, mg "
    "and mcg convert; IU stays IU; mg/day equals mg daily; a range matches any dose inside it). Entries with "
    "a 'criterion' (e.g. a renal dose reduction, 'CrCl < 30 mL/min') are compared only with entries of the "
    "same criterion; entries marked 'alternative: true' and entries within one record are never compared.")


def dose_keys(record: Record, project: Project) -> Keys:
    """Records that dose the same agent."""
    agents = [f"dose:{d['agent']}" for d in record.list_of("dosing") if isinstance(d, dict) and isinstance(d.get("agent"), str)]
    return Keys(agents, agents)


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
        qualifiers = (qualifier_set([qualifier]) if isinstance(qualifier, str) and qualifier.strip()
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


def run(ctx: Context) -> list[Finding]:
    with gc_paused():
        return list(_dose_conflicts(ctx))


def _dose_conflicts(ctx: Context) -> Iterator[Finding]:
    concepts = Concepts(ctx.project.vocabulary)
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


def _regimen_pairs(groups: list[_Regimen], concepts: Concepts) -> Iterator[tuple[_Regimen, _Regimen]]:
    """Pairs of regimens (of one agent, population qualifier and criterion) whose conditions overlap."""
    index: PopulationIndex[int] = PopulationIndex(concepts)
    for position, group in enumerate(groups):
        index.add(None, group.conditions, position)
    seen: set[tuple[int, int]] = set()
    for position, group in enumerate(groups):
        for other in index.get(None, group.conditions):
            pair = (position, other) if position < other else (other, position)
            if other == position or pair in seen:
                continue
            seen.add(pair)
            # A dose for a named condition next to one for no condition is a population's own dose (as with a
            # qualifier), not a conflict.
            if (bool(group.conditions) == bool(groups[other].conditions)
                    and concepts.conditions_overlap(group.conditions, groups[other].conditions)):
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

