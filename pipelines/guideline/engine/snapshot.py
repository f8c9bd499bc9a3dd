"""What a run over the whole corpus leaves for windows (window.py): each file's content hash, size and
modification time, and which files publish each key (checks.base.Keys), with the data files it was made with.

A large corpus has a few hundred thousand keys, most of them one record's id or identifier. They are kept as
one sorted array of (32-bit hash of the key, file number), which loads in milliseconds; a hash that two keys
share only makes a window load a file more, never less.
"""

from __future__ import annotations

import time
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from guideline.corpus.cache import STATS, Cache

ENTRY = "snapshot"
# A file modified this close to the snapshot may change again within the same timestamp: hash it next time.
RACY_NS = 2_000_000_000
_FILE_BITS = 24


@dataclass(frozen=True)
class FileFacts:
    digest: str
    size: int
    # -1: modified too close to the snapshot for its time to be trusted.
    mtime_ns: int

    @classmethod
    def of(cls, digest: str, stat: tuple[int, int] | None) -> FileFacts | None:
        """stat: the size and modification time taken before the content was read and hashed."""
        if stat is None:
            return None
        size, mtime = stat
        return cls(digest, size, mtime if time.time_ns() - mtime > RACY_NS else -1)

    def same_stat(self, size: int, mtime_ns: int) -> bool:
        return self.size == size and self.mtime_ns == mtime_ns


def _hash(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogateescape"))


@dataclass
class Snapshot:
    # engine.FileChecks.key of the run that made it: the data files that decide each file's keys.
    data_key: str
    # By path as shown.
    files: dict[str, FileFacts]
    names: list[str]
    # Sorted (hash of a key << _FILE_BITS | number of a file in names that publishes it).
    entries: array[int]

    @classmethod
    def build(cls, data_key: str, facts: dict[str, FileFacts], keys: dict[str, frozenset[str]]) -> Snapshot:
        names = [display for display in keys if display in facts]
        entries = sorted(_hash(key) << _FILE_BITS | number for number, display in enumerate(names)
                         for key in keys[display])
        return cls(data_key, facts, names, array("Q", entries))

    @classmethod
    def load(cls, cache: Cache) -> Snapshot | None:
        found = cache.load(STATS, ENTRY)
        return found if isinstance(found, Snapshot) else None

    def store(self, cache: Cache) -> None:
        if len(self.names) < 1 << _FILE_BITS:
            cache.store(STATS, ENTRY, self)

    def files_with(self, wanted: Iterable[str]) -> set[str]:
        found: set[str] = set()
        mask = (1 << _FILE_BITS) - 1
        for key in wanted:
            low = _hash(key) << _FILE_BITS
            at = bisect_left(self.entries, low)
            while at < len(self.entries) and self.entries[at] >> _FILE_BITS == low >> _FILE_BITS:
                found.add(self.names[self.entries[at] & mask])
                at += 1
        return found
