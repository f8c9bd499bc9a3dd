"""Draft records from a parsed article, and the article's own defects (citations, references) as findings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guideline.findings import Finding, Location
from guideline.importer.extract import Extraction, Extractor, StatementInput
from guideline.importer.parse import Article, Reference, Statement
from guideline.importer.rules import (
    DUPLICATE_REFERENCE,
    MALFORMED_CITATIONS,
    NO_REFERENCES,
    NOT_AN_ARTICLE,
    NOT_EXTRACTED,
    UNCITED_REFERENCE,
    UNCITED_STATEMENT,
    UNKNOWN_CITATION,
    UNKNOWN_REFERENCE_TYPE,
)

SUMMARY_SECTION = "summary"
DRAFT = "draft"
DEFAULT_AUDIENCE = ("clinicians",)
GENERAL_SECTION = ("general", "General")
TOPIC_EXTRACTED = ("question", "title", "audience", "last_updated")
REFERENCE_EXTRACTED = ("type", "title", "source", "year", "listed_as")
RECORD_ORDER = ("id", "section", "group", "statement", "statement_type", "direction", "strength", "certainty",
                "population", "intervention", "comparator", "dosing", "citations", "review_state", "superseded_by",
                "last_reviewed", "provenance", "notes")
_GROUP_STOP_WORDS = frozenset({"a", "an", "the", "is", "are", "be", "must", "should", "will", "can", "may", "to"})
_LEAD_PREFIX_RE = re.compile(r"^(?:for|in|among)\s+(?:(?:all\s+)?patients\s+(?:with|at|who\s+(?:are|have)|on)\s+)?",
                             re.IGNORECASE)
_MAX_SLUG_WORDS = 8
_ID_MAX = 120


def slug(text: str, *, max_words: int = _MAX_SLUG_WORDS, drop_parenthetical: bool = True) -> str:
    if drop_parenthetical:
        text = re.sub(r"\([^)]*\)", " ", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())[:max_words]
    return "-".join(words)[:_ID_MAX].strip("-")


def group_slug(lead: str) -> str:
    text = _LEAD_PREFIX_RE.sub("", lead.strip().rstrip(":"))
    words = [w for w in re.findall(r"[a-z0-9]+", slug(text, max_words=40).replace("-", " "))
             if w not in _GROUP_STOP_WORDS]
    return "-".join(words[:6])


def _unique(base: str, used: set[str], fallback: str) -> str:
    base = base or fallback
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    used.add(candidate)
    return candidate


def record_id(topic: str, number: int) -> str:
    return f"{topic}-{number:02d}"


def reference_id(topic: str, number: int) -> str:
    return f"{topic}-ref-{number}"


def ordered(record: Mapping[str, Any], order: tuple[str, ...] = RECORD_ORDER) -> dict[str, Any]:
    out = {key: record[key] for key in order if key in record}
    out.update((key, value) for key, value in record.items() if key not in out)
    return out


@dataclass
class Draft:
    topic_id: str
    topic: dict[str, Any]
    recommendations: list[dict[str, Any]]
    references: list[dict[str, Any]]
    findings: list[Finding]
    # Article order of (record id, article line) and what each record's extraction was based on.
    extractions: dict[str, Extraction] = field(default_factory=dict)

    @property
    def importable(self) -> bool:
        return bool(self.recommendations)


def build_draft(article: Article, extractor: Extractor, topic_id: str, source_file: str) -> Draft:
    findings = list(article.findings)
    where = article.path
    if article.summary is None and not article.statements:
        findings.append(NOT_AN_ARTICLE.finding(
            Location(where, 1, 1), "no statement found: no bullets, no summary paragraph, no cited prose",
            hint="check that the file is an article in the site's plain-text layout"))
        return Draft(topic_id, {}, [], [], findings)

    sections, section_ids, group_ids = _sections(article)
    numbered: list[tuple[str, Statement]] = []
    if article.summary is not None:
        numbered.append((record_id(topic_id, 0), article.summary))
    numbered.extend((record_id(topic_id, n), s) for n, s in enumerate(article.statements, 1))
    conditions = extractor.topic_conditions(article.title, article.question)
    extractions = extractor.extract_all(_inputs(article, numbered), conditions)

    references = article.references
    ref_ids = {ref.number: reference_id(topic_id, ref.number) for ref in references}
    cited: set[int] = set()
    recommendations: list[dict[str, Any]] = []
    by_id: dict[str, Extraction] = {}
    first_citation: Location | None = None
    for (rec_id, statement), extraction in zip(numbered, extractions, strict=True):
        by_id[rec_id] = extraction
        placed = _placement(statement, statement is article.summary, section_ids, group_ids)
        citations = [ref_ids.get(n, reference_id(topic_id, n)) for n in statement.citations.numbers]
        recommendations.append(_record(rec_id, statement, extraction, placed, citations, source_file))

        cites = statement.citations
        at = Location(where, cites.line or statement.line, cites.column or 1, rec_id)
        if cites.present and first_citation is None:
            first_citation = at
        cited.update(cites.numbers)
        findings.extend(_citation_findings(statement, at, rec_id, references, topic_id))
        if extraction.missing:
            findings.append(NOT_EXTRACTED.finding(
                Location(where, statement.line, 1, rec_id), "not extracted: " + "; ".join(extraction.missing),
                hint="fill the field in by hand, or add the concept to guidelines/vocabulary.yaml and re-import "
                     "with --update"))

    if not article.references_line:
        findings.append(NO_REFERENCES.finding(first_citation or Location(where, 1, 1),
                                              "the article has no References block; no citation can be resolved",
                                              hint="add the References block to the article and re-import"))
    findings.extend(_reference_findings(article, cited, where))
    topic = _topic(article, topic_id, sections, source_file, numbered)
    bibliography = [_reference(ref, topic_id, source_file, references) for ref in references]
    return Draft(topic_id, topic, recommendations, bibliography, findings, by_id)


def _sections(article: Article) -> tuple[list[dict[str, Any]], list[str], list[list[str]]]:
    """The topic's section entries, the id of each section and the ids of each section's groups."""
    section_ids: list[str] = []
    group_ids: list[list[str]] = []
    used: set[str] = {SUMMARY_SECTION}
    sections: list[dict[str, Any]] = []
    used_groups: set[str] = set()
    for section in article.sections:
        title = section.title or GENERAL_SECTION[1]
        section_id = _unique(slug(title) if section.title else GENERAL_SECTION[0], used, "section")
        section_ids.append(section_id)
        entry: dict[str, Any] = {"id": section_id, "title": title}
        ids = [_unique(group_slug(g.lead), used_groups, "group") for g in section.groups]
        group_ids.append(ids)
        if section.groups:
            entry["groups"] = [{"id": gid, "lead": g.lead} for gid, g in zip(ids, section.groups, strict=True)]
        sections.append(entry)
    if not sections:
        sections.append({"id": GENERAL_SECTION[0], "title": GENERAL_SECTION[1]})
    return sections, section_ids, group_ids


def _inputs(article: Article, numbered: list[tuple[str, Statement]]) -> list[StatementInput]:
    inputs = []
    for _, statement in numbered:
        home = article.sections[statement.section] if statement.section is not None else None
        lead = home.groups[statement.group].lead if home and statement.group is not None else None
        key = (statement.section, statement.group) if statement.section is not None else None
        inputs.append(StatementInput(statement.text, lead, home.title if home else None, key))
    return inputs


def _placement(statement: Statement, is_summary: bool, section_ids: list[str],
               group_ids: list[list[str]]) -> dict[str, str]:
    """The record's section and group fields."""
    if is_summary:
        return {"section": SUMMARY_SECTION}
    if statement.section is None:
        return {"section": "general"}
    placed = {"section": section_ids[statement.section]}
    if statement.group is not None:
        placed["group"] = group_ids[statement.section][statement.group]
    return placed


