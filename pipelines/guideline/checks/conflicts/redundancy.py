"""Redundant recommendations (CON004): near-identical statements with the same scope and direction."""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterator

from guideline.checks.base import Context
from guideline.checks.conflicts.scopes import Scope, advising_scopes
from guideline.corpus.loader import gc_paused
from guideline.corpus.vocabulary import normalise_term
from guideline.findings import Finding, Severity
from guideline.rules import Rule

REDUNDANT = Rule(
    "CON004", "Redundant recommendation", Severity.WARNING,
    "Two recommendations with the same scope (interventions, comparators, conditions, qualifiers) and the "
    "same direction whose statements are near-identical: a difflib ratio of at least 85% over their "
    "normalised words (case and punctuation ignored, '5mg' read as '5 mg'). Keep one, or make the difference "
    "explicit. A topic's summary statement restates others by design and is not compared.")

REDUNDANCY_THRESHOLD = 0.85
# Statements at least 85% similar word for word share well over this share of their distinct words (Jaccard);
# only pairs that can reach it are compared.
WORD_PREFILTER = 0.6
SUMMARY_SECTION = "summary"

_DIGIT_LETTER_RE = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")


def statement_tokens(text: str) -> tuple[str, ...]:
    """Lower-case words, with numbers split from units ('5mg' is '5 mg')."""
    return tuple(_DIGIT_LETTER_RE.sub(" ", normalise_term(text)).split())


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """difflib's ratio over word sequences: 1.0 for the same words in the same order."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < REDUNDANCY_THRESHOLD or matcher.quick_ratio() < REDUNDANCY_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _near_duplicates(members: list[Scope]) -> Iterator[tuple[Scope, Scope, float, int]]:
    """(later, earliest earlier near-identical, similarity, how many earlier ones) within one scope group.

    A prefix-filtered similarity join: each statement indexes the rarest words of its prefix, so only pairs
    that share enough words are ever compared."""
    texts = [statement_tokens(str(m.rec.get("statement", ""))) for m in members]
    frequency_of = Counter(word for words in texts for word in set(words))
    index: dict[str, list[int]] = defaultdict(list)
    first_with: dict[tuple[str, ...], int] = {}
    identical: Counter[tuple[str, ...]] = Counter()
    for position, words in enumerate(texts):
        if not words:
            continue
        if words in first_with:
            yield members[position], members[first_with[words]], 1.0, identical[words]
            identical[words] += 1
            continue
        ordered = sorted(set(words), key=lambda w: (frequency_of[w], w))
        prefix = ordered[:len(ordered) - math.ceil(WORD_PREFILTER * len(ordered)) + 1]
        candidates = sorted({c for w in prefix for c in index.get(w, ())})
        matches = [(c, ratio) for c in candidates
                   if (ratio := similarity(texts[c], words)) >= REDUNDANCY_THRESHOLD]
        if matches:
            earliest, ratio = matches[0]
            yield members[position], members[earliest], ratio, sum(identical[texts[c]] for c, _ in matches)
        first_with[words] = position
        identical[words] = 1
        for w in prefix:
            index[w].append(position)


def _redundancy_findings(scopes: list[Scope]) -> Iterator[Finding]:
    groups: dict[tuple[Hashable, ...], list[Scope]] = defaultdict(list)
    for scope in scopes:
        if scope.rec.get("section") != SUMMARY_SECTION and isinstance(scope.rec.get("statement"), str):
            groups[(frozenset(scope.interventions), scope.direction, scope.conditions, scope.qualifiers,
                    scope.comparators)].append(scope)
    for members in groups.values():
        if len(members) < 2:
            continue
        for later, first, ratio, count in _near_duplicates(members):
            if first.rec.id == later.rec.id:
                continue
            others = f" and {count - 1} other record{'s' if count > 2 else ''}" if count > 1 else ""
            yield REDUNDANT.finding(later.rec.location("statement"),
                                    f"near-identical to {first.where}{others}: {ratio:.0%} similar, same "
                                    f"scope and direction",
                                    hint="keep one of the two, or make the difference explicit",
                                    related=(first.rec.location("statement"),), key=first.rec.id)


def run(ctx: Context) -> list[Finding]:
    with gc_paused():
        return list(_redundancy_findings(advising_scopes(ctx)))

