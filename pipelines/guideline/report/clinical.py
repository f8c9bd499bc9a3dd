"""A changed record in the words a physician reads first: section, grading and population."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guideline.corpus.model import Corpus, Record
from guideline.report.model import Clinical
from guideline.report.nested import text_of

_KINDS = {"information": "Information", "good-practice": "Good practice statement"}
_DIRECTIONS = {"for": "for", "against": "against"}
# Classes that say nothing about strength: the sentence names no strength rather than "Not-graded recommendation".
_NO_STRENGTH = {"not-graded", "consensus", "insufficient", ""}

SectionTitles = Mapping[tuple[str, str], Mapping[str, str]]


def section_titles(corpus: Corpus) -> dict[tuple[str, str], dict[str, str]]:
    """(file, topic id) -> section id -> title, for the topics of a corpus."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for topic in corpus.topics:
        titles = {str(s.get("id")): str(s.get("title") or s.get("id")) for s in topic.list_of("sections")
                  if isinstance(s, dict) and s.get("id")}
        out[(topic.file, topic.id)] = titles
    return out


def _word(value: Any) -> str:
    """A scalar as text; a malformed value (a list or mapping where a word belongs) as nothing."""
    return "" if isinstance(value, (dict, list)) else text_of(value)


def _words(value: Any) -> list[str]:
    return [w for w in (_word(v) for v in value) if w] if isinstance(value, list) else []


def grading(data: Mapping[str, Any]) -> str | None:
    """'Strong recommendation against · AAOS 2010 Strong · certainty not rated'."""
    kind = _word(data.get("statement_type"))
    found = data.get("strength")
    strength: Mapping[str, Any] = found if isinstance(found, dict) else {}
    direction = _word(data.get("direction"))
    if kind in _KINDS:
        parts = [_KINDS[kind]]
    elif direction == "none":
        parts = ["No recommendation for or against"]
    elif direction in _DIRECTIONS or strength:
        strength_class = _word(strength.get("class"))
        lead = "recommendation" if strength_class in _NO_STRENGTH else f"{strength_class} recommendation"
        parts = [f"{lead} {_DIRECTIONS.get(direction, '')}".strip().capitalize()]
    else:
        return None
    native = " ".join(w for w in (_word(strength.get(k)) for k in ("scheme", "version", "grade")) if w)
    if native:
        parts.append(native)
    certainty = _word(data.get("certainty"))
    if certainty:
        parts.append("certainty " + certainty.replace("-", " "))
    return " · ".join(parts)


def population(data: Mapping[str, Any]) -> str | None:
    """The population's description (else its conditions), with its qualifiers."""
    value = data.get("population")
    if not isinstance(value, dict):
        return None
    text = _word(value.get("description")) or ", ".join(_words(value.get("condition")))
    qualifiers = _words(value.get("qualifiers"))
    if qualifiers:
        text = f"{text} ({'; '.join(qualifiers)})" if text else "; ".join(qualifiers)
    return text or None


def _section(record: Record | None, titles: SectionTitles) -> str | None:
    if record is None or record.kind != "recommendation":
        return None
    section = record.get("section")
    if not isinstance(section, str):
        return None
    title = titles.get((record.file, record.topic or ""), {}).get(section)
    return title or section


def clinical(before: Record | None, after: Record | None, titles_before: SectionTitles,
             titles_after: SectionTitles) -> Clinical:
    """The record's clinical summary at head (at base when removed), and the section it left."""
    current = after or before
    assert current is not None
    titles = titles_after if after else titles_before
    section = _section(current, titles)
    old_section = _section(before, titles_before) if after and before else None
    if current.kind != "recommendation":
        return Clinical()
    return Clinical(section, old_section if old_section != section else None, grading(current.data),
                    population(current.data))