def _record(rec_id: str, statement: Statement, extraction: Extraction, placed: dict[str, str],
            citations: list[str], source_file: str) -> dict[str, Any]:
    record: dict[str, Any] = {"id": rec_id, **placed, "statement": statement.text}
    record.update(extraction.fields)
    notes = record.pop("notes", None)
    record["citations"] = citations
    record["review_state"] = DRAFT
    extracted = ["statement", "citations", *(k for k in extraction.fields)]
    record["provenance"] = {"file": source_file, "line": statement.line, "method": "import",
                            "extracted": extracted}
    if notes:
        record["notes"] = notes
    return record


def _citation_findings(statement: Statement, at: Location, rec_id: str, references: tuple[Reference, ...],
                       topic_id: str) -> list[Finding]:
    cites = statement.citations
    out: list[Finding] = []
    if cites.malformed:
        out.append(MALFORMED_CITATIONS.finding(
            at, f"malformed citation list '{cites.malformed}'",
            hint="write the numbers from 1 up, separated by single commas, e.g. '2, 4'", key=cites.malformed))
    if not cites.present:
        hint = "add the citation numbers at the end of the line"
        if cites.held_back:
            hint = (f"the trailing '{cites.held_back}' follows a word that takes a number, so it was read as "
                    "text; if it is a citation, write it after the sentence's last word")
        out.append(UNCITED_STATEMENT.finding(Location(at.file, statement.line, 1, rec_id),
                                             "statement has no citation", hint=hint))
    if references:
        for number in dict.fromkeys(cites.numbers):
            if number > len(references):
                out.append(UNKNOWN_CITATION.finding(
                    at, f"citation {number} has no entry in the References block (it lists {len(references)})",
                    hint=f"add reference {number} to the article or correct the number; the draft cites "
                         f"'{reference_id(topic_id, number)}', which validate reports as unresolved",
                    key=str(number)))
    return out


