"""Structural checks: unique ids, sections and groups that exist, known concepts and grades."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from guideline.checks.base import Check, Context, Keys, id_key, id_keys
from guideline.corpus.model import Record
from guideline.corpus.project import Project
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

DUPLICATE_ID = Rule("ID001", "Duplicate id", Severity.ERROR,
                    "Two records of the same kind share an id (or two vocabulary concepts do). Ids must be unique "
                    "across the whole corpus, not just within a file or topic: citations, approvals and reports "
                    "refer to them.")
UNKNOWN_SECTION = Rule("TOP001", "Unknown section or group", Severity.ERROR,
                       "A recommendation names a section (or a group within it) that its topic does not define.")
BAD_SUMMARY = Rule("TOP002", "Summary not found", Severity.ERROR,
                   "The topic's summary must be the id of one of its recommendations whose section is 'summary'.")
UNKNOWN_CONCEPT = Rule("VOC001", "Unknown concept", Severity.ERROR,
                       "An intervention, comparator, condition or dosing agent is not a concept id of the "
                       "vocabulary (guidelines/vocabulary.yaml). Add the concept or fix the id.")
VOCABULARY_STRUCTURE = Rule("VOC002", "Broken is-a hierarchy", Severity.ERROR,
                            "A vocabulary concept names a parent that does not exist, or the is-a links form "
                            "a cycle.")
UNKNOWN_SCHEME = Rule("GRD001", "Unknown grading scheme", Severity.ERROR,
                      "The strength names a grading scheme (or version) that grading-schemes.yaml does not define.")
UNKNOWN_GRADE = Rule("GRD002", "Grade not in scheme", Severity.ERROR,
                     "The native grade does not exist in the record's grading scheme or its version "
                     "(e.g. 'Limited' in AAOS 2010, which called it 'Weak').")
CLASS_MISMATCH = Rule("GRD003", "Strength class does not match grade", Severity.ERROR,
                      "The normalised class differs from the one the grading scheme maps the native grade to.")

SUMMARY_SECTION = "summary"


def _duplicate_ids(ctx: Context) -> Iterator[Finding]:
    for kind in ("topic", "recommendation", "reference"):
        for record_id, records in ctx.corpus.by_id(kind).items():
            first = records[0]
            for other in records[1:]:
                yield DUPLICATE_ID.finding(
                    other.location("id"), f"{kind} id '{record_id}' is already used at {first.file}:{first.line}",
                    hint="give this record a new id; ids are never reused", related=(first.location("id"),))
    yield from _duplicate_concepts(ctx)


def _duplicate_concepts(ctx: Context) -> Iterator[Finding]:
    """The vocabulary keeps the first of two concepts with one id; the second (and its parents) would vanish."""
    doc = ctx.project.data_documents.get(ctx.project.data_file("vocabulary.yaml"))
    concepts = doc.data.get("concepts") if doc is not None and isinstance(doc.data, dict) else None
    if doc is None or not isinstance(concepts, list):
        return
    first: dict[str, int] = {}
    for index, item in enumerate(concepts):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        if item["id"] in first:
            # Positions only for the findings: unpacking them for every concept costs a tenth of a second.
            where = doc.location(("concepts", index, "id"), item["id"])
            earlier = doc.location(("concepts", first[item["id"]], "id"), item["id"])
            yield DUPLICATE_ID.finding(where, f"concept id '{item['id']}' is already used at {earlier.file}:"
                                       f"{earlier.line}", hint="merge the two concepts into one entry",
                                       related=(earlier,))
        else:
            first[item["id"]] = index


def topic_keys(record: Record, project: Project) -> Keys:
    """The records of a topic, the topic's summary, and other records with the same id."""
    named = (id_key(record.data["summary"]),) if isinstance(record.data.get("summary"), str) else ()
    own = (f"topic:{record.topic}", id_key(record.id)) if record.topic else (id_key(record.id),)
    return Keys(own, (*own, *named))


def _sections(ctx: Context) -> Iterator[Finding]:
    topic_sections: dict[str, dict[str, set[str]]] = {}
    for topic in ctx.corpus.topics:
        sections: dict[str, set[str]] = {}
        for section in topic.list_of("sections"):
            if isinstance(section, dict) and isinstance(section.get("id"), str):
                sections[section["id"]] = {g["id"] for g in section.get("groups") or []
                                           if isinstance(g, dict) and isinstance(g.get("id"), str)}
        topic_sections[topic.id] = sections
        summary_id = topic.get("summary")
        if isinstance(summary_id, str) and topic.valid:
            summary = ctx.corpus.first("recommendation", summary_id)
            if summary is None or summary.topic != topic.id or summary.get("section") != SUMMARY_SECTION:
                yield BAD_SUMMARY.finding(
                    topic.location("summary"),
                    f"summary '{summary_id}' is not a recommendation of this topic in section '{SUMMARY_SECTION}'")
    for rec in ctx.corpus.recommendations:
        if not rec.valid:
            continue
        known_sections = topic_sections.get(rec.topic or "")
        section = rec.get("section")
        if known_sections is None or not isinstance(section, str) or section == SUMMARY_SECTION:
            continue
        sections = known_sections
        if section not in sections:
            yield UNKNOWN_SECTION.finding(rec.location("section"), f"section '{section}' is not defined in the topic",
                                          hint=_suggest(section, sections), key=section)
            continue
        group = rec.get("group")
        if isinstance(group, str) and group not in sections[section]:
            yield UNKNOWN_SECTION.finding(rec.location("group"), f"group '{group}' is not defined in section "
                                          f"'{section}'", hint=_suggest(group, sections[section]), key=group)


