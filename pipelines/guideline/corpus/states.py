"""Review states and the transition table between them (guidelines/workflow.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guideline.corpus.project import Project
from guideline.errors import ConfigError

# A tuple, not a set: review_state may hold any YAML value (a list is unhashable).
APPROVED_STATES = ("approved", "published")
WORKFLOW_FILE = "workflow.yaml"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


@dataclass(frozen=True)
class Workflow:
    transitions: tuple[Transition, ...]

    @classmethod
    def from_data(cls, data: Any) -> Workflow:
        body = data.get("workflow") if isinstance(data, dict) else None
        items = body.get("transitions") if isinstance(body, dict) else None
        transitions = tuple(
            Transition(str(t["action"]), frozenset(str(s) for s in t.get("from") or ()), str(t["to"]))
            for t in items or () if isinstance(t, dict) and t.get("action") and t.get("to"))
        return cls(transitions)

    def target(self, action: str, state: str) -> str | None:
        """The state `action` leads to from `state`, or None when the table does not allow it."""
        for transition in self.transitions:
            if transition.action == action and state in transition.sources:
                return transition.target
        return None

    def sources(self, action: str) -> list[str]:
        return sorted({s for t in self.transitions if t.action == action for s in t.sources})


def load_workflow(project: Project) -> Workflow:
    doc = project.data_document(WORKFLOW_FILE)
    if doc is None or doc.data is None:
        raise ConfigError(f"{project.display(project.data_file(WORKFLOW_FILE))} is missing or unreadable",
                          hint="restore the transition table from git; `guideline validate` shows what is wrong")
    workflow = Workflow.from_data(doc.data)
    if not workflow.transitions:
        raise ConfigError(f"{doc.path} defines no transitions", hint="see docs/workflow.md for the table")
    return workflow


def project_workflow(project: Project) -> Workflow | None:
    """The transition table when the file parses, for checks that report a broken file elsewhere."""
    doc = project.data_document(WORKFLOW_FILE)
    return Workflow.from_data(doc.data) if doc is not None and doc.data is not None else None
