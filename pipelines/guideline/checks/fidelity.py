"""Source fidelity: a record that restates a source guideline's recommendation (`restates:`) says what the
source says: the same interventions (or narrower ones), direction and grade, for a population that keeps the
source's qualifiers. The sources are project data (guidelines/sources/, corpus/sources.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from guideline.checks.base import Check, Context
from guideline.checks.consistency import strength_class
from guideline.corpus.model import INACTIVE_STATES, Record
from guideline.corpus.sources import SourceGuideline, SourceRecommendation, load_sources
from guideline.corpus.vocabulary import Vocabulary, normalise_term
from guideline.findings import Finding, Severity
from guideline.rules import Rule

UNKNOWN_SOURCE = Rule(
    "SRC001", "Unknown source recommendation", Severity.ERROR,
    "restates.source names no source guideline of guidelines/sources/, or restates.recommendation names no "
    "recommendation of that source.")
INTERVENTIONS_DIFFER = Rule(
    "SRC002", "Interventions differ from the source", Severity.ERROR,
    "The record names an intervention that the source recommendation it restates does not name: neither one "
    "of the source's concepts nor a kind of one (vocabulary is-a). A broader class counts as different: "
    "'bisphosphonates' restating a recommendation on ibandronate also takes in drugs the source never "
    "assessed. Naming fewer of the source's interventions is not reported. Not checked when the record "
    "explains the departure in restates.adaptation.")
DIRECTION_DIFFERS = Rule(
    "SRC003", "Direction differs from the source", Severity.ERROR,
    "The record's direction (for, against, none) is not the direction of the source recommendation it "
    "restates. Not checked when the record explains the departure in restates.adaptation.")
GRADE_DIFFERS = Rule(
    "SRC004", "Grade differs from the source", Severity.WARNING,
    "The record's grade is not the source's: in the source's own scheme the grade labels must be equal; in "
    "another scheme (or ungraded) the normalised strength classes must be. Not checked when the record "
    "explains the departure in restates.adaptation.")
POPULATION_DIFFERS = Rule(
    "SRC005", "Population qualifier of the source dropped", Severity.WARNING,
    "The source recommendation is limited by population qualifiers (e.g. 'neurologically intact') that the "
    "record's population.qualifiers do not keep, so the record applies the recommendation to patients the "
    "source did not. Qualifiers are compared as normalised text. Not checked when the record explains the "
    "departure in restates.adaptation.")
SOURCE_TERMS = Rule(
    "SRC006", "Source guideline names an unknown concept or grade", Severity.WARNING,
    "A recommendation of a source guideline (guidelines/sources/) names an intervention that is not a concept of "
    "guidelines/vocabulary.yaml, or a grade that its grading scheme does not define: records restating it "
    "cannot be compared on that point.")

RULES = (UNKNOWN_SOURCE, INTERVENTIONS_DIFFER, DIRECTION_DIFFERS, GRADE_DIFFERS, POPULATION_DIFFERS,
         SOURCE_TERMS)
# How many members of a broader class a message names before it says "and N more".
SHOWN_MEMBERS = 4


def _named(items: list[str] | tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _members_not_named(vocabulary: Vocabulary, concept: str, named: tuple[str, ...]) -> list[str]:
    """The kinds of concept that the source does not name (nor a kind of, nor a class of)."""
    return sorted(other for other in vocabulary.concepts
                  if other != concept and vocabulary.is_a(other, concept)
                  and not any(vocabulary.related(other, n) for n in named))


def _interventions(rec: Record, source: SourceGuideline, said: SourceRecommendation,
                   vocabulary: Vocabulary) -> Iterator[Finding]:
    named = said.interventions
    if named is None:
        return
    mine = [c for c in rec.list_of("intervention") if isinstance(c, str)]
    outside = [c for c in mine if not any(vocabulary.is_a(c, n) for n in named)]
    if not outside:
        return
    shown = []
    for concept in outside:
        members = _members_not_named(vocabulary, concept, named)
        if members and any(vocabulary.is_a(n, concept) for n in named):
            more = f" and {len(members) - SHOWN_MEMBERS} more" if len(members) > SHOWN_MEMBERS else ""
            shown.append(f"{concept} (a class that also takes in {', '.join(members[:SHOWN_MEMBERS])}{more})")
        else:
            shown.append(concept)
    yield INTERVENTIONS_DIFFER.finding(
        rec.location("intervention"),
        f"names {_named(shown)}; {source.label} recommendation {said.number} names {_named(named)}",
        hint="name what the source names, or explain the departure in restates.adaptation",
        related=(source.location(said),), key=" ".join(outside))


def _direction(rec: Record, source: SourceGuideline, said: SourceRecommendation) -> Iterator[Finding]:
    direction = rec.get("direction")
    if said.direction and direction != said.direction:
        yield DIRECTION_DIFFERS.finding(
            rec.location("direction" if "direction" in rec.data else "statement"),
            f"direction '{direction}' here; {source.label} recommendation {said.number} is '{said.direction}'",
            hint=f"set direction: {said.direction}, or explain the departure in restates.adaptation",
            related=(source.location(said),), key="direction")


def _grade(rec: Record, source: SourceGuideline, said: SourceRecommendation, ctx: Context) -> Iterator[Finding]:
    strength = rec.get("strength") if isinstance(rec.get("strength"), dict) else {}
    if said.grade is None or source.scheme is None:
        return
    grade = strength.get("grade")
    version = str(strength["version"]) if strength.get("version") is not None else None
    same_scheme = strength.get("scheme") == source.scheme and (version or source.version) == (
        source.version or version)
    if same_scheme:
        if isinstance(grade, str) and normalise_term(grade) == normalise_term(said.grade):
            return
        mine = f"grade '{grade}'"
    else:
        expected = ctx.project.grading.lookup(source.scheme, source.version, said.grade)
        declared = strength_class(rec, ctx.project.grading)
        if expected is None or declared == expected.strength_class:
            return
        mine = f"strength class '{declared}' ({strength.get('scheme')} {grade})"
    yield GRADE_DIFFERS.finding(
        rec.location("strength" if "strength" in rec.data else "statement"),
        f"{mine} here; {source.label} recommendation {said.number} grades it {said.grade}",
        hint=f"grade it as the source does ({source.scheme} {source.version or ''} {said.grade}), or explain "
             f"the departure in restates.adaptation",
        related=(source.location(said),), key="strength")


def _population(rec: Record, source: SourceGuideline, said: SourceRecommendation) -> Iterator[Finding]:
    population: Any = rec.get("population")
    qualifiers = population.get("qualifiers") if isinstance(population, dict) else None
    kept = {normalise_term(q) for q in qualifiers or () if isinstance(q, str)}
    dropped = [text for key, text in said.qualifiers.items() if key not in kept]
    if dropped:
        yield POPULATION_DIFFERS.finding(
            rec.location("population" if isinstance(population, dict) else "statement"),
            f"{source.label} recommendation {said.number} is limited to {_named([repr(d) for d in dropped])} "
            f"patients; this record's population.qualifiers leave that out",
            hint=f"add {_named([repr(d) for d in dropped])} to population.qualifiers, or explain the departure "
                 f"in restates.adaptation",
            related=(source.location(said),), key=" ".join(dropped))


def _fidelity(ctx: Context) -> Iterator[Finding]:
    # Loaded before anything else, also for an empty corpus: the files read become part of the cache key of the
    # per-record findings (engine/pipeline.py, file_checks).
    sources = load_sources(ctx.project)
    for rec in ctx.corpus.recommendations:
        restates = rec.get("restates")
        if not rec.valid or not isinstance(restates, dict) or rec.get("review_state") in INACTIVE_STATES:
            continue
        source = sources.get(str(restates.get("source")))
        said = source.recommendations.get(str(restates.get("recommendation"))) if source else None
        if source is None or said is None:
            yield _unknown(rec, restates, source)
            continue
        if restates.get("adaptation"):
            continue
        yield from _interventions(rec, source, said, ctx.project.vocabulary)
        yield from _direction(rec, source, said)
        yield from _grade(rec, source, said, ctx)
        yield from _population(rec, source, said)


def _unknown(rec: Record, restates: dict[str, Any], source: SourceGuideline | None) -> Finding:
    if source is None:
        return UNKNOWN_SOURCE.finding(
            rec.location("restates", "source"),
            f"'{restates.get('source')}' is not a source guideline of guidelines/sources/",
            hint="add the source under guidelines/sources/, or correct restates.source", key="source")
    return UNKNOWN_SOURCE.finding(
        rec.location("restates", "recommendation"),
        f"{source.label} has no recommendation '{restates.get('recommendation')}'",
        hint="recommendations: " + ", ".join(source.recommendations), key="recommendation")


def _source_terms(ctx: Context) -> Iterator[Finding]:
    """Run once per validation, not per file: the findings are about the source files."""
    vocabulary, grading = ctx.project.vocabulary, ctx.project.grading
    for source in load_sources(ctx.project).values():
        for said in source.recommendations.values():
            at = ("recommendations", said.index)
            for position, concept in enumerate(said.interventions or ()):
                if concept not in vocabulary:
                    yield SOURCE_TERMS.finding(
                        source.doc.location((*at, "intervention", position), said.id),
                        f"{source.label} recommendation {said.number} names '{concept}', which is not a "
                        f"vocabulary concept", hint="add the concept to guidelines/vocabulary.yaml, or correct "
                                                    "the id", key=concept)
            if (source.scheme and said.grade
                    and grading.lookup(source.scheme, source.version, said.grade) is None):
                yield SOURCE_TERMS.finding(
                    source.doc.location((*at, "grade"), said.id),
                    f"{source.label} recommendation {said.number}: grade '{said.grade}' is not a grade of "
                    f"{source.scheme} {source.version or ''}".rstrip(),
                    hint="use the scheme's own label (guidelines/grading-schemes.yaml)", key=said.grade)


CHECKS = (
    Check("source-fidelity", RULES[:-1], _fidelity, per_record=True),
    Check("source-terms", (SOURCE_TERMS,), _source_terms, keys=()),
)
