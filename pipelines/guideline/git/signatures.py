"""Who signed a commit, as git itself verifies it: SSH signatures checked against an allowed-signers list.

Identity in the review workflow is a signature, never a name or e-mail typed into a commit or a file. The
allowed-signers list is built from a roster (principal = member id, one line per key), handed to git through
`gpg.ssh.allowedSignersFile`, and git reports `%G?` (G: good signature by a listed key) and `%GS` (the
principal). A good signature by a key that is not listed is `U` and counts for nobody.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from guideline.git.runner import GitError, run_git

# Trailers by which a service signer (the review app) names the member it authenticated.
DECIDED_BY = "Decided-by"
CONTENT_HASH = "Content-Hash"
_FIELD = "%x1f"
_FORMAT = _FIELD.join(("%H", "%G?", "%GS", "%GK", f"%(trailers:key={DECIDED_BY},valueonly,separator=%x2c)"))


@dataclass(frozen=True)
class Signature:
    """git's verdict on one commit against one allowed-signers list."""

    sha: str
    status: str
    principal: str | None
    key: str | None
    decided_by: tuple[str, ...] = ()

    @property
    def good(self) -> bool:
        return self.status == "G" and bool(self.principal)

    def describe(self) -> str:
        if self.good:
            return f"signed by {self.principal}"
        return {"N": "not signed", "U": "signed by a key that is not on the roster",
                "B": "signed, but the signature does not verify"}.get(self.status, "signature cannot be checked")


def allowed_signers(keys: Mapping[str, Sequence[str]]) -> str:
    """The allowed-signers text for principal -> public key lines ('ssh-ed25519 AAAA… comment')."""
    lines = []
    for principal, principal_keys in sorted(keys.items()):
        for key in principal_keys:
            parts = key.split()
            if len(parts) >= 2 and principal and not any(c.isspace() or c in '",' for c in principal):
                lines.append(f'{principal} namespaces="git" {parts[0]} {parts[1]}')
    return "\n".join(lines) + "\n"


class Verifier:
    """Verifies commits of one repository against one allowed-signers list, each commit once."""

    def __init__(self, root: Path, keys: Mapping[str, Sequence[str]]) -> None:
        self.root = root
        self.signers_text = allowed_signers(keys)
        self.digest = hashlib.sha256(self.signers_text.encode()).hexdigest()
        self._seen: dict[str, Signature] = {}

    def verify(self, shas: Iterable[str]) -> dict[str, Signature]:
        wanted = list(dict.fromkeys(shas))
        todo = [sha for sha in wanted if sha not in self._seen]
        if todo:
            self._seen.update(_verify(self.root, todo, self.signers_text))
        return {sha: self._seen[sha] for sha in wanted}

    def one(self, sha: str) -> Signature:
        return self.verify([sha])[sha]


def _verify(root: Path, shas: Sequence[str], signers_text: str) -> dict[str, Signature]:
    fd, name = tempfile.mkstemp(prefix="guideline-signers-", text=True)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(signers_text)
        out = run_git(root, "-c", f"gpg.ssh.allowedSignersFile={name}", "log", "--no-walk=unsorted",
                      f"--format={_FORMAT}", "--stdin", stdin="\n".join(shas).encode() + b"\n").stdout
    finally:
        os.unlink(name)
    result: dict[str, Signature] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split("\x1f")
        if len(parts) != 5:
            continue
        sha, status, principal, key, decided = parts
        result[sha] = Signature(sha, status, principal or None, key or None,
                                tuple(p.strip() for p in decided.split(",") if p.strip()))
    missing = [sha for sha in shas if sha not in result]
    if missing:
        raise GitError(f"git could not read commit {missing[0][:10]}",
                       hint="the repository may be shallow or damaged: fetch the full history (git fetch --unshallow)")
    return result


def signing_key(root: Path) -> str | None:
    """The public key git is configured to sign with (user.signingkey), as 'type base64', or None."""
    configured = run_git(root, "config", "--get", "user.signingkey", check=False).text
    if not configured:
        return None
    if configured.startswith("key::"):
        configured = configured[5:]
    elif not configured.startswith("ssh-"):
        path = Path(os.path.expanduser(configured))
        if not path.is_absolute():
            path = root / path
        public = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
        try:
            configured = public.read_text(encoding="utf-8").strip()
        except OSError:
            return None
    parts = configured.split()
    return f"{parts[0]} {parts[1]}" if len(parts) >= 2 else None


def signing_configured(root: Path) -> bool:
    return run_git(root, "config", "--get", "gpg.format", check=False).text == "ssh"


SIGNING_SETUP_HINT = (
    "set up SSH commit signing once: ssh-keygen -t ed25519 -f ~/.ssh/guideline_ed25519; "
    "git config gpg.format ssh; git config user.signingkey ~/.ssh/guideline_ed25519.pub; "
    "then ask the board to add the public key (the .pub file) to your entry's signing_keys in "
    "guidelines/board.yaml (docs/workflow.md, 'Signing')")
