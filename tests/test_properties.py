"""Property tests: whatever bytes an editor (or a bad merge) leaves in a file, the tool reports, never crashes.

Mutations start from the shipped topic file, so most inputs are almost-valid YAML that reaches deep into the
loader and the schema checks rather than failing on the first byte.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from guideline.corpus.loader import parse_text
from guideline.corpus.project import load_project
from guideline.engine.pipeline import validate
from guideline.findings import Finding
from helpers import DATA_FILES, REPO_ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SHIPPED_TOPIC = REPO_ROOT / "guidelines" / "topics" / "osteoporotic-spine-fracture.yaml"
LINES = SHIPPED_TOPIC.read_bytes().splitlines(keepends=True)
# One parse of the whole shipped topic takes a few milliseconds; a mutated one may not take a second.
MAX_SECONDS = 1.0
INSERTS = [b"\t", b":", b": ", b"'", b'"', b"- ", b"&a ", b"*a", b"!!python/object:os.system ", b"<<: ", b"{", b"[",
           b"]", b"}", b"#", b"---\n", b"\xef\xbb\xbf", b"\xff", b"\r", b"\x00", b"%YAML 1.1\n", b"? ", b"|\n", b">-\n",
           b"<<<<<<< HEAD\n", b"~", b"9" * 5000, b"\xd0\xb0"]


@st.composite
def mutated_topic(draw: st.DrawFn) -> bytes:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "flip", "insert", "indent", "truncate"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "flip" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            flipped = lines[i][k] ^ (1 << draw(st.integers(0, 7)))
            lines[i] = lines[i][:k] + bytes([flipped]) + lines[i][k + 1:]
        elif op == "insert":
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + draw(st.sampled_from(INSERTS)) + lines[i][k:]
        elif op == "indent":
            lines[i] = draw(st.sampled_from([b" ", b"  ", b"\t"])) + lines[i]
        elif op == "truncate":
            lines = lines[:i + 1]
    return b"".join(lines)


def _check_document(raw: bytes) -> None:
    started = time.perf_counter()
    doc = parse_text(raw, "t.yaml")
    assert time.perf_counter() - started < MAX_SECONDS
    assert all(isinstance(f, Finding) and f.line >= 1 and f.column >= 1 for f in doc.findings)
    assert doc.data is not None or doc.findings, "a file that did not load must say why"
    assert all(line >= 1 and column >= 1 for line, column in doc.positions.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _check_document(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*" \t\n-:[]{},'\"&*!|>#?%@`~abc019", "\r\n", "é", "  ", "- ", ": "]), max_size=300)
       .map("".join))
def test_yaml_punctuation_never_raises(text: str) -> None:
    _check_document(text.encode("utf-8"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_topic())
def test_mutated_topic_never_raises(raw: bytes) -> None:
    _check_document(raw)


@pytest.fixture(scope="module")
def mutation_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("properties") / "project"
    (root / "guidelines" / "topics").mkdir(parents=True)
    (root / "guidelines" / "references").mkdir()
    for name in DATA_FILES:
        shutil.copy(REPO_ROOT / "guidelines" / name, root / "guidelines" / name)
    shutil.copytree(REPO_ROOT / "guidelines" / "references", root / "guidelines" / "references", dirs_exist_ok=True)
    return root


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=mutated_topic())
def test_validate_never_raises_on_a_mutated_file(raw: bytes, mutation_project: Path) -> None:
    target = mutation_project / "guidelines" / "topics" / "topic.yaml"
    target.write_bytes(raw)
    project = load_project(mutation_project)
    result = validate([target], project, today=date(2026, 11, 25))
    assert all(f.line >= 1 and f.column >= 1 for f in result.findings)
    assert all(f.file for f in result.findings)
    assert target.read_bytes() == raw
