"""Objects from the repository's object store through one persistent `git cat-file --batch`.

A read is one request and one answer on the same process, so reading a thousand blobs costs one process start;
the process starts on the first read and stops on close() (or when the reader is collected).
"""

from __future__ import annotations

import subprocess
import weakref
from dataclasses import dataclass
from pathlib import Path

from guideline.git.runner import GitError, cannot_run, git_env

_DAMAGED_HINT = "the repository is damaged: run 'git fsck', then fetch the missing objects or clone it again"


@dataclass(frozen=True)
class CommitInfo:
    """What a commit object says about itself."""

    author_email: str
    committed: int
    message: str

    @property
    def summary(self) -> str:
        return self.message.split("\n", 1)[0]


def _stop(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    if process.poll() is None:
        process.kill()
    process.wait()


class ObjectReader:
    """Reads objects by name (a sha, or `rev:path`) in the repository whose work tree is top."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], ObjectReader] | None = None

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._process = self._finalizer = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            try:
                self._process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.top, env=git_env(),
                                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE)
            except OSError as exc:
                raise cannot_run(self.top, exc) from None
            self._finalizer = weakref.finalize(self, _stop, self._process)
        return self._process

    def read(self, name: str) -> tuple[str, bytes]:
        """(type, content) of the object; GitError when the repository does not have it."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        try:
            process.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            process.stdin.flush()
            header = process.stdout.readline()
        except OSError:
            header = b""
        parts = header.split()
        if len(parts) == 3:
            size = int(parts[2])
            data = process.stdout.read(size + 1)[:size]
            return parts[1].decode("ascii"), data
        if header:
            raise GitError(f"git cat-file failed in {self.top}: object {name} is {parts[-1].decode('ascii')}",
                           hint=_DAMAGED_HINT)
        process.stdin.close()
        stderr = process.stderr.read().decode("utf-8", "replace").strip().splitlines()
        self.close()
        first = stderr[-1].removeprefix("fatal: ").removeprefix("error: ") if stderr else "it stopped"
        raise GitError(f"git cat-file failed in {self.top} reading {name}: {first}", hint=_DAMAGED_HINT)

    def blob(self, sha: str) -> bytes:
        kind, data = self.read(sha)
        if kind != "blob":
            raise GitError(f"{sha} in {self.top} is a {kind}, not a file's content", hint=_DAMAGED_HINT)
        return data

    def commit(self, sha: str) -> CommitInfo:
        kind, raw = self.read(sha)
        if kind != "commit":
            raise GitError(f"{sha} in {self.top} is a {kind}, not a commit", hint=_DAMAGED_HINT)
        head, _, body = raw.partition(b"\n\n")
        fields = dict(line.split(b" ", 1) for line in head.split(b"\n") if b" " in line and line[:1] != b" ")
        author = fields.get(b"author", b"").rsplit(b" ", 2)[0]
        email = author.rpartition(b"<")[2].partition(b">")[0]
        committer = fields.get(b"committer", b"").rsplit(b" ", 2)
        encoding = fields.get(b"encoding", b"utf-8").decode("ascii", "replace")
        try:
            message = body.decode(encoding, "replace")
        except LookupError:
            message = body.decode("utf-8", "replace")
        return CommitInfo(email.decode("utf-8", "replace"), int(committer[1]) if len(committer) == 3 else 0,
                          message)
