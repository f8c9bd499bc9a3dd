"""Property tests: mutated recommendation records (wrong types, missing fields, duplicate ids, random concepts
and citations) never make a check raise or hang, and the board report renders any diff between a clean and a
mutated revision."""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from guideline.corpus.loader import read_file
from guideline.corpus.project import load_project
from guideline.engine.pipeline import validate
from guideline.findings import Finding
from guideline.render import report_html, report_json, report_md
from guideline.render.findings_formats import finding_json
from guideline.report.compare import compare
from helpers import REPO_ROOT
from helpers.workflow import EDITOR, commit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOPIC = "guidelines/topics/osteoporotic-spine-fracture.yaml"
TODAY = date(2026, 11, 25)
SHIPPED = read_file(REPO_ROOT / TOPIC, TOPIC).data
RECORDS: list[dict[str, Any]] = SHIPPED["recommendations"]
FIELDS = sorted({key for record in RECORDS for key in record})
LIST_FIELDS = ("intervention", "comparator", "citations")
# A validate run of the whole shipped topic; far above it means something went quadratic or hung.
BOUND_SECONDS = 20.0

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["", " ", "null", "2026-13-45", "~", "&a", "{{x}}"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=10)
mutation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(FIELDS), values),
    st.tuples(st.just("delete"), st.sampled_from(FIELDS), st.none()),
    st.tuples(st.just("list"), st.sampled_from(LIST_FIELDS), st.lists(st.text(max_size=20), max_size=5)),
    st.tuples(st.just("duplicate"), st.none(), st.none()),
)
mutations = st.lists(st.tuples(st.integers(0, len(RECORDS) - 1), mutation), min_size=1, max_size=6)


def mutated(edits: list[tuple[int, tuple[str, Any, Any]]]) -> dict[str, Any]:
    data = json.loads(json.dumps(SHIPPED))
    records = data["recommendations"]
    for index, (kind, name, value) in edits:
        record = records[index % len(records)]
        if kind == "set":
            record[name] = value
        elif kind == "delete":
            record.pop(name, None)
        elif kind == "list":
            record[name] = value
        else:
            records.append(json.loads(json.dumps(record)))
    return data


def write_topic(root: Path, data: dict[str, Any]) -> None:
    text = "# yaml-language-server: $schema=../../schemas/topic-file.schema.json\n"
    (root / TOPIC).write_text(text + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped corpus without the expectation suite (it costs seconds per run; tested once below),
    committed once: the clean revision."""
    root = tmp_path_factory.mktemp("properties") / "project"
    shutil.copytree(REPO_ROOT / "guidelines", root / "guidelines")
    (root / "guidelines" / "expectations.yaml").unlink()
    git.Repo.init(root)
    commit(root, EDITOR, "clean")
    return root


def _check(findings: list[Finding]) -> None:
    for finding in findings:
        assert finding.line >= 1 and finding.column >= 1, finding
        json.dumps(finding_json(finding))


@given(mutations)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_checks_never_raise_on_mutated_records(repo: Path, edits: list[tuple[int, tuple[str, Any, Any]]]) -> None:
    write_topic(repo, mutated(edits))
    started = time.perf_counter()
    result = validate([repo / "guidelines"], load_project(repo), today=TODAY)
    assert time.perf_counter() - started < BOUND_SECONDS
    _check(result.findings)


@given(mutations)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_report_renders_any_diff(repo: Path, edits: list[tuple[int, tuple[str, Any, Any]]]) -> None:
    write_topic(repo, mutated(edits))
    report = compare(repo, "HEAD", None, as_of=TODAY, with_findings=False)
    json.loads(report_json.render(report))
    assert report_md.render(report)
    html = report_html.render(report)
    assert html.rstrip().endswith("</html>")


def test_every_check_with_the_expectation_suite(tmp_path: Path) -> None:
    """One mutated corpus through every check, the great-expectations suite included."""
    root = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "guidelines", root / "guidelines")
    write_topic(root, mutated([(0, ("set", "dosing", [{"dose": "x", "unit": 3}])), (1, ("delete", "statement", None)),
                               (2, ("list", "citations", ["nope", ""])), (3, ("duplicate", None, None)),
                               (4, ("set", "strength", [1, 2])), (5, ("set", "population", None))]))
    result = validate([root / "guidelines"], load_project(root), today=TODAY)
    _check(result.findings)
    assert any(f.rule.startswith("SCH") for f in result.findings)
