"""The project: where the corpus and its data files (vocabulary, grading, policy) live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from guideline.corpus.cache import Cache, digest, parse_cached
from guideline.corpus.grading import GradingSchemes
from guideline.corpus.loader import DEFAULT_MAX_BYTES, Document, read_bytes, read_file
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
    # While set, every data file asked for by name is added to it (see engine.file_checks).
    asked: set[Path] | None = field(default=None, repr=False)

    @property
    def findings(self) -> list[Finding]:
        return [f for doc in self.data_documents.values() for f in doc.findings]

    def data_file(self, name: str) -> Path:
        return self.data_dir / name

    def data_document(self, name: str) -> Document | None:
        """A data file under guidelines/ (notices, roster, suite...), parsed once; None when it does not exist."""
        path = self.data_dir / name
        if self.asked is not None:
            self.asked.add(path)
        if path not in self.data_documents:
            if not path.is_file():
                return None
            self.data_documents[path] = read_file(path, display_path(path), max_bytes=self.policy.max_file_bytes,
                                                  root=self.root)
        return self.data_documents[path]


def display_path(path: Path) -> str:
    """Paths in findings are relative to the working directory when they can be: that is what editors click."""
    # Compared as text: pathlib's relative_to costs a tenth of a second over a large corpus's files.
    text = (path if path.is_absolute() else path.absolute()).as_posix()
    cwd = os.getcwd().replace(os.sep, "/")
    if text == cwd:
        return "."
    prefix = cwd if cwd.endswith("/") else cwd + "/"
    return text.removeprefix(prefix)


def find_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).absolute()
    for candidate in (here, *here.parents):
        if (candidate / CORPUS_DIR / POLICY_FILE).is_file():
            return candidate
    raise ConfigError(
        f"no guideline project found in {here} or any folder above it",
        hint=f"run inside a repository that has {CORPUS_DIR}/{POLICY_FILE}, or pass --root DIR")


def load_project(root: Path, cache: Cache | None = None) -> Project:
    """The project at root; with a cache, its data files are parsed (and the vocabulary indexed) once per
    content."""
    data_dir = root / CORPUS_DIR
    policy_path = data_dir / POLICY_FILE
    if not policy_path.is_file():
        raise ConfigError(f"{display_path(policy_path)} is missing",
                          hint="every project needs a policy file; copy the one from the guideline repository")
    policy_doc = _read_data(policy_path, root, cache)
    policy = Policy.from_data(policy_doc.data)
    docs = {policy_path: policy_doc}
    for name in (VOCABULARY_FILE, GRADING_FILE):
        path = data_dir / name
        if not path.is_file():
            raise ConfigError(f"{display_path(path)} is missing", hint=f"restore {name} from git")
        docs[path] = _read_data(path, root, cache, policy.max_file_bytes)
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
    )


def _read_data(path: Path, root: Path, cache: Cache | None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    display = display_path(path)
    raw = read_bytes(path, display, max_bytes=max_bytes, root=root)
    return raw if isinstance(raw, Document) else parse_cached(raw, display, cache)


def collect_files(paths: list[Path], root: Path) -> tuple[list[Path], list[str]]:
    """YAML files under the given paths, sorted; missing paths come back as messages."""
    found: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_file() or (path.is_symlink() and not path.is_dir()):
            found.append(path)
        elif path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(Path(dirpath) / name for name in sorted(filenames) if name.endswith(YAML_SUFFIXES))
        else:
            missing.append(str(path))
    unique = sorted({p.absolute(): None for p in found}, key=lambda p: p.as_posix())
    return unique, missing
