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
