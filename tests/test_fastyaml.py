"""The fast reading (yaml-rs) gives exactly the reference loader's data, positions and findings, or steps aside;
positions followed through the lines are the reference's, or not given.

Compared on every YAML file the project has (shipped corpus, fixtures), the YAML test suite and a generated
corpus; and end to end, validation's findings with the fast path and without it are the same."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from guideline.corpus import fastyaml, loader
from guideline.corpus.loader import parse_text
from helpers import REPO_ROOT, validate_json
from helpers.generator import generate

SUITE = REPO_ROOT.parent / "shared" / "conformance" / "yaml-test-suite"


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (True == 1 and 1 == 1.0 would hide a misreading)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _reference(raw: bytes, path: str, monkeypatch: pytest.MonkeyPatch) -> loader.Document:
    with monkeypatch.context() as patch:
        patch.setattr(loader, "fast_load", lambda text: (False, None))
        return parse_text(raw, path)


def _yaml_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*")
                  if p.is_file() and p.suffix in (".yaml", ".yml"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fast") / "project"
    generate.generate(target, 1000, seed=11)
    return target


def test_fast_reading_equals_the_reference(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _yaml_files(REPO_ROOT / "guidelines", REPO_ROOT / "tests" / "fixtures", SUITE, generated)
    taken = followed = asked = 0
    for path in files:
        raw = path.read_bytes()
        fast = parse_text(raw, str(path))
        if fast.located:
            continue
        taken += 1
        reference = _reference(raw, str(path), monkeypatch)
        assert reference.findings == fast.findings, path
        assert _same(fast.data, reference.data), path
        lines = raw.decode("utf-8-sig").split("\n")
        found = {key: fastyaml.find_position(lines, fast.data, key) for key in reference.positions}
        assert {k: v for k, v in found.items() if v is not None} == {
            k: v for k, v in reference.positions.items() if found[k] is not None}, path
        followed += sum(v is not None for v in found.values())
        asked += len(found)
        assert fast.positions == reference.positions, path
    # The fast way must be the common way on records as editors write them, or it buys nothing.
    records = _yaml_files(generated / "guidelines" / "topics", generated / "guidelines" / "references")
    assert sum(not parse_text(p.read_bytes(), str(p)).located for p in records) > 0.9 * len(records)
    assert taken > 0.5 * len(files) - len(_yaml_files(SUITE))
    # Following a path through the lines answers nearly every position a finding asks for without libyaml.
    assert followed > 0.95 * asked


@pytest.mark.parametrize(("text", "expected"), [
    ("dose: 0777\n", {"dose": 511}),           # YAML 1.1 octal; 1.2 would read 777
    ("dose: 1_000\n", {"dose": 1000}),          # 1.1 underscores; 1.2 reads text
    ("dose: 1e3\n", {"dose": "1e3"}),           # 1.1 needs a dot and a signed exponent; 1.2 reads 1000.0
    ("time: 1:30\n", {"time": 90}),             # 1.1 sexagesimal; 1.2 reads text
    ("flag: 0x1F\n", {"flag": 31}),
    ("on: yes\n", {"on": "yes"}),               # neither yes nor on is a boolean here
    ("a: [1, 2]\n", {"a": [1, 2]}),
    ("last_reviewed: 2026-12-03\n", {"last_reviewed": "2026-12-03"}),
])
def test_readings_that_differ_between_yaml_versions_follow_the_reference(text: str, expected: Any) -> None:
    doc = parse_text(text.encode(), "t.yaml")
    assert _same(doc.data, expected)
    assert not doc.findings


@pytest.mark.parametrize(("text", "rule"), [
    ("a: &x 1\nb: *x\n", "YML004"),
    ("a: !!python/object:os.system 1\n", "YML003"),
    ("a: 1\na: 2\n", "YML002"),
    ("a:\n\tb: 1\n", "YML001"),
    ("<<: {a: 1}\n", "YML004"),
    ("a: 1\n---\nb: 2\n", "YML010"),
])
def test_what_the_fast_reading_refuses_the_reference_explains(text: str, rule: str) -> None:
    assert fastyaml.fast_load(text) == (False, None)
    assert [f.rule for f in parse_text(text.encode(), "t.yaml").findings] == [rule]


def _without_rule_order(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((f["rule"], f["file"], f["line"], f.get("column"), f.get("record"), f["message"])
                  for f in report["findings"])


# Without the expectation suite, which costs seconds here; tests/test_expectations.py asserts the lines its
# failing rows are reported at, which it finds through the same late positions.
@pytest.mark.parametrize(("corpus", "options"), [("shipped", ("--no-cache", "--no-expectations")),
                                                 ("generated", ("--no-cache", "--no-expectations"))])
def test_findings_are_the_same_with_and_without_the_fast_path(corpus: str, options: tuple[str, ...],
                                                              generated: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = REPO_ROOT if corpus == "shipped" else generated
    fast = validate_json(root, extra=options)
    with monkeypatch.context() as patch:
        patch.setattr(loader, "fast_load", lambda text: (False, None))
        reference = validate_json(root, extra=options)
    assert fast["findings"], "a corpus with findings shows where they point"
    assert _without_rule_order(fast) == _without_rule_order(reference)
