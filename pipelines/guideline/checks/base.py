"""What a check is: rules it may report, a function from the checked corpus to findings, and what its findings
about a record depend on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar, cast

from guideline.corpus.model import Corpus, Record
from guideline.corpus.project import Project
from guideline.findings import Finding
from guideline.rules import Rule

T = TypeVar("T")


@dataclass
class Context:
    corpus: Corpus
    project: Project
    today: date
    # The corpus is a window on a larger one (validate --changed-since): it holds every record the findings
    # of interest depend on, and nothing outside it may be read to complete it.
    window: bool = False
    # Whether the expectation suite runs (validate --no-expectations turns it off).
    expectations: bool = True
    # What derived() built on this context, by builder.
    _derived: dict[Callable[[Context], object], object] = field(default_factory=dict, init=False, repr=False,
                                                                compare=False)

    def derived(self, build: Callable[[Context], T]) -> T:
        """What build makes of this context, built once: checks that share a view of the corpus (the conflict
        checks' scopes) build it once per run."""
        if build not in self._derived:
            self._derived[build] = build(self)
        return cast(T, self._derived[build])


@dataclass(frozen=True)
class Keys:
    """How a check relates records. A record's findings may depend on every record that publishes a key the
    record looks up, and on nothing else but itself and the project's data files."""

    published: Iterable[str] = ()
    looked_up: Iterable[str] = ()


NO_KEYS = Keys()


@dataclass(frozen=True)
class Check:
    name: str
    rules: tuple[Rule, ...]
    run: Callable[[Context], Iterable[Finding]]
    # What a finding about a record depends on: that record and the project's data files alone, never another
    # record or the date. Such checks run file by file as files are parsed, and their findings are cached with
    # the file; a check that compares records, counts them or reads the date must leave this False.
    per_record: bool = False
    # Among the longest at scale: starts first on a worker when no earlier run has timed the checks.
    slow: bool = False
    # The relations by which the check compares records: () when it compares none (it reads data files, or
    # each record alone). A check that leaves this None makes every --changed-since run check the whole corpus.
    keys: tuple[KeysOf, ...] | None = None

    @property
    def relations(self) -> tuple[KeysOf, ...] | None:
        return () if self.per_record else self.keys


KeysOf = Callable[[Record, Project], Keys]


def id_key(record_id: str) -> str:
    """Published by the records with this id (window.py looks records up by it)."""
    return f"id:{record_id}"


def cite_key(record_id: str) -> str:
    """Published by the records that cite or name this id."""
    return f"cite:{record_id}"


def id_keys(record: Record, project: Project) -> Keys:
    """Records with the same id."""
    return Keys((id_key(record.id),), (id_key(record.id),))