def _suggest(value: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return _did_you_mean(close[0] if close else None)


def _did_you_mean(option: str | None) -> str | None:
    return f"did you mean '{option}'?" if option else None


def concept_fields(rec: Record) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(field path, concept id) for every concept a recommendation refers to."""
    for name in ("intervention", "comparator"):
        for index, value in enumerate(rec.list_of(name)):
            if isinstance(value, str):
                yield (name, index), value
    population = rec.get("population")
    if isinstance(population, dict) and isinstance(population.get("condition"), list):
        for index, value in enumerate(population["condition"]):
            if isinstance(value, str):
                yield ("population", "condition", index), value
    for index, dose in enumerate(rec.list_of("dosing")):
        if isinstance(dose, dict) and isinstance(dose.get("agent"), str):
            yield ("dosing", index, "agent"), dose["agent"]


def _concepts(ctx: Context) -> Iterator[Finding]:
    vocabulary = ctx.project.vocabulary
    for rec in ctx.corpus.recommendations:
        if not rec.valid:
            continue
        for path, concept in concept_fields(rec):
            if concept not in vocabulary:
                yield UNKNOWN_CONCEPT.finding(rec.location(*path), f"concept '{concept}' is not in the vocabulary",
                                              hint=_did_you_mean(vocabulary.closest(concept))
                                              or "add it to guidelines/vocabulary.yaml",
                                              key=concept)


def _vocabulary(ctx: Context) -> Iterator[Finding]:
    vocabulary = ctx.project.vocabulary
    doc = ctx.project.data_documents.get(ctx.project.data_file("vocabulary.yaml"))
    path = doc.path if doc else "guidelines/vocabulary.yaml"
    for concept in vocabulary.concepts.values():
        for parent in concept.parents:
            if parent not in vocabulary:
                yield VOCABULARY_STRUCTURE.finding(Location(path, concept.line, 1, concept.id),
                                                   f"parent '{parent}' of '{concept.id}' is not a concept",
                                                   hint=_did_you_mean(vocabulary.closest(parent)), key=parent)
    for concept_id in vocabulary.cycles():
        concept = vocabulary.concepts[concept_id]
        yield VOCABULARY_STRUCTURE.finding(Location(path, concept.line, 1, concept_id),
                                           f"'{concept_id}' is its own ancestor (is-a cycle)", key="cycle")


def _grades(ctx: Context) -> Iterator[Finding]:
    grading = ctx.project.grading
    for rec in ctx.corpus.recommendations:
        if not rec.valid:
            continue
        strength = rec.get("strength")
        if not isinstance(strength, dict) or not isinstance(strength.get("scheme"), str):
            continue
        scheme, grade = strength["scheme"], strength.get("grade")
        version = str(strength["version"]) if strength.get("version") is not None else None
        if scheme not in grading.scheme_ids():
            yield UNKNOWN_SCHEME.finding(rec.location("strength", "scheme"), f"grading scheme '{scheme}' is unknown",
                                         hint=_suggest(scheme, grading.scheme_ids()), key=scheme)
            continue
        grades = grading.grades_of(scheme, version)
        if grades is None:
            versions = ", ".join(v or "(none)" for v in grading.versions(scheme))
            yield UNKNOWN_SCHEME.finding(rec.location("strength", "version" if version else "scheme"),
                                         f"{scheme} has no version '{version}'" if version else
                                         f"{scheme} has several versions; name one", hint=f"versions: {versions}",
                                         key=f"{scheme}/{version}")
            continue
        if not isinstance(grade, str):
            continue
        known = grading.lookup(scheme, version, grade)
        label = f"{scheme} {version}" if version else scheme
        if known is None:
            yield UNKNOWN_GRADE.finding(rec.location("strength", "grade"),
                                        f"'{grade}' is not a grade of {label}",
                                        hint="grades: " + ", ".join(g.grade for g in grades.values()), key=grade)
            continue
        declared = strength.get("class")
        if isinstance(declared, str) and declared != known.strength_class:
            yield CLASS_MISMATCH.finding(rec.location("strength", "class"),
                                         f"class '{declared}' does not match {label} '{known.grade}', which maps "
                                         f"to '{known.strength_class}' ({known.mapping})",
                                         hint=f"set class: {known.strength_class}", key=declared)


CHECKS = (
    Check("duplicate-ids", (DUPLICATE_ID,), _duplicate_ids, keys=(id_keys,)),
    Check("sections", (UNKNOWN_SECTION, BAD_SUMMARY), _sections, keys=(topic_keys,)),
    Check("concepts", (UNKNOWN_CONCEPT,), _concepts, per_record=True),
    Check("vocabulary", (VOCABULARY_STRUCTURE,), _vocabulary, keys=()),
    Check("grades", (UNKNOWN_SCHEME, UNKNOWN_GRADE, CLASS_MISMATCH), _grades, per_record=True),
)
