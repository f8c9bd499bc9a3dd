"""Board members with real SSH keys (ssh-keygen), and git repositories that sign as whoever acts.

Nothing about signatures is mocked: keys are made by ssh-keygen, commits are signed by git (`gpg.format=ssh`)
and verified by git against the roster's keys.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from helpers import REPO_ROOT


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    key: Path

    @property
    def public(self) -> str:
        return self.key.with_name(self.key.name + ".pub").read_text(encoding="utf-8").strip()


# The shipped roster's people, and one outsider nobody put on it.
SHIPPED = {
    "ingrid-halvorsen": ("Dr. Ingrid Halvorsen", "ingrid.halvorsen@example.org"),
    "tomas-okafor": ("Dr. Tomas Okafor", "tomas.okafor@example.org"),
    "mei-lin-castellanos": ("Dr. Mei-Lin Castellanos", "mei-lin.castellanos@example.org"),
    "rafael-nakamura": ("Dr. Rafael Nakamura", "rafael.nakamura@example.org"),
    "priya-lindqvist": ("Priya Lindqvist", "priya.lindqvist@example.org"),
    "samuel-adeyemi": ("Samuel Adeyemi", "samuel.adeyemi@example.org"),
    "olle-outsider": ("Olle Outsider", "olle.outsider@example.org"),
    "review-app": ("Review app", "review-app@example.org"),
}


def make_people(folder: Path) -> dict[str, Person]:
    """One ed25519 key per person, made by ssh-keygen."""
    folder.mkdir(parents=True, exist_ok=True)
    people = {}
    for person_id, (name, email) in SHIPPED.items():
        key = folder / person_id
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f", str(key)],
                           check=True, capture_output=True)
        people[person_id] = Person(person_id, name, email, key)
    return people


def with_keys(board_text: str, people: dict[str, Person]) -> str:
    """The roster text with each listed person's public key (instead of any it had) under their entry."""
    board_text = re.sub(r"(?m)^( *)signing_keys:\n(?:\1  +- .*\n)+", "", board_text)

    def add(match: re.Match[str]) -> str:
        person = people.get(match.group(2))
        if person is None:
            return match.group(0)
        return f"{match.group(0)}\n{match.group(1)}  signing_keys:\n{match.group(1)}    - {person.public}"
    return re.sub(r"^( *)- id: ([a-z0-9-]+)$", add, board_text, flags=re.MULTILINE)


def git(root: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


def act_as(root: Path, person: Person | None) -> None:
    """Make the repository's next commits (and `guideline review`) come from this person, signed by their key;
    None: an unsigned identity (signing switched off)."""
    if person is None:
        git(root, "config", "--unset-all", "user.signingkey", check=False)
        git(root, "config", "commit.gpgsign", "false")
        return
    git(root, "config", "user.name", person.name)
    git(root, "config", "user.email", person.email)
    git(root, "config", "gpg.format", "ssh")
    git(root, "config", "user.signingkey", str(person.key))


def commit_all(root: Path, message: str, *, sign: bool = True) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", *(["-S"] if sign else ["--no-gpg-sign"]), "-m", message)
    return git(root, "rev-parse", "HEAD")


def signed_project(target: Path, people: dict[str, Person], *, founder: str = "priya-lindqvist") -> Path:
    """The shipped corpus in a new repository whose roster lists everyone's keys; the first commit (the trust
    root) is signed by the founder."""
    shutil.copytree(REPO_ROOT / "guidelines", target / "guidelines")
    board = target / "guidelines" / "board.yaml"
    board.write_text(with_keys(board.read_text(encoding="utf-8"), people), encoding="utf-8")
    git(target, "init", "-q", "-b", "main")
    act_as(target, people[founder])
    commit_all(target, "The corpus and its board")
    return target
