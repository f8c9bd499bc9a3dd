"""How a topic's records lay out as an article: the texts printed on every article, the order of summary,
sections and lead-in groups, and the numbering of citations. Data only; render/article.py prints it.

Citation numbers are assigned in order of first citation while walking the article top to bottom, so a
number always points at an entry of the reference list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.model import INACTIVE_STATES, Corpus, Record
from guideline.corpus.project import Project
from guideline.errors import ConfigError

SUMMARY_SECTION = "summary"
PUBLICATION_FILE = "publication.yaml"


@dataclass(frozen=True)
class Stage:
    label: str
    states: tuple[str, ...]


@dataclass(frozen=True)
class Publication:
    """Texts printed on every article (guidelines/publication.yaml)."""

    publisher: str = "Medical Advisory Board"
    board_statement: str = "All articles are reviewed for accuracy by our Medical Advisory Board."
    preview_banner: str = "Educational purpose only • Exercise caution as content is pending human review"
    review_stages: tuple[Stage, ...] = (Stage("Submitted", ("submitted",)),
                                        Stage("Under Review", ("under-review", "changes-requested")),
                                        Stage("Approved", ("approved", "published")))
    references_title: str = "References"
    disclaimer_title: str = "Professional Medical Disclaimer"
    disclaimer_text: str = ("This information is intended for healthcare professionals. Any medical decision-making "
                            "should rely on clinical judgment and independently verified information.")

    @classmethod
    def from_data(cls, data: Any) -> Publication:
        body = data.get("publication") if isinstance(data, dict) else None
        if not isinstance(body, dict):
            return cls()
        defaults = cls()
        stages = tuple(Stage(str(s["label"]), tuple(str(x) for x in s.get("states") or ()))
                       for s in body.get("review_stages") or () if isinstance(s, dict) and s.get("label"))
        raw_disclaimer = body.get("disclaimer")
        disclaimer: dict[str, Any] = raw_disclaimer if isinstance(raw_disclaimer, dict) else {}
        return cls(
            publisher=str(body.get("publisher") or defaults.publisher),
            board_statement=str(body.get("board_statement") or defaults.board_statement),
            preview_banner=str(body.get("preview_banner") or defaults.preview_banner),
            review_stages=stages or defaults.review_stages,
            references_title=str(body.get("references_title") or defaults.references_title),
            disclaimer_title=str(disclaimer.get("title") or defaults.disclaimer_title),
            disclaimer_text=str(disclaimer.get("text") or defaults.disclaimer_text),
        )


DEFAULT_PUBLICATION = Publication()


def load_publication(project: Project) -> Publication:
    doc = project.data_document(PUBLICATION_FILE)
    if doc is None or doc.data is None:
        raise ConfigError(f"{project.display(project.data_file(PUBLICATION_FILE))} is missing or unreadable",
                          hint="restore it from git: it holds the disclaimer and the texts of every article")
    return Publication.from_data(doc.data)


@dataclass(frozen=True)
class ArticleStatus:
    """The review state printed on the article and who approved it."""

    state: str
    reviewed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    lead: str | None
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Section:
    title: str
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Layout:
    summary: tuple[Record, ...]
    sections: tuple[Section, ...]

    def records(self) -> Iterator[Record]:
        yield from self.summary
        for section in self.sections:
            for group in section.groups:
                yield from group.records


@dataclass(frozen=True)
class Numbering:
    """Reference number of each cited reference id, in order of first citation, and citations that dangle."""

    numbers: dict[str, int] = field(default_factory=dict)
    unresolved: tuple[tuple[Record, int, str], ...] = ()

    @property
    def order(self) -> list[str]:
        return sorted(self.numbers, key=self.numbers.__getitem__)


def records_by_topic(corpus: Corpus) -> dict[str, list[Record]]:
    """Recommendations of each topic in file order; built once instead of scanning per topic."""
    out: dict[str, list[Record]] = defaultdict(list)
    for rec in corpus.recommendations:
        if rec.topic:
            out[rec.topic].append(rec)
    return out


def shown(record: Record) -> bool:
    """Retired and superseded records stay in the files but are not shown."""
    return record.get("review_state") not in INACTIVE_STATES


def topic_records(topic: Record, recommendations: Sequence[Record]) -> list[Record]:
    """The topic and its recommendations that are shown."""
    return [topic, *(r for r in recommendations if shown(r))]


def layout(topic: Record, recommendations: Sequence[Record]) -> Layout:
    """The article's structure: summary, then each section's ungrouped bullets and lead-in groups, in order."""
    active = [rec for rec in recommendations if rec.topic == topic.id and shown(rec)]
    summary_id = topic.get("summary")
    summary = [rec for rec in active if rec.id == summary_id]
    summary += [rec for rec in active if rec.get("section") == SUMMARY_SECTION and rec.id != summary_id]
    by_place: dict[tuple[str, str | None], list[Record]] = defaultdict(list)
    for rec in active:
        if rec.get("section") != SUMMARY_SECTION:
            by_place[(str(rec.get("section")), rec.get("group"))].append(rec)
    sections: list[Section] = []
    for raw in topic.list_of("sections"):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        groups = _groups(raw, by_place)
        if groups:
            sections.append(Section(str(raw.get("title") or raw["id"]), tuple(groups)))
    return Layout(tuple(summary), tuple(sections))


def _groups(raw: dict[str, Any], by_place: dict[tuple[str, str | None], list[Record]]) -> list[Group]:
    """A section's bullets: those in no declared group first (in file path order), then each lead-in group."""
    raw_groups = [g for g in raw.get("groups") or [] if isinstance(g, dict) and isinstance(g.get("id"), str)]
    group_ids = {g["id"] for g in raw_groups}
    loose = [rec for (sid, gid), recs in by_place.items() if sid == raw["id"] and gid not in group_ids
             for rec in recs]
    groups = [Group(None, tuple(sorted(loose, key=lambda r: r.path)))] if loose else []
    for raw_group in raw_groups:
        recs = by_place.get((raw["id"], raw_group["id"]), [])
        if recs:
            groups.append(Group(str(raw_group.get("lead") or ""), tuple(recs)))
    return groups


def citation_numbering(topic: Record, corpus: Corpus, recommendations: Sequence[Record] | None = None) -> Numbering:
    """Number the references in order of first citation, walking the article as it is printed."""
    recs = recommendations if recommendations is not None else records_by_topic(corpus).get(topic.id, [])
    numbers: dict[str, int] = {}
    unresolved: list[tuple[Record, int, str]] = []
    for rec in layout(topic, recs).records():
        for index, ref_id in enumerate(rec.list_of("citations")):
            if not isinstance(ref_id, str):
                continue
            if corpus.first("reference", ref_id) is None:
                unresolved.append((rec, index, ref_id))
            elif ref_id not in numbers:
                numbers[ref_id] = len(numbers) + 1
    return Numbering(numbers, tuple(unresolved))
