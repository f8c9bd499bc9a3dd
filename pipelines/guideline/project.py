"""The project: where the corpus and its data files (vocabulary, grading, policy) live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .findings import Finding
from .grading import GradingSchemes
from .loader import Document, read_file
from .policy import Policy
from .vocabulary import Vocabulary

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
    absolute = path.absolute()
    if absolute.is_relative_to(Path.cwd()):
        return absolute.relative_to(Path.cwd()).as_posix()
    return absolute.as_posix()


def find_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).absolute()
    for candidate in (here, *here.parents):
        if (candidate / CORPUS_DIR / POLICY_FILE).is_file():
            return candidate
    raise ConfigError(
        f"no guideline project found in {here} or any folder above it",
        hint=f"run inside a repository that has {CORPUS_DIR}/{POLICY_FILE}, or pass --root DIR")


def load_project(root: Path) -> Project:
    data_dir = root / CORPUS_DIR
    policy_path = data_dir / POLICY_FILE
    if not policy_path.is_file():
        raise ConfigError(f"{display_path(policy_path)} is missing",
                          hint="every project needs a policy file; copy the one from the guideline repository")
    policy_doc = read_file(policy_path, display_path(policy_path), root=root)
    policy = Policy.from_data(policy_doc.data)
    docs = {policy_path: policy_doc}
    for name in (VOCABULARY_FILE, GRADING_FILE):
        path = data_dir / name
        if not path.is_file():
            raise ConfigError(f"{display_path(path)} is missing", hint=f"restore {name} from git")
        docs[path] = read_file(path, display_path(path), max_bytes=policy.max_file_bytes, root=root)
    vocabulary_doc = docs[data_dir / VOCABULARY_FILE]
    return Project(
        root=root,
        data_dir=data_dir,
        vocabulary=Vocabulary.from_data(vocabulary_doc.data, vocabulary_doc.positions),
        grading=GradingSchemes.from_data(docs[data_dir / GRADING_FILE].data),
        policy=policy,
        data_documents=docs,
    )


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
