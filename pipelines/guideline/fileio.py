"""Writing files so that a crash leaves either the old file or the new one, never a torn one."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from guideline.errors import UsageError


class NotWritable(UsageError, OSError):
    """A folder the file system will not write to. Still an OSError, so that callers that undo their earlier
    writes on an OSError (workflow/decisions.py) still do."""


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True, durable: bool = True,
                 private: bool = False) -> None:
    """Write to a temporary file in the same folder, fsync it if durable, then rename it over the target.

    The target must be a regular file or absent: a device, a FIFO, a folder or a symbolic link is refused, never
    replaced. The file gets the mode the umask gives (0600 when private: secrets). A folder that cannot be
    written is a NotWritable naming it; nothing is changed then."""
    _check_target(path, overwrite=overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temporary(path, 0o600 if private else 0o666)
    except OSError as exc:
        raise _not_writable(path, exc.strerror or str(exc), path.parent) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_writable(paths: list[Path]) -> None:
    """Refuse before writing any of several files when one of their folders cannot be written, so that a
    command writes all of them or none (write_atomic alone keeps each file whole, not the set)."""
    for path in paths:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise _not_writable(path, f"{folder} is read-only", folder)


def _not_writable(path: Path, reason: str, folder: Path) -> NotWritable:
    return NotWritable(f"cannot write {path}: {reason}",
                      hint=f"make {folder} writable (or remount it read-write), or run the command in a "
                           "writable copy of the repository; the file was not written")


def _check_target(path: Path, *, overwrite: bool) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise UsageError(f"{path} is a symbolic link; it is not replaced or written through",
                         hint="name the file it points to, or a new file")
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        raise UsageError(f"{path} is {kind}; only a regular file or a new one is written",
                         hint="name a new file, or a regular file to replace")
    if not overwrite:
        raise UsageError(f"{path} already exists", hint="pass --force to overwrite it")


def _create_temporary(path: Path, mode: int) -> tuple[int, str]:
    """A new file beside the target; the kernel applies the umask to `mode` (mkstemp would always give 0600)."""
    while True:
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode), tmp
        except FileExistsError:
            continue
