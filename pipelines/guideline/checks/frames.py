"""The loaded corpus as pandas DataFrames, one row per record, dose or citation, for corpus-wide expectations.

Every frame keeps `file`, `record` (the record id) and `row`, its position in the frame, whose anchor (document and
path) finds a failing row's line only when a finding needs it.
Derived columns (lengths, ages in days, counts, keys) are computed here, once, so that the expectation suite
stays plain data. `COLUMNS` documents every column; `guideline rules` and docs/expectations.md rely on it.
Invalid records (those that failed their schema) are left out: their schema finding says it all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from guideline.corpus.grading import GradingSchemes
from guideline.corpus.loader import Document, PathKey, gc_paused
from guideline.corpus.model import Corpus, Record

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

_KEY_COLUMNS = {
    "file": "File the row comes from, as findings show it.",
    "record": "Id of the record the row belongs to (the recommendation for doses and citations).",
    "row": "Position of the row in its frame.",
}

COLUMNS: dict[str, dict[str, str]] = {
    "recommendations": {
        **_KEY_COLUMNS,
        "topic": "Id of the topic the recommendation belongs to.",
        "section": "Section id as written (empty when absent).",
        "group": "Group id within the section (empty when absent).",
        "statement": "The statement as printed.",
        "statement_type": "recommendation, good-practice or information.",
        "direction": "for, against or none (empty for ungraded statements).",
        "certainty": "Certainty of the evidence (high ... very-low, not-rated).",
        "review_state": "Workflow state of the recommendation.",
        "scheme": "Grading scheme id of the strength.",
        "scheme_version": "Grading scheme version (empty when not written).",
        "grade": "Native grade label as written.",
        "strength_class": "Normalised strength class as written.",
        "last_reviewed": "Date of the last board review, YYYY-MM-DD (empty when never reviewed).",
        "statement_length": "Derived: characters in the statement without surrounding blanks (0 when missing).",
        "statement_key": "Derived: the statement case-folded with runs of blanks collapsed, to find duplicates "
                         "that differ only in case or spacing.",
        "grade_key": "Derived: 'SCHEME VERSION: grade' (or 'SCHEME: grade' without a version), grade "
                     "lower-cased; compare with the grading.grade_keys parameter. Empty without a strength.",
        "citation_count": "Derived: number of citations.",
        "dose_count": "Derived: number of dosing entries.",
        "last_reviewed_days_ago": "Derived: days from last_reviewed to the check date (negative: in the "
                                  "future; empty when never reviewed or not a date).",
        "low_certainty_if_strong": "Derived: for strong recommendations, 1 when the certainty is low or "
                                   "very-low and 0 otherwise; empty for all other rows, so the column's mean is "
                                   "the share of strong recommendations that rest on low-certainty evidence.",
    },
    "topics": {
        **_KEY_COLUMNS,
        "title": "Topic title.",
        "review_state": "Workflow state of the topic.",
        "last_updated": "Date of the last content update, YYYY-MM-DD.",
        "last_reviewed": "Date of the last board review, YYYY-MM-DD (empty when never reviewed).",
        "last_updated_days_ago": "Derived: days from last_updated to the check date (negative: in the future).",
        "days_since_review": "Derived: days from the last review (or, never reviewed, the last update) to the "
                             "check date; compare with policy.review_interval_days.",
        "recommendation_count": "Derived: recommendations of the topic among the checked files.",
        "section_count": "Derived: number of sections.",
    },
    "references": {
        **_KEY_COLUMNS,
        "type": "Reference type (guideline, systematic-review, rct, ...).",
        "title": "Title as written.",
        "source": "Journal, publisher or issuing body.",
        "year": "Publication year.",
        "title_length": "Derived: characters in the title without surrounding blanks (0 when missing).",
        "identifier_count": "Derived: number of non-empty identifiers (pmid, doi, pmcid, isbn, nct, url).",
        "age_years": "Derived: check year minus publication year.",
        "times_cited": "Derived: citations of this reference by the checked recommendations.",
    },
    "citations": {
        **_KEY_COLUMNS,
        "topic": "Topic of the citing recommendation.",
        "reference": "Cited reference id.",
        "reference_found": "Derived: whether a reference with that id is among the checked files.",
    },
    "dosing": {
        **_KEY_COLUMNS,
        "topic": "Topic of the recommendation.",
        "agent": "Vocabulary concept id of the agent.",
        "dose": "Dose (lower end of a range).",
        "dose_max": "Upper end of a dose range (empty when a single dose).",
        "unit": "Unit of the dose, as written.",
        "route": "Route of administration.",
        "frequency": "How often.",
    },
}

# Numeric columns that may be empty: float, so that an all-empty column is still numeric for the expectations.
_NULLABLE_NUMBERS = frozenset({"last_reviewed_days_ago", "low_certainty_if_strong", "last_updated_days_ago",
                               "days_since_review", "year", "age_years", "dose", "dose_max"})
LOW_CERTAINTY = frozenset({"low", "very-low"})
STRONG = "strong"
_IDENTIFIER_FIELDS = ("pmid", "doi", "pmcid", "isbn", "nct", "url")


@dataclass(frozen=True)
class Frames:
    tables: dict[str, pd.DataFrame]
    # Per frame, per row: the document and the path of the row's record or entry, to locate any of its fields.
    anchors: dict[str, list[tuple[Document, PathKey]]]


def grade_key(scheme: str, version: str | None, grade: str) -> str:
    return f"{scheme} {version}: {grade.lower()}" if version else f"{scheme}: {grade.lower()}"


def known_grade_keys(grading: GradingSchemes) -> list[str]:
    """Every grade_key a record may write; a scheme with a single version may leave the version out."""
    keys: set[str] = set()
    for (scheme, version), grades in grading.schemes.items():
        single = len(grading.versions(scheme)) == 1
        for label in grades:
            keys.add(grade_key(scheme, version, label))
            if single:
                keys.add(grade_key(scheme, None, label))
    return sorted(keys)


class _Table:
    """Rows as tuples in column order; a DataFrame is built once from all of them."""

    def __init__(self, name: str) -> None:
        self.columns = list(COLUMNS[name])
        self.rows: list[tuple[Any, ...]] = []
        self.anchors: list[tuple[Document, PathKey]] = []

    def add(self, doc: Document, path: PathKey, record: str, values: dict[str, Any]) -> None:
        """`values` has every column after the key columns, in order."""
        if not self.rows and list(values) != self.columns[len(_KEY_COLUMNS):]:
            raise RuntimeError(f"frame row {list(values)} does not follow COLUMNS {self.columns}")
        # No line column: finding a line needs the file's positions, which most files are never asked for;
        # a failing row is located through its anchor (checks/expectations.py).
        self.rows.append((doc.path, record, len(self.rows), *values.values()))
        self.anchors.append((doc, path))


def build_frames(corpus: Corpus, today: date) -> Frames:
    # Hundreds of thousands of small rows: the collector would rescan them over and over, as in loading.
    with gc_paused():
        return _build(corpus, today)


def _build(corpus: Corpus, today: date) -> Frames:
    import pandas as pd

    tables = {name: _Table(name) for name in COLUMNS}
    recommendations_per_topic = Counter(rec.topic for rec in corpus.recommendations if rec.valid)
    known_references = set(corpus.by_id("reference"))
    times_cited: Counter[str] = Counter()
    for rec in corpus.recommendations:
        if not rec.valid:
            continue
        tables["recommendations"].add(rec.doc, rec.path, rec.id, _recommendation_row(rec, today))
        for index, reference in enumerate(rec.list_of("citations")):
            if isinstance(reference, str):
                times_cited[reference] += 1
                tables["citations"].add(rec.doc, (*rec.path, "citations", index), rec.id, {
                    "topic": rec.topic, "reference": reference, "reference_found": reference in known_references})
        for index, dose in enumerate(rec.list_of("dosing")):
            if isinstance(dose, dict):
                tables["dosing"].add(rec.doc, (*rec.path, "dosing", index), rec.id, {
                    "topic": rec.topic, "agent": _text(dose.get("agent")), "dose": _number(dose.get("dose")),
                    "dose_max": _number(dose.get("dose_max")), "unit": _text(dose.get("unit")),
                    "route": _text(dose.get("route")), "frequency": _text(dose.get("frequency"))})
    for topic in corpus.topics:
        if topic.valid:
            tables["topics"].add(topic.doc, topic.path, topic.id,
                                 _topic_row(topic, today, recommendations_per_topic[topic.id]))
    for ref in corpus.references:
        if ref.valid:
            tables["references"].add(ref.doc, ref.path, ref.id, _reference_row(ref, today, times_cited[ref.id]))
    frames = {}
    for name, table in tables.items():
        frame = pd.DataFrame.from_records(table.rows, columns=table.columns)
        for column in _NULLABLE_NUMBERS.intersection(table.columns):
            frame[column] = frame[column].astype("float64")
        frames[name] = frame
    return Frames(frames, {name: table.anchors for name, table in tables.items()})


def _recommendation_row(rec: Record, today: date) -> dict[str, Any]:
    data = rec.data
    strength = data.get("strength")
    if not isinstance(strength, dict):
        strength = {}
    scheme, grade = _text(strength.get("scheme")), _text(strength.get("grade"))
    version = str(strength["version"]) if strength.get("version") is not None else None
    statement = _text(data.get("statement"))
    certainty = _text(data.get("certainty"))
    strength_class = _text(strength.get("class"))
    last_reviewed = _date(data.get("last_reviewed"))
    low_if_strong = (1.0 if certainty in LOW_CERTAINTY else 0.0) if strength_class == STRONG else None
    return {
        "topic": rec.topic,
        "section": _text(data.get("section")),
        "group": _text(data.get("group")),
        "statement": statement,
        "statement_type": _text(data.get("statement_type")),
        "direction": _text(data.get("direction")),
        "certainty": certainty,
        "review_state": _text(data.get("review_state")),
        "scheme": scheme,
        "scheme_version": version,
        "grade": grade,
        "strength_class": strength_class,
        "last_reviewed": last_reviewed.isoformat() if last_reviewed else None,
        "statement_length": len(statement.strip()) if statement else 0,
        "statement_key": " ".join(statement.casefold().split()) if statement else None,
        "grade_key": grade_key(scheme, version, grade) if scheme and grade else None,
        "citation_count": len(rec.list_of("citations")),
        "dose_count": len(rec.list_of("dosing")),
        "last_reviewed_days_ago": _days(last_reviewed, today),
        "low_certainty_if_strong": low_if_strong,
    }


def _topic_row(topic: Record, today: date, recommendations: int) -> dict[str, Any]:
    data = topic.data
    updated = _date(data.get("last_updated"))
    reviewed = _date(data.get("last_reviewed"))
    return {
        "title": _text(data.get("title")),
        "review_state": _text(data.get("review_state")),
        "last_updated": updated.isoformat() if updated else None,
        "last_reviewed": reviewed.isoformat() if reviewed else None,
        "last_updated_days_ago": _days(updated, today),
        "days_since_review": _days(reviewed or updated, today),
        "recommendation_count": recommendations,
        "section_count": len(topic.list_of("sections")),
    }


def _reference_row(ref: Record, today: date, times_cited: int) -> dict[str, Any]:
    data = ref.data
    title = _text(data.get("title"))
    identifiers = data.get("identifiers")
    if not isinstance(identifiers, dict):
        identifiers = {}
    year = _number(data.get("year"))
    return {
        "type": _text(data.get("type")),
        "title": title,
        "source": _text(data.get("source")),
        "year": year,
        "title_length": len(title.strip()) if title else 0,
        "identifier_count": sum(1 for name in _IDENTIFIER_FIELDS
                                if isinstance(identifiers.get(name), str) and identifiers[name].strip()),
        "age_years": today.year - year if year is not None else None,
        "times_cited": times_cited,
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _days(since: date | None, today: date) -> int | None:
    return (today - since).days if since else None
