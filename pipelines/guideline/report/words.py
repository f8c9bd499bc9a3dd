"""Word-level diffs of text fields."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from guideline.report.model import Segment

_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
# Beyond this many token pairs a word diff costs more than it helps: show the whole text as replaced.
_MAX_WORD_PAIRS = 4_000_000


def word_diff(before: str, after: str) -> tuple[Segment, ...]:
    """Word-level diff (difflib on word, space and punctuation tokens); joining a side's segments gives it back."""
    a, b = _TOKEN_RE.findall(before), _TOKEN_RE.findall(after)
    if len(a) * len(b) > _MAX_WORD_PAIRS:
        return _merge([Segment("delete", before), Segment("insert", after)])
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment("insert", "".join(b[j1:j2])))
    return _merge(out)


def _merge(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if out and out[-1].op == seg.op:
            out[-1] = Segment(seg.op, out[-1].text + seg.text)
        else:
            out.append(seg)
    return tuple(out)
