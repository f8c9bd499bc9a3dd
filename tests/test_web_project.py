"""A throwaway git project for the review app: the shipped corpus, every person with a real SSH key, a
`service` roster entry for the app, and git configured to sign the app's commits with the service key."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from guideline.web.config import ServeConfig
from helpers import REPO_ROOT
from helpers.signing import Person, act_as, commit_all, git, make_people, with_keys

SERVICE_ENTRY = """    - id: review-app
      name: Review app
      email: review-app@example.org
      roles: [service]
"""
TOPIC = "osteoporotic-spine-fracture"
TOPIC_FILE = f"guidelines/topics/{TOPIC}.yaml"
REVIEWS_FILE = f"guidelines/reviews/{TOPIC}.yaml"


@dataclass
class WebProject:
    root: Path
    state: Path
    people: dict[str, Person]

    def config(self, origin: str = "http://testserver", **options: object) -> ServeConfig:
        return ServeConfig(self.root, self.state, origin=origin, rp_id=origin.split("//")[1].split(":")[0],
                           **options)  # type: ignore[arg-type]

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def edit(self, old: str, new: str, path: str = TOPIC_FILE) -> None:
        file = self.root / path
        text = file.read_text(encoding="utf-8")
        assert text.count(old) >= 1, old
        file.write_text(text.replace(old, new, 1), encoding="utf-8")

    def commit_as(self, person_id: str, message: str) -> None:
        """An edit committed (signed) by someone else than the app, then git back to signing as the app."""
        act_as(self.root, self.people[person_id])
        git(self.root, "commit", "-q", "-S", "-a", "-m", message)
        act_as(self.root, self.people["review-app"])

    def allowed_signers(self) -> Path:
        path = self.root.parent / "allowed_signers"
        path.write_text("".join(f"{p.id} {p.public}\n" for p in self.people.values()), encoding="utf-8")
        return path

    def signature_status(self, rev: str = "HEAD") -> str:
        done = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={self.allowed_signers()}", "log", "-1",
                               "--format=%G?", rev], cwd=self.root, capture_output=True, text=True, check=True)
        return done.stdout.strip()


def make_web_project(tmp: Path) -> WebProject:
    """The shipped corpus in a new repository, first commit signed by an editor; git then signs as the app."""
    people = make_people(tmp / "keys")
    root = tmp / "repo"
    shutil.copytree(REPO_ROOT / "guidelines", root / "guidelines")
    board = root / "guidelines" / "board.yaml"
    text = board.read_text(encoding="utf-8")
    if "- id: review-app" not in text:
        text = text.rstrip("\n") + "\n" + SERVICE_ENTRY
    board.write_text(with_keys(text, people), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    act_as(root, people["priya-lindqvist"])
    commit_all(root, "The corpus and its board")
    act_as(root, people["review-app"])
    return WebProject(root, tmp / "state", people)
