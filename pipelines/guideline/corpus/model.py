"""Records and the corpus: what every check reads. Built from loaded documents, indexed by id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.loader import Document, PathKey
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

UNKNOWN_FILE = Rule("FIL001", "Unrecognised file", Severity.ERROR,
                    "A YAML file under the corpus whose top-level keys do not say what it holds "
                    "(topic, references, concepts, classes/schemes, policy, ...).")

RULES = (UNKNOWN_FILE,)

# Statement types that advise something (information statements advise nothing and take no part in conflicts).
ADVISING_TYPES = frozenset({"recommendation", "good-practice"})
# Review states of records that no longer speak: they are neither checked for currency nor published.
# A tuple, not a set: review_state may hold any YAML value, and `[] in frozenset()` raises TypeError.
INACTIVE_STATES = ("retired", "superseded")


@dataclass(frozen=True)
class FileKind:
    name: str
    key: str
    schema: str


# Ordered: the first kind whose key is at the top of a file names it. Extended by later stages' data files.
FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("topic", "topic", "topic-file.schema.json"),
    FileKind("bibliography", "references", "references-file.schema.json"),
    FileKind("vocabulary", "concepts", "vocabulary.schema.json"),
    FileKind("grading", "schemes", "grading-schemes.schema.json"),
    FileKind("policy", "policy", "policy.schema.json"),
    FileKind("waivers", "waivers", "waivers.schema.json"),
    FileKind("paradigms", "paradigms", "paradigms.schema.json"),
    FileKind("board", "board", "board.schema.json"),
    FileKind("reviews", "reviews", "reviews.schema.json"),
    FileKind("workflow", "workflow", "workflow.schema.json"),
    FileKind("publication", "publication", "publication.schema.json"),
    FileKind("safety-notices", "notices", "safety-notices.schema.json"),
    FileKind("retractions", "retractions", "retractions.schema.json"),
    FileKind("expectations", "expectations", "expectations.schema.json"),
    FileKind("source-guideline", "source", "source-guideline.schema.json"),
)


def file_kind(data: Any) -> FileKind | None:
    if not isinstance(data, dict):
        return None
    for kind in FILE_KINDS:
        if kind.key in data:
            return kind
    return None


@dataclass(frozen=True, eq=False)
class Record:
    """One topic, recommendation or reference, with the document it came from for positions."""

    kind: str
    id: str
    data: dict[str, Any]
    doc: Document
    path: PathKey
    topic: str | None = None
    valid: bool = True

    @property
    def file(self) -> str:
        return self.doc.path

    def location(self, *field_path: str | int) -> Location:
        return self.doc.location((*self.path, *field_path), self.id)

    @property
    def line(self) -> int:
        return self.doc.position(self.path)[0]

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def list_of(self, name: str) -> list[Any]:
        value = self.data.get(name)
        return value if isinstance(value, list) else []

    def source(self) -> Location | None:
        """Where the text came from (an imported article's file and line), when recorded."""
        prov = self.data.get("provenance")
        if isinstance(prov, dict) and isinstance(prov.get("file"), str) and isinstance(prov.get("line"), int):
            return Location(prov["file"], prov["line"])
        return None


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    topics: list[Record] = field(default_factory=list)
    recommendations: list[Record] = field(default_factory=list)
    references: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id: dict[str, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))

    def add(self, record: Record) -> None:
        if record.kind == "recommendation":
            self.recommendations.append(record)
        elif record.kind == "reference":
            self.references.append(record)
        else:
            self.topics.append(record)
        self._by_id[record.kind][record.id].append(record)

    def by_id(self, kind: str) -> dict[str, list[Record]]:
        return self._by_id[kind]

    def first(self, kind: str, record_id: str) -> Record | None:
        found = self._by_id[kind].get(record_id)
        return found[0] if found else None

    def records(self) -> Iterator[Record]:
        yield from self.topics
        yield from self.recommendations
        yield from self.references

    def record_at(self, file: str, record_id: str) -> Record | None:
        """The record with this id defined in this file (ids may clash across kinds and files)."""
        for kind in ("recommendation", "reference", "topic"):
            for record in self._by_id[kind].get(record_id, ()):
                if record.file == file:
                    return record
        return None

    def topic_of(self, recommendation: Record) -> Record | None:
        return self.first("topic", recommendation.topic) if recommendation.topic else None


# Record fields that name other records by id.
LINK_FIELDS = ("citations", "superseded_by", "summary")


def named_ids(data: Any) -> Iterator[str]:
    """Ids a record's data cites or names (citations, superseded_by, a topic's summary)."""
    if not isinstance(data, dict):
        return
    for name in LINK_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


def _id_of(item: Any) -> str | None:
    return item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else None


def add_document(corpus: Corpus, doc: Document, invalid: set[str] | frozenset[str] = frozenset()) -> None:
    """Split a parsed document into records (records_of) and add them."""
    corpus.documents.append(doc)
    for record in records_of(doc, invalid):
        corpus.add(record)


def records_of(doc: Document, invalid: set[str] | frozenset[str] = frozenset()) -> Iterator[Record]:
    """The records of a parsed document, in the order of Corpus.records(); those named in `invalid` failed
    their schema.

    Record-level checks skip invalid records (their schema finding says it all); id indexes keep them so that
    citations to them still resolve."""
    data = doc.data
    if not isinstance(data, dict):
        return
    topic_data = data.get("topic")
    if isinstance(topic_data, dict):
        topic_id = _id_of(topic_data)
        if topic_id:
            yield Record("topic", topic_id, topic_data, doc, ("topic",), topic_id, topic_id not in invalid)
        for index, item in enumerate(_as_list(data.get("recommendations"))):
            rec_id = _id_of(item)
            if rec_id:
                yield Record("recommendation", rec_id, item, doc, ("recommendations", index), topic_id,
                             rec_id not in invalid)
    for index, item in enumerate(_as_list(data.get("references"))):
        ref_id = _id_of(item)
        if ref_id:
            yield Record("reference", ref_id, item, doc, ("references", index), None, ref_id not in invalid)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
