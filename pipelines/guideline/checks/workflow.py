"""Workflow checks: a state that claims approval needs approvals that count; review logs and the roster
must agree with the corpus. The definitions live in ..workflow, shared with the publication gate."""

from __future__ import annotations

from collections.abc import Iterator

from guideline.checks.base import Check, Context, Keys, id_key
from guideline.checks.structure import topic_keys
from guideline.corpus.model import Record
from guideline.corpus.project import Project
from guideline.findings import Finding
from guideline.workflow import review as workflow


def _workflow(ctx: Context) -> Iterator[Finding]:
    yield from workflow.check_corpus(ctx.corpus, ctx.project)


def successor_keys(record: Record, project: Project) -> Keys:
    """The record named as a successor (superseded_by)."""
    successor = record.data.get("superseded_by")
    own = (id_key(record.id),)
    return Keys(own, (*own, id_key(successor)) if isinstance(successor, str) else own)


# Approvals are judged per topic; review logs are data files, which every window holds whole.
CHECKS = (Check("workflow", workflow.RULES, _workflow, keys=(topic_keys, successor_keys)),)
