"""What a path in the corpus is, asked before it is opened: a regular file to read, or why it is not read.

A FIFO would block the read forever, a device could be endless or have side effects, a socket cannot be opened,
and a symbolic link may lead out of the repository or round in a loop: each becomes a reason, which the loader
reports as a finding on that path, and the rest of the corpus is checked as usual.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

_KINDS = ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"))


class Unreadable(NamedTuple):
    message: str
    hint: str


def kind_of(mode: int) -> str | None:
    """What a file of this mode is, None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "special file")


def not_regular(kind: str) -> Unreadable:
    return Unreadable(f"not a regular file: {kind}; it is not read",
                      "remove it, or replace it with a regular YAML file (a FIFO or device named *.yaml is "
                      "often left by a tool or a test)")


def reason_not_read(path: Path, root: Path | None) -> Unreadable | None:
    """Why path is not read as a record file, or None when it is a regular file (through a link that stays
    inside root, when root is given)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return Unreadable(f"cannot read file: {exc.strerror or exc}", "check that the file exists and is readable")
    if stat.S_ISLNK(mode):
        problem = link_problem(path, root)
        if problem is not None:
            return problem
        mode = os.stat(path).st_mode
    kind = kind_of(mode)
    return None if kind is None else not_regular(kind)


def link_problem(path: Path, root: Path | None) -> Unreadable | None:
    """Why the symbolic link at path is not followed: it is broken, loops, leaves root or leads to a folder
    holding it (a loop a walk would go round forever). None when it may be followed."""
    try:
        target = os.readlink(path)
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Unreadable(f"symbolic link loop: '{path.name}' leads back to itself (it points to {target})",
                              "point the link at a real file, or delete it")
        if exc.errno == errno.ENOENT:
            return Unreadable(f"symbolic link points to a missing file ({target})",
                              "restore the file it points to, or delete the link")
        return Unreadable(f"cannot read file: {exc.strerror or exc}", "check that the file exists and is readable")
    real = Path(os.path.realpath(path))
    if root is not None and not real.is_relative_to(os.path.realpath(root)):
        return Unreadable(f"symbolic link points outside the repository ({real})",
                          f"copy the {'folder' if real.is_dir() else 'file'} into the repository instead of "
                          "linking to it")
    if real.is_dir() and any(os.path.realpath(parent) == str(real) for parent in path.absolute().parents):
        return Unreadable(f"symbolic link loop: '{path.name}' points to {real}, a folder that holds the link",
                          "delete the link, or point it at a folder outside the one holding it")
    return None
