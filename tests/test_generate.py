"""The benchmark corpus generator: deterministic, realistic, and every planted defect found where it was put."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import validate_json
from helpers.generator import generate


def _tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus_1k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("gen") / "project"
    generate.generate(target, 1000, seed=7)
    return target


@pytest.fixture(scope="module")
def report_1k(corpus_1k: Path) -> dict[str, Any]:
    return validate_json(corpus_1k, extra=("--no-cache", "--no-expectations"))


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate.generate(tmp_path / "a", 300, seed=3)
    generate.generate(tmp_path / "b", 300, seed=3)
    generate.generate(tmp_path / "c", 300, seed=4)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    assert _tree_digest(tmp_path / "a") != _tree_digest(tmp_path / "c")


def test_shape_of_the_corpus(corpus_1k: Path) -> None:
    topics = sorted((corpus_1k / "guidelines" / "topics").glob("*.yaml"))
    bibliographies = sorted((corpus_1k / "guidelines" / "references").glob("*.yaml"))
    records = [sum(1 for line in p.read_text().splitlines() if line.startswith("  - id: ")) for p in topics]
    assert sum(records) == 1000
    assert len(topics) == 25 and set(records) == {40}
    assert len(bibliographies) == 1
    for name in ("vocabulary.yaml", "grading-schemes.yaml", "policy.yaml"):
        assert (corpus_1k / "guidelines" / name).is_file()
    text = topics[3].read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/topic-file.schema.json\n")
    assert "    dosing:\n" in text and "    citations:\n" in text


def test_every_planted_defect_is_reported_where_it_was_put(corpus_1k: Path, report_1k: dict[str, Any]) -> None:
    defects = json.loads((corpus_1k / "defects.json").read_text())
    assert 0.005 <= len(defects) / 1000 <= 0.025
    found = {(f["rule"], f["file"], f["line"], f["record"]) for f in report_1k["findings"]}
    found_without_record = {(f["rule"], f["file"], f["line"]) for f in report_1k["findings"] if f["record"] is None}
    for defect in defects:
        where = (defect["rule"], defect["file"], defect["line"])
        assert (*where, defect["record"]) in found or where in found_without_record, defect


def test_little_else_is_reported(corpus_1k: Path, report_1k: dict[str, Any]) -> None:
    """Apart from the planted defects (and what they cause) a generated corpus is clean, like a maintained one."""
    defects = json.loads((corpus_1k / "defects.json").read_text())
    planted = {d["record"] for d in defects}
    others = Counter(f["rule"] for f in report_1k["findings"] if f["record"] not in planted)
    assert sum(others.values()) <= 10, others


def test_change_records_edits_what_it_says(tmp_path: Path) -> None:
    generate.generate(tmp_path, 400, seed=5)
    before = _tree_digest(tmp_path)
    changed = generate.change_records(tmp_path, 10, seed=1)
    after = _tree_digest(tmp_path)
    edited = {name for name in before if before[name] != after.get(name)}
    assert {f for f, _ in changed if f} >= edited
    assert edited and all(name.startswith("guidelines/") for name in edited)
    assert len([r for f, r in changed if f.startswith("guidelines/topics/")]) >= 10


def test_command_line(tmp_path: Path) -> None:
    assert generate.main(["--records", "120", "--out", str(tmp_path / "p"), "--seed", "2"]) == 0
    assert (tmp_path / "p" / "defects.json").is_file()
    assert generate.parse_size("100k") == 100_000 and generate.parse_size("2_500") == 2500
