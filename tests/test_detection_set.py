"""The evaluation set through benchmarks/detection.py: recall per defect kind and false alarms may not regress.

The floors are the figures of the last measured run (tests/fixtures/evaluation/README.md); raise them when
the importer or a check improves, never lower them to make a change pass."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT

pytestmark = pytest.mark.slow

# kind -> (defects that must be detected at least, false alarms allowed at most)
FLOORS = {
    "missing-reference": (3, 0),
    "orphan-reference": (2, 0),
    "duplicate-reference": (2, 0),
    "malformed-citation": (3, 0),
    "conflicting-recommendations": (2, 2),
    "conflicting-doses": (4, 2),
    "inconsistent-grade": (2, 0),
}
MAX_CLEAN_FALSE_ALARMS = 0
# (article, kind, lines) that must be found, each by one of the defect's rules.
MUST_FIND = [
    ("gout", "missing-reference", [39]),
    ("asthma", "missing-reference", [37]),
    ("hypertension", "missing-reference", [28]),
    ("migraine-prophylaxis", "orphan-reference", [82, 84]),
    ("copd", "orphan-reference", [77, 79]),
    ("heart-failure", "duplicate-reference", [59, 61, 71, 73]),
    ("copd", "duplicate-reference", [47, 49, 71, 73]),
    ("migraine-prophylaxis", "malformed-citation", [28]),
    ("hypertension", "malformed-citation", [36]),
    ("asthma", "malformed-citation", [35]),
    ("migraine-prophylaxis", "conflicting-recommendations", [27, 29]),
    ("hypertension", "conflicting-recommendations", [37, 38]),
    ("gout", "conflicting-doses", [35, 37]),
    ("gout", "conflicting-doses", [46, 47]),
    ("heart-failure", "conflicting-doses", [35, 36]),
    ("copd", "conflicting-doses", [36, 37]),
    ("gout", "inconsistent-grade", [40]),
    ("asthma", "inconsistent-grade", [44]),
]


def load_benchmark() -> Any:
    path = REPO_ROOT / "benchmarks" / "detection.py"
    spec = importlib.util.spec_from_file_location("detection_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


# One test, not one per kind and defect: the evaluation imports and validates seven articles (over a minute),
# and pytest-xdist would run a module fixture once on each worker that got one of the module's tests.
def test_detection_does_not_regress(tmp_path: Path) -> None:
    detection = load_benchmark()
    evaluation = REPO_ROOT / "tests" / "fixtures" / "evaluation"
    report: dict[str, Any] = detection.evaluate(evaluation / "articles", evaluation / "answers.yaml", tmp_path)
    regressed = {}
    for kind, (least, most) in FLOORS.items():
        row = report["summary"]["classes"][kind]
        if row["detected"] < least or row["false_alarms"] > most:
            regressed[kind] = row
    assert not regressed
    assert report["summary"]["clean_false_alarms"] <= MAX_CLEAN_FALSE_ALARMS
    articles = {r["name"]: r for r in report["articles"]}
    missing = []
    for article, kind, lines in MUST_FIND:
        found = [d for d in articles[article]["detected"] if d["class"] == kind and d["lines"] == lines]
        if not found or not set(found[0]["found_by"]) <= set(found[0]["rules"]):
            missing.append((article, kind, lines, articles[article]["missed"]))
    assert not missing
