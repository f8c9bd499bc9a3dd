"""The cache under .guideline-cache/: parsed and schema-checked files, and the findings of whole runs.

Keys are content hashes, so a changed file can never be answered from the cache. Everything else that could
change an answer is part of the key too: the tool's own code and schemas (a folder per fingerprint of them),
each file's path as shown in findings, and for whole runs the options, the date, every data file and the git
state. Entries carry a checksum; one that does not load is treated as missing and rewritten. Nothing here ever
fails a run: a cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from guideline import __version__
from guideline.corpus.loader import Document, pack_positions, parse_text
from guideline.corpus.model import file_kind
from guideline.fileio import write_atomic
from guideline.findings import Finding

CACHE_DIR = ".guideline-cache"
FILES = "files"
RUNS = "runs"
STATS = "stats"
# Anything made from content that is costly to make again: keyed by a hash of that content.
MEMO = "memo"
KEEP_MEMOS = 64
# How long each check took last time, so that the longest start first.
CHECK_SECONDS = "check-seconds"
# Whole-run entries are large (every finding) and only the latest few are ever hit again.
KEEP_RUNS = 8
T = TypeVar("T")
_MAGIC = b"GLC1"
_HEADER = len(_MAGIC) + 4
_PACKAGE = Path(__file__).resolve().parent.parent


def digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()


@cache
def code_fingerprint() -> str:
    """The tool version, Python version and the bytes of every module and schema of the package."""
    parts: list[str | bytes] = [__version__, sys.version]
    for path in sorted(p for p in _PACKAGE.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts):
        parts.extend((path.relative_to(_PACKAGE).as_posix(), path.read_bytes()))
    return digest(*parts)


@dataclass
class Cache:
    """One folder per code fingerprint under the project's .guideline-cache/."""

    folder: Path
    used: set[str] = field(default_factory=set)

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key

    def get(self, kind: str, key: str) -> bytes | None:
        try:
            blob = self._path(kind, key).read_bytes()
        except OSError:
            return None
        payload = blob[_HEADER:]
        if blob[:len(_MAGIC)] != _MAGIC or zlib.crc32(payload) != int.from_bytes(blob[len(_MAGIC):_HEADER], "big"):
            return None
        if kind == FILES:
            self.used.add(key)
        return payload

    def has(self, kind: str, key: str) -> bool:
        """Whether there is an entry (get may still find it damaged)."""
        return self._path(kind, key).is_file()

    def put(self, kind: str, key: str, payload: bytes) -> None:
        blob = _MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload
        try:
            # No fsync: a cache entry lost in a power cut costs one re-parse, and fsync per file costs seconds.
            write_atomic(self._path(kind, key), blob, durable=False)
        except OSError:
            return
        if kind == FILES:
            self.used.add(key)

    def load(self, kind: str, key: str) -> Any:
        """The unpickled entry, or None when there is none or it is damaged."""
        payload = self.get(kind, key)
        if payload is None:
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, whatever unpickling raised
            return None

    def store(self, kind: str, key: str, value: Any) -> None:
        self.put(kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def prune(self, files_in_run: int) -> None:
        """Drop file entries this run did not use once they outnumber the used ones, and all but the latest runs.

        Only after a run that saw every file (the caller knows), so a partial run never empties the cache."""
        _prune_unused(self.folder / FILES, self.used, files_in_run)
        _keep_latest(self.folder / RUNS, KEEP_RUNS)
        _keep_latest(self.folder / MEMO, KEEP_MEMOS)

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """What make() returns, made once for this key (which must name everything it is made from)."""
        found = self.load(MEMO, key)
        if found is not None:
            return cast(T, found)
        made = make()
        self.store(MEMO, key, made)
        return made


def parse_cached(raw: bytes, display: str, cache: Cache | None) -> Document:
    """parse_text, or the document parsed before from the same bytes under the same name."""
    if cache is None:
        return parse_text(raw, display)
    return cache.memo(digest("parse", display, raw), lambda: parse_text(raw, display))


def _prune_unused(folder: Path, used: set[str], files_in_run: int) -> None:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    if len(names) <= 2 * files_in_run + 100:
        return
    for name in names:
        if name not in used:
            (folder / name).unlink(missing_ok=True)


def _keep_latest(folder: Path, keep: int) -> None:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for path in entries[keep:]:
        path.unlink(missing_ok=True)


def open_cache(root: Path) -> Cache:
    """The cache of this project for this version of the tool; other versions' folders are removed."""
    base = root / CACHE_DIR
    folder = base / code_fingerprint()
    if not folder.is_dir():
        try:
            base.mkdir(exist_ok=True)
            # Keep the cache out of git and backups even in a project whose .gitignore does not list it.
            (base / ".gitignore").write_text("*\n", encoding="utf-8")
            (base / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n", encoding="utf-8")
            for stale in base.iterdir():
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass
    return Cache(folder)


@dataclass
class ParsedFile:
    """A file as parsed and checked on its own: what the cache keeps and workers send back."""

    doc: Document
    schema_findings: list[Finding]
    # Of the per-record checks.
    check_findings: list[Finding] = field(default_factory=list)
    # The keys each record publishes (checks.base.Keys), in the order of Corpus.records(): a window finds the
    # records a change affects through them. Empty for a file that is not a topic or a bibliography.
    record_keys: tuple[frozenset[str], ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """The keys of all its records, and what kind of file it is."""
        kind = file_kind(self.doc.data)
        return frozenset({f"kind:{kind.name}"} if kind else ()).union(*self.record_keys)


def encode_entry(parsed: ParsedFile) -> bytes:
    """The entry for a parsed file. A document whose positions are still to be found keeps neither packed
    positions nor a dict: whoever decodes it has the file's bytes (they name the entry) and passes them back."""
    doc = parsed.doc
    packed = pack_positions(doc) if doc.located else None
    positions = None if packed is not None or not doc.located else doc.positions
    return pickle.dumps((doc.data, packed, positions, doc.findings, parsed.schema_findings, parsed.check_findings,
                         parsed.record_keys, doc.digest), protocol=pickle.HIGHEST_PROTOCOL)


def decode_entry(display: str, payload: bytes, raw: bytes) -> ParsedFile | None:
    try:
        data, packed, positions, findings, schema_findings, check_findings, keys, file_digest = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, whatever unpickling raised
        return None
    if not (isinstance(findings, list) and isinstance(schema_findings, list) and isinstance(check_findings, list)
            and isinstance(keys, tuple) and isinstance(file_digest, str)
            and (isinstance(packed, array) or isinstance(positions, dict) or data is not None)):
        return None
    unlocated = packed is None and positions is None
    return ParsedFile(Document(display, data, positions or {}, findings, file_digest, packed,
                               source=raw if unlocated else None), schema_findings, check_findings, keys)
