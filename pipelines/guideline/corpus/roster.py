"""The board roster (guidelines/board.yaml): who may approve, matched by e-mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guideline.corpus.loader import Document
from guideline.corpus.project import Project
from guideline.findings import Location
from guideline.git.history import normalise_email

BOARD_FILE = "board.yaml"
APPROVER_ROLES = frozenset({"board-member", "chair"})


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    email: str
    roles: frozenset[str]
    location: Location
    # Lines of the entry that give the member approval rights: their email and roles.
    lines: frozenset[int]

    @property
    def approver(self) -> bool:
        return bool(self.roles & APPROVER_ROLES)

    @property
    def chair(self) -> bool:
        return "chair" in self.roles


@dataclass
class Roster:
    path: Path
    doc: Document | None
    members: list[Member] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_email: dict[str, Member] = {}
        for member in self.members:
            self._by_email.setdefault(member.email, member)

    def member(self, email: str) -> Member | None:
        return self._by_email.get(normalise_email(email))

    @property
    def name(self) -> str:
        body = self.doc.data.get("board") if self.doc and isinstance(self.doc.data, dict) else None
        return str(body.get("name") or "the board") if isinstance(body, dict) else "the board"


def load_roster(project: Project) -> Roster:
    path = project.data_file(BOARD_FILE)
    doc = project.data_document(BOARD_FILE)
    roster = Roster(path, doc)
    body = doc.data.get("board") if doc and isinstance(doc.data, dict) else None
    raw = body.get("members") if isinstance(body, dict) else None
    members: list[Member] = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("email"), str) or doc is None:
            continue
        key = ("board", "members", index)
        lines = {doc.position((*key, "email"))[0], doc.position((*key, "roles"))[0]}
        raw_roles = item.get("roles")
        roles: list[Any] = raw_roles if isinstance(raw_roles, list) else []
        lines.update(doc.position((*key, "roles", i))[0] for i in range(len(roles)))
        members.append(Member(str(item.get("id") or ""), str(item.get("name") or item["email"]),
                              normalise_email(item["email"]), frozenset(str(r) for r in roles),
                              doc.location(key, str(item.get("id") or "") or None), frozenset(lines)))
    return Roster(path, doc, members) if members else roster
