"""Workflow checks: a state that claims approval needs approvals that count; review logs and the roster
must agree with the corpus. The definitions live in ..workflow, shared with the publication gate."""

from __future__ import annotations

from collections.abc import Iterator

from .. import workflow
from ..findings import Finding
from .base import Check, Context
from .references import citation_keys
from .structure import topic_keys


def _workflow(ctx: Context) -> Iterator[Finding]:
    yield from workflow.check_corpus(ctx.corpus, ctx.project)


CHECKS = (Check("workflow", workflow.RULES, _workflow, keys=(topic_keys, citation_keys)),)
