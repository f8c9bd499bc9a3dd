"""The project: where the corpus and its data files (vocabulary, grading, policy) live."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from guideline.corpus.cache import Cache, digest, parse_cached
from guideline.corpus.files import link_problem
from guideline.corpus.grading import GradingSchemes
from guideline.corpus.loader import DEFAULT_MAX_BYTES, Document, parse_text, read_bytes, read_file
from guideline.corpus.policy import Policy
from guideline.corpus.vocabulary import Vocabulary
from guideline.errors import ConfigError
from guideline.findings import Finding

CORPUS_DIR = "guidelines"
VOCABULARY_FILE = "vocabulary.yaml"
GRADING_FILE = "grading-schemes.yaml"
POLICY_FILE = "policy.yaml"
YAML_SUFFIXES = (".yaml", ".yml")
# Read by every project as it opens; the rest are read on demand (Project.data_document).
BUILT_IN_DATA = (POLICY_FILE, VOCABULARY_FILE, GRADING_FILE)


@dataclass
class Project:
    root: Path
    data_dir: Path
    vocabulary: Vocabulary
    grading: GradingSchemes
    policy: Policy
    data_documents: dict[Path, Document] = field(default_factory=dict)
    # The folder file names in findings are shown from (load_project).
    shown_from: Path | None = None
    # Every data file asked for by name is added to it, when given (see noting_reads).
    reads: set[Path] | None = field(default=None, repr=False)
    # Data files (by name under guidelines/) read from these bytes instead of the disk, None: absent. The gate
    # passes the governance in force, which may differ from the working tree (workflow/governance.py).
    overrides: Mapping[str, bytes | None] = field(default_factory=dict, repr=False)

    @property
    def findings(self) -> list[Finding]:
        return [f for doc in self.data_documents.values() for f in doc.findings]

    def data_file(self, name: str) -> Path:
        return self.data_dir / name

    def display(self, path: Path) -> str:
        """The path as findings show it: relative to shown_from when inside it, else absolute."""
        return display_path(path, self.shown_from or self.root)

    def located(self, shown: str) -> Path:
        """The file a finding names (the inverse of display)."""
        return (self.shown_from or self.root) / shown

    def noting_reads(self, reads: set[Path]) -> Project:
        """This project, adding to reads every data file asked for by name; its data files are this one's."""
        return replace(self, reads=reads)

    def data_document(self, name: str) -> Document | None:
        """A data file under guidelines/ (notices, roster, suite...), parsed once; None when it does not exist."""
        path = self.data_dir / name
        if self.reads is not None:
            self.reads.add(path)
        if path not in self.data_documents:
            if name in self.overrides:
                raw = self.overrides[name]
                if raw is None:
                    return None
                self.data_documents[path] = parse_text(raw, self.display(path))
            elif not path.is_file():
                return None
            else:
                self.data_documents[path] = read_file(path, self.display(path),
                                                      max_bytes=self.policy.max_file_bytes, root=self.root)
        return self.data_documents[path]


def display_path(path: Path, base: Path) -> str:
    """Paths in findings are relative to base (the user's working folder) when they can be: that is what editors
    click."""
    # Compared as text: pathlib's relative_to costs a tenth of a second over a large corpus's files.
    text = (path if path.is_absolute() else path.absolute()).as_posix()
    shown_from = base.absolute().as_posix()
    if text == shown_from:
        return "."
    prefix = shown_from if shown_from.endswith("/") else shown_from + "/"
    return text.removeprefix(prefix)


def find_root(start: Path) -> Path:
    here = start.absolute()
    for candidate in (here, *here.parents):
        if (candidate / CORPUS_DIR / POLICY_FILE).is_file():
            return candidate
    raise ConfigError(
        f"no guideline project found in {here} or any folder above it",
        hint=f"run inside a repository that has {CORPUS_DIR}/{POLICY_FILE}, or pass --root DIR")


def load_project(root: Path, cache: Cache | None = None, *, shown_from: Path | None = None,
                 overrides: Mapping[str, bytes | None] | None = None) -> Project:
    """The project at root; with a cache, its data files are parsed (and the vocabulary indexed) once per
    content. Findings name files relative to shown_from (the commands pass the working folder; default: root).
    overrides: data files read from bytes instead of the disk (None: absent), see Project.overrides."""
    shown_from = (shown_from or root).absolute()
    overrides = overrides or {}
    data_dir = root / CORPUS_DIR
    docs: dict[Path, Document] = {}
    max_bytes = DEFAULT_MAX_BYTES
    for name in BUILT_IN_DATA:
        path = data_dir / name
        if overrides.get(name, b"") is None or (name not in overrides and not path.is_file()):
            hint = ("every project needs a policy file; copy the one from the guideline repository"
                    if name == POLICY_FILE else f"restore {name} from git")
            raise ConfigError(f"{display_path(path, shown_from)} is missing", hint=hint)
        raw = overrides.get(name)
        docs[path] = (parse_text(raw, display_path(path, shown_from)) if raw is not None
                      else _read_data(path, root, shown_from, cache, max_bytes))
        if name == POLICY_FILE:
            max_bytes = Policy.from_data(docs[path].data).max_file_bytes
    policy = Policy.from_data(docs[data_dir / POLICY_FILE].data)
    vocabulary_doc = docs[data_dir / VOCABULARY_FILE]
    def index_vocabulary() -> Vocabulary:
        return Vocabulary.from_data(vocabulary_doc.data, vocabulary_doc.positions)

    return Project(
        root=root,
        data_dir=data_dir,
        vocabulary=(cache.memo(digest("vocabulary", vocabulary_doc.digest or ""), index_vocabulary)
                    if cache and vocabulary_doc.digest else index_vocabulary()),
        grading=GradingSchemes.from_data(docs[data_dir / GRADING_FILE].data),
        policy=policy,
        data_documents=docs,
        shown_from=shown_from,
        overrides=dict(overrides),
    )


def _read_data(path: Path, root: Path, shown_from: Path, cache: Cache | None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    display = display_path(path, shown_from)
    raw = read_bytes(path, display, max_bytes=max_bytes, root=root)
    return raw if isinstance(raw, Document) else parse_cached(raw, display, cache)


def collect_files(paths: list[Path], root: Path) -> tuple[list[Path], list[str]]:
    """YAML files under the given paths, sorted; missing paths come back as messages. A path that is there but
    cannot be read as a file (a FIFO, a socket, a link that loops or leaves root) is returned with the files:
    reading it gives the finding that says why."""
    found: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir() and not (path.is_symlink() and link_problem(path, root)):
            found.extend(_walk(path, root))
        elif os.path.lexists(path):
            found.append(path)
        else:
            missing.append(str(path))
    unique = sorted({p.absolute(): None for p in found}, key=lambda p: p.as_posix())
    return unique, missing


def _walk(top: Path, root: Path) -> Iterator[Path]:
    """The YAML files under top. A link to a folder is followed when it stays inside root and leads to no
    folder holding it; any other is returned as a file, so that it is reported rather than skipped."""
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        followed = []
        for name in sorted(d for d in dirnames if not d.startswith(".")):
            folder = Path(dirpath) / name
            if folder.is_symlink() and link_problem(folder, root):
                yield folder
            else:
                followed.append(name)
        dirnames[:] = followed
        yield from (Path(dirpath) / name for name in sorted(filenames) if name.endswith(YAML_SUFFIXES))
