"""What a check is: rules it may report, and a function from the checked corpus to findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from ..findings import Finding
from ..model import Corpus
from ..project import Project
from ..rules import Rule


@dataclass
class Context:
    corpus: Corpus
    project: Project
    today: date


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
