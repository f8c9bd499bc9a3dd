"""Fields in the documented order, which `guideline fmt` restores: reported so that editors and CI see it."""

from __future__ import annotations

from collections.abc import Iterator

from guideline.checks.base import Check, Context
from guideline.corpus.formatting import field_order
from guideline.findings import Finding, Severity
from guideline.rules import Rule

KEY_ORDER = Rule("FMT001", "Fields out of order", Severity.WARNING,
                 "A record's fields are not in the documented order (the schema's, as in the README's record "
                 "example: id, statement and its grading, population, citations, review state, provenance). A "
                 "fixed order keeps diffs small and records easy to compare. `guideline fmt` puts them in order, "
                 "moving whole lines so that comments and wording are kept; only a record's own fields are "
                 "checked here, `guideline fmt --check` also checks nested ones.")


def _key_order(ctx: Context) -> Iterator[Finding]:
    orders: dict[str, list[str]] = {}
    for rec in ctx.corpus.records():
        order = orders.setdefault(rec.kind, field_order(rec.kind))
        if not order:
            continue
        highest, before = -1, ""
        # An unknown field has no place in the order; the schema check already reports it.
        for key in (k for k in rec.data if k in order):
            rank = order.index(key)
            if rank < highest:
                yield KEY_ORDER.finding(rec.location(key), f"'{key}' comes after '{before}'; the documented "
                                        f"order puts it before", hint=f"run `guideline fmt {rec.file}`", key=key)
                break
            highest, before = rank, key


CHECKS = (Check("key-order", (KEY_ORDER,), _key_order, per_record=True),)
