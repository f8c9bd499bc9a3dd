"""The board roster (guidelines/board.yaml): who may approve, and the SSH keys by which they sign."""

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
SERVICE_ROLE = "service"


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    email: str
    roles: frozenset[str]
    location: Location
    # Lines of the entry that give the member approval rights: their email and roles.
    lines: frozenset[int]
    # Public keys ('ssh-ed25519 AAAA… comment') whose signatures are this member's decisions.
    signing_keys: tuple[str, ...] = ()

    @property
    def approver(self) -> bool:
        return bool(self.roles & APPROVER_ROLES)

    @property
    def chair(self) -> bool:
        return "chair" in self.roles

    @property
    def service(self) -> bool:
        """A service (the review app) attests decisions of members it authenticated; it decides nothing itself."""
        return SERVICE_ROLE in self.roles


@dataclass
class Roster:
    path: Path
    doc: Document | None
    members: list[Member] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_email: dict[str, Member] = {}
        self._by_id: dict[str, Member] = {}
        for member in self.members:
            self._by_email.setdefault(member.email, member)
            self._by_id.setdefault(member.id, member)

    def member(self, who: str) -> Member | None:
        """The member with this roster id or e-mail address."""
        return self._by_id.get(who.strip()) or self._by_email.get(normalise_email(who))

    def by_id(self, member_id: str | None) -> Member | None:
        return self._by_id.get(member_id) if member_id else None

    def by_key(self, public_key: str) -> Member | None:
        """The member one of whose signing keys is this public key ('type base64', comment ignored)."""
        wanted = public_key.split()[:2]
        return next((m for m in self.members if any(k.split()[:2] == wanted for k in m.signing_keys)), None)

    @property
    def name(self) -> str:
        body = self.doc.data.get("board") if self.doc and isinstance(self.doc.data, dict) else None
        return str(body.get("name") or "the board") if isinstance(body, dict) else "the board"


def load_roster(project: Project) -> Roster:
    return roster_of(project.data_document(BOARD_FILE), project.data_file(BOARD_FILE))


def roster_of(doc: Document | None, path: Path) -> Roster:
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
        raw_keys = item.get("signing_keys")
        keys = tuple(str(k) for k in raw_keys if isinstance(k, str)) if isinstance(raw_keys, list) else ()
        members.append(Member(str(item.get("id") or ""), str(item.get("name") or item["email"]),
                              normalise_email(item["email"]), frozenset(str(r) for r in roles),
                              doc.location(key, str(item.get("id") or "") or None), frozenset(lines), keys))
    return Roster(path, doc, members) if members else roster