def _normalised(text: str | None) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))


def _reference_findings(article: Article, cited: set[int], where: str) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[tuple[str, str, int | None], Reference] = {}
    for ref in article.references:
        at = Location(where, ref.line, 1)
        if ref.type is None:
            out.append(UNKNOWN_REFERENCE_TYPE.finding(
                at, f"reference type '{ref.listed_as}' is not recognised; imported as 'other'",
                hint="set the reference's type in the draft (guideline, systematic-review, rct, cohort, ...)",
                key=ref.listed_as))
        if ref.number not in cited:
            out.append(UNCITED_REFERENCE.finding(at, f"reference {ref.number} is never cited",
                                                 hint="cite it where it belongs, or drop it from the article",
                                                 key=str(ref.number)))
        key = (_normalised(ref.title), _normalised(ref.source), ref.year)
        if ref.title:
            first = seen.get(key)
            if first is not None:
                out.append(DUPLICATE_REFERENCE.finding(
                    at, f"reference {ref.number} repeats reference {first.number}",
                    hint=f"merge them in the article and cite {first.number} only",
                    related=(Location(where, first.line, 1),), key=str(ref.number)))
            else:
                seen[key] = ref
    return out


def _topic(article: Article, topic_id: str, sections: list[dict[str, Any]], source_file: str,
           numbered: list[tuple[str, Statement]]) -> dict[str, Any]:
    topic: dict[str, Any] = {"id": topic_id}
    extracted = []
    if article.question:
        topic["question"] = article.question
        extracted.append("question")
    if article.title:
        topic["title"] = article.title
        extracted.append("title")
    if article.summary is not None:
        topic["summary"] = numbered[0][0]
    topic["audience"] = list(DEFAULT_AUDIENCE)
    extracted.append("audience")
    if article.last_updated:
        topic["last_updated"] = article.last_updated
        extracted.append("last_updated")
    topic["review_state"] = DRAFT
    topic["sections"] = sections
    topic["provenance"] = {"file": source_file, "line": article.title_line or 1, "method": "import",
                           "extracted": extracted}
    return topic


def _reference(ref: Reference, topic_id: str, source_file: str, references: tuple[Reference, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": reference_id(topic_id, ref.number), "type": ref.type or "other"}
    extracted = ["type"]
    for name, value in (("title", ref.title), ("source", ref.source), ("year", ref.year)):
        if value is not None:
            record[name] = value
            extracted.append(name)
    record["listed_as"] = ref.listed_as
    extracted.append("listed_as")
    record["provenance"] = {"file": source_file, "line": ref.title_line, "method": "import", "extracted": extracted}
    key = (_normalised(ref.title), _normalised(ref.source), ref.year)
    first = next((other for other in references if other.number < ref.number and ref.title
                  and (_normalised(other.title), _normalised(other.source), other.year) == key), None)
    if first is not None:
        record["notes"] = (f"Listed twice in the article: the same work as {reference_id(topic_id, first.number)}; "
                           "merge them once the citations point at one.")
    return record
