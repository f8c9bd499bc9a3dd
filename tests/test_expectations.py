"""The expectation suite (guidelines/expectations.yaml) run with great-expectations over the corpus frames.

The suite runs once per fixture corpus (module-scoped): a clean corpus that passes every shipped expectation,
and one that breaks each of them at a known file and line. Importing great-expectations costs about 2 s, so the
corpus fixtures run in-process; the CLI tests cover what only the installed command shows (exit codes, output).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from guideline.checks.base import Context
from guideline.checks.expectations import load_suite, run_check
from guideline.checks.frames import COLUMNS
from guideline.corpus.loader import read_file
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from guideline.errors import ConfigError
from guideline.findings import Finding
from guideline.render.findings_formats import finding_json
from helpers import REPO_ROOT, make_project, rule_hits, validate_json

TODAY = date(2026, 11, 25)
SUITE = "guidelines/expectations.yaml"
SUITE_TEXT = (REPO_ROOT / SUITE).read_text(encoding="utf-8")
Hit = tuple[str, int, "str | None"]

CLEAN_TOPIC = """\
topic:
  id: alpha
  question: How to treat alpha?
  title: Alpha treatment
  summary: alpha-00
  audience: [clinicians]
  last_updated: "2026-06-01"
  last_reviewed: "2026-06-01"
  review_state: draft
  sections:
    - id: treatment
      title: Treatment
recommendations:
  - id: alpha-00
    section: summary
    statement: Treat alpha with calcium as the first-line therapy.
    statement_type: good-practice
    citations: []
    review_state: draft
  - id: alpha-01
    section: treatment
    statement: Give calcium 1000 mg daily to adults with alpha deficiency.
    statement_type: recommendation
    direction: for
    strength: {scheme: GRADE, grade: Strong, class: strong}
    certainty: high
    dosing:
      - agent: calcium
        dose: 1000
        dose_max: 1200
        unit: mg
        frequency: daily
    citations: [ref-a]
    review_state: draft
    last_reviewed: "2026-06-01"
  - id: alpha-02
    section: treatment
    statement: Consider vitamin D in adults with alpha and low intake.
    statement_type: recommendation
    direction: for
    strength: {scheme: AAOS, version: "2010", grade: Weak, class: conditional}
    certainty: low
    citations: [ref-a]
    review_state: draft
"""

CLEAN_REFERENCES = """\
references:
  - id: ref-a
    type: rct
    title: Calcium in alpha
    source: Journal of Alpha
    year: 2024
    identifiers: {pmid: "123456"}
"""

BETA = """\
topic:
  id: beta
  question: How to treat beta?
  title: Beta treatment
  summary: beta-00
  audience: [clinicians]
  last_updated: "2027-02-01"
  review_state: draft
  sections:
    - id: treatment
      title: Treatment
recommendations:
  - id: beta-00
    section: summary
    statement: Treat beta with the regimens below in most adults.
    statement_type: good-practice
    citations: []
    review_state: draft
  - id: beta-01
    section: summary
    statement: A second summary statement for the same beta topic.
    statement_type: information
    citations: []
    review_state: draft
  - id: dup-01
    section: treatment
    statement: Give calcium daily to adults with beta deficiency.
    statement_type: good-practice
    citations: []
    review_state: draft
  - id: beta-02
    section: treatment
    statement: Use an AAOS 2018 grade that the scheme does not define.
    statement_type: recommendation
    direction: for
    strength:
      scheme: AAOS
      version: "2018"
      grade: Weak
    certainty: moderate
    citations: [ref-ok]
    review_state: draft
  - id: beta-03
    section: treatment
    statement: A GRADE strong recommendation that lost its certainty.
    statement_type: recommendation
    direction: for
    strength: {scheme: GRADE, grade: Strong, class: strong}
    certainty: not-rated
    citations: [ref-ok]
    review_state: draft
  - id: beta-04
    section: treatment
    statement: Too short.
    statement_type: information
    citations: []
    review_state: draft
  - id: beta-05
    section: treatment
    statement: Reviewed on a date that has not come yet.
    statement_type: information
    citations: []
    review_state: draft
    last_reviewed: "2027-01-01"
  - id: beta-06
    section: treatment
    statement: A graded recommendation that cites nothing at all.
    statement_type: recommendation
    direction: for
    strength: {scheme: GRADE, grade: Conditional, class: conditional}
    certainty: low
    citations: []
    review_state: draft
  - id: beta-07
    section: treatment
    statement: Repeat this statement   twice in the topic.
    statement_type: information
    citations: []
    review_state: draft
  - id: beta-08
    section: treatment
    statement: repeat this statement twice in the topic.
    statement_type: information
    citations: []
    review_state: draft
  - id: beta-09
    section: treatment
    statement: A strong recommendation resting on low certainty evidence.
    statement_type: recommendation
    direction: for
    strength: {scheme: GRADE, grade: Strong, class: strong}
    certainty: low
    citations:
      - ref-ok
      - ref-ok
    review_state: draft
  - id: beta-10
    section: treatment
    statement: Give calcium and vitamin D with these doses to adults with beta.
    statement_type: good-practice
    dosing:
      - agent: calcium
        dose: 500
        unit: mg
      - agent: calcium
        dose: 1200
        dose_max: 1000
        unit: mg
        frequency: daily
      - agent: vitamin-d
        dose: 800
        unit: I.U.
        frequency: daily
    citations: []
    review_state: draft
"""

GAMMA = """\
topic:
  id: gamma
  question: How to treat gamma?
  title: Gamma treatment
  summary: dup-01
  audience: [clinicians]
  last_updated: "2026-10-01"
  review_state: draft
  sections:
    - id: treatment
      title: Treatment
recommendations:
  - id: dup-01
    section: treatment
    statement: Another statement that reuses an id of the beta topic.
    statement_type: good-practice
    citations: []
    review_state: draft
"""

DELTA = """\
topic:
  id: delta
  question: How to treat delta?
  title: Delta treatment
  summary: delta-00
  audience: [clinicians]
  last_updated: "2020-01-01"
  review_state: draft
  sections:
    - id: treatment
      title: Treatment
recommendations: []
"""

BAD_REFERENCES = """\
references:
  - id: ref-ok
    type: rct
    title: A trial
    source: Journal
    year: 1990
    identifiers: {pmid: "1"}
  - id: ref-noid
    type: rct
    title: No identifiers
    source: Journal
    year: 1991
  - id: ref-old
    type: rct
    title: Very old
    source: Journal
    year: 1850
    identifiers: {doi: 10.1000/old}
  - id: ref-blank
    type: rct
    title: "   "
    source: Journal
    year: 1995
    identifiers: {pmid: "2"}
"""

BETA_FILE = "guidelines/topics/beta.yaml"
GAMMA_FILE = "guidelines/topics/gamma.yaml"
DELTA_FILE = "guidelines/topics/delta.yaml"
REFS_FILE = "guidelines/references/refs.yaml"


def line_of(text: str, needle: str, nth: int = 1) -> int:
    found = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) >= nth, f"{needle!r} occurs {len(found)} times"
    return found[nth - 1]


def last_line_of(text: str, needle: str) -> int:
    return max(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def line_after(text: str, anchor: str, needle: str) -> int:
    start = line_of(text, anchor)
    lines = text.splitlines()
    return next(number for number in range(start, len(lines) + 1) if needle in lines[number - 1])


def suite_line(rule: str) -> int:
    return line_of(SUITE_TEXT, f"id: {rule}")


# Where each shipped expectation must fire on the failing corpus: (file, line, record).
EXPECTED: dict[str, list[Hit]] = {
    "EXP001": [(BETA_FILE, line_of(BETA, "id: dup-01"), "dup-01"), (GAMMA_FILE, line_of(GAMMA, "id: dup-01"), "dup-01")],
    "EXP002": [(BETA_FILE, line_of(BETA, "grade: Weak"), "beta-02")],
    "EXP003": [(BETA_FILE, line_of(BETA, "certainty: not-rated"), "beta-03")],
    "EXP004": [(BETA_FILE, line_of(BETA, "section: summary", 1), "beta-00"),
               (BETA_FILE, line_of(BETA, "section: summary", 2), "beta-01")],
    "EXP005": [(BETA_FILE, line_of(BETA, "statement: Too short."), "beta-04")],
    "EXP006": [(BETA_FILE, line_of(BETA, 'last_reviewed: "2027-01-01"'), "beta-05")],
    "EXP007": [(BETA_FILE, line_after(BETA, "id: beta-06", "citations: []"), "beta-06")],
    "EXP008": [(BETA_FILE, line_of(BETA, "statement: Repeat this statement"), "beta-07"),
               (BETA_FILE, line_of(BETA, "statement: repeat this statement"), "beta-08")],
    "EXP009": [(SUITE, suite_line("EXP009"), None)],
    "EXP010": [(BETA_FILE, line_of(BETA, "last_updated:"), "beta")],
    "EXP011": [(DELTA_FILE, line_of(DELTA, "topic:"), "delta")],
    "EXP012": [(DELTA_FILE, line_of(DELTA, "topic:"), "delta")],
    "EXP013": [(REFS_FILE, line_of(BAD_REFERENCES, "id: ref-noid"), "ref-noid")],
    "EXP014": [(REFS_FILE, line_of(BAD_REFERENCES, "year: 1850"), "ref-old")],
    "EXP015": [(REFS_FILE, line_of(BAD_REFERENCES, 'title: "   "'), "ref-blank")],
    "EXP016": [(SUITE, suite_line("EXP016"), None)],
    "EXP017": [(BETA_FILE, line_of(BETA, "- agent: calcium", 1), "beta-10")],
    "EXP018": [(BETA_FILE, line_of(BETA, "dose_max: 1000"), "beta-10")],
    "EXP019": [(BETA_FILE, line_of(BETA, "unit: I.U."), "beta-10")],
    "EXP020": [(BETA_FILE, line_of(BETA, "      - ref-ok", 1), "beta-09"),
               (BETA_FILE, line_of(BETA, "      - ref-ok", 2), "beta-09")],
}


def write_project(root: Path, files: dict[str, str]) -> Path:
    make_project(root)
    shutil.copy(REPO_ROOT / SUITE, root / SUITE)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def run_in_process(root: Path) -> list[Finding]:
    """The registered check on a loaded corpus, with paths shown relative to the project as in the CLI."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        project = load_project(root)
        corpus = load_corpus([root / "guidelines"], project)
        return list(run_check(Context(corpus, project, TODAY)))


def hits(findings: list[Finding], rule: str) -> list[Hit]:
    return sorted(((f.file, f.line, f.record) for f in findings if f.rule == rule), key=str)


@pytest.fixture(scope="module")
def clean_findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    root = write_project(tmp_path_factory.mktemp("clean") / "project", {
        "guidelines/topics/alpha.yaml": CLEAN_TOPIC, "guidelines/references/refs.yaml": CLEAN_REFERENCES})
    return run_in_process(root)


@pytest.fixture(scope="module")
def failing_findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    root = write_project(tmp_path_factory.mktemp("failing") / "project", {
        BETA_FILE: BETA, GAMMA_FILE: GAMMA, DELTA_FILE: DELTA, REFS_FILE: BAD_REFERENCES})
    return run_in_process(root)


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CompletedProcess[str]]:
    from helpers import run_cli

    root = make_project(tmp_path_factory.mktemp("shipped") / "project", with_corpus=True)
    return root, run_cli("validate", "--format", "json", cwd=root)


def shipped_ids() -> list[str]:
    project = load_project(REPO_ROOT)
    suite = load_suite(project)
    assert suite is not None
    return [entry.id for entry in suite.entries]


def test_shipped_suite_has_fifteen_or_more_documented_expectations() -> None:
    ids = shipped_ids()
    assert len(ids) >= 15 and ids == sorted(ids)
    assert set(ids) == set(EXPECTED), "every shipped expectation needs a failing fixture in EXPECTED"
    docs = (REPO_ROOT / "docs" / "expectations.md").read_text(encoding="utf-8")
    for rule in ids:
        assert f"`{rule}`" in docs, f"{rule} is not documented in docs/expectations.md"
    for frame, columns in COLUMNS.items():
        for column in columns:
            assert f"`{column}`" in docs, f"column {frame}.{column} is not documented"


def test_clean_corpus_passes_every_expectation(clean_findings: list[Finding]) -> None:
    assert [(f.rule, f.file, f.line, f.message) for f in clean_findings] == []


def test_aggregates_over_no_values_are_not_findings(tmp_path: Path) -> None:
    only_summary = CLEAN_TOPIC[:CLEAN_TOPIC.index("  - id: alpha-01")]
    root = write_project(tmp_path / "project", {"guidelines/topics/alpha.yaml": only_summary})
    assert run_in_process(root) == []


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_expectation_fires_on_its_failing_rows(failing_findings: list[Finding], rule: str) -> None:
    assert hits(failing_findings, rule) == sorted(EXPECTED[rule], key=str)


def test_findings_carry_suite_severity_message_and_hint(failing_findings: list[Finding]) -> None:
    suite = load_suite(load_project(REPO_ROOT))
    assert suite is not None
    entries = {entry.id: entry for entry in suite.entries}
    for finding in failing_findings:
        entry = entries[finding.rule]
        assert finding.severity is entry.rule.severity
        assert finding.message.startswith(entry.rule.title + ": ")
        assert finding.hint == entry.hint
    by_rule = {f.rule: f for f in failing_findings}
    assert by_rule["EXP009"].message == ("Too many strong recommendations on low-certainty evidence: column mean "
                                         "of low_certainty_if_strong is 0.5 (expected at most 0.1)")
    assert by_rule["EXP014"].message == "Reference year out of bounds: year is 1850 (expected at least 1900 " \
                                        "and at most 2026)"
    assert by_rule["EXP019"].message.startswith("Dosing unit not allowed: unit is 'I.U.' (expected one of 'mg',")
    assert by_rule["EXP017"].message == "Dose without a frequency: frequency is missing"
    duplicate = next(f for f in failing_findings if f.rule == "EXP001" and f.file == BETA_FILE)
    assert duplicate.message == "Recommendation id used twice: record is 'dup-01' appears 2 times"
    assert [(loc.file, loc.line) for loc in duplicate.related] == [(GAMMA_FILE, line_of(GAMMA, "id: dup-01"))]


def test_findings_are_plain_python_values(failing_findings: list[Finding]) -> None:
    document = json.dumps([finding_json(f) for f in failing_findings])
    assert "NaN" not in document
    for finding in failing_findings:
        assert type(finding.line) is int and type(finding.column) is int


def test_shipped_corpus_reports_references_without_identifiers(
        shipped_report: tuple[Path, CompletedProcess[str]]) -> None:
    root, result = shipped_report
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""  # no progress bars, no great-expectations chatter
    report = json.loads(result.stdout)
    bibliography = "guidelines/references/osteoporotic-spine-fracture.yaml"
    doc = read_file(root / bibliography, bibliography)
    expected = sorted((bibliography, doc.position(("references", index))[0], item["id"])
                      for index, item in enumerate(doc.data["references"]) if not item.get("identifiers"))
    assert rule_hits(report, "EXP013") == expected
    others = [f for f in report["findings"] if f["rule"].startswith("EXP") and f["rule"] != "EXP013"]
    assert others == []


def test_no_expectations_option_skips_the_suite(shipped_project: Path) -> None:
    report = validate_json(shipped_project, extra=("--no-expectations",))
    assert [f for f in report["findings"] if f["rule"].startswith("EXP")] == []


ADDED = """
  - id: EXP900
    title: Topic title too long
    description: A topic title fits on one line of the index page.
    severity: warning
    frame: topics
    expectation: expect_column_value_lengths_to_be_between
    kwargs:
      column: title
      max_value: 40
    field: title
    hint: shorten the title
"""


def test_an_expectation_added_to_the_suite_file_alone_fires(
        shipped_project: Path, guideline: Callable[..., CompletedProcess[str]]) -> None:
    suite = shipped_project / SUITE
    suite.write_text(suite.read_text(encoding="utf-8") + ADDED, encoding="utf-8")
    report = validate_json(shipped_project)
    topic_file = "guidelines/topics/osteoporotic-spine-fracture.yaml"
    topic_text = (shipped_project / topic_file).read_text(encoding="utf-8")
    assert rule_hits(report, "EXP900") == [(topic_file, line_of(topic_text, "  title: Best Treatment"),
                                            "osteoporotic-spine-fracture")]
    [finding] = [f for f in report["findings"] if f["rule"] == "EXP900"]
    assert finding["severity"] == "warning" and finding["hint"] == "shorten the title"
    assert finding["message"] == ("Topic title too long: title is 'Best Treatment for Osteoporotic Spine "
                                  "Fractures' (expected at most 40)")
    listed = guideline("rules", "EXP900", cwd=shipped_project)
    assert listed.returncode == 0 and "EXP900  warning  Topic title too long" in listed.stdout


def test_rules_lists_the_suite_inside_a_project_and_built_ins_outside(
        shipped_project: Path, tmp_path: Path, guideline: Callable[..., CompletedProcess[str]]) -> None:
    inside = guideline("rules", "--format", "json", cwd=shipped_project)
    assert inside.returncode == 0, inside.stderr
    listed = {rule["id"]: rule for rule in json.loads(inside.stdout)}
    assert set(shipped_ids()) <= set(listed)
    assert listed["EXP013"]["severity"] == "warning" and listed["EXP013"]["title"] == "Reference without an identifier"
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    outside = guideline("rules", cwd=outside_dir)
    assert outside.returncode == 0, outside.stderr
    assert "ID001" in outside.stdout and "EXP0" not in outside.stdout


UNKNOWN_TYPE = ADDED.replace("EXP900", "EXP901").replace("expect_column_value_lengths_to_be_between",
                                                         "expect_column_values_to_be_lovely")


@pytest.mark.parametrize("entry, needle, words", [
    (UNKNOWN_TYPE, "id: EXP901", "expectation EXP901 (expect_column_values_to_be_lovely): unknown expectation type"),
    (ADDED.replace("column: title", "column: titel"), "column: titel", "frame 'topics' has no column 'titel'"),
], ids=["unknown-type", "unknown-column"])
def test_malformed_suite_is_a_configuration_error_naming_file_and_line(
        shipped_project: Path, guideline: Callable[..., CompletedProcess[str]], entry: str, needle: str,
        words: str) -> None:
    suite = shipped_project / SUITE
    text = suite.read_text(encoding="utf-8") + entry
    suite.write_text(text, encoding="utf-8")
    result = guideline("validate", cwd=shipped_project)
    assert result.returncode == 2
    assert f"guideline: error: {SUITE}:{last_line_of(text, needle)}: " in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


MALFORMED = [
    ("bad-kwargs", ADDED.replace("max_value: 40", "max_valu: 40"), "id: EXP900",
     "expectation EXP900 (expect_column_value_lengths_to_be_between): max_valu: extra fields not permitted"),
    ("wrong-kwarg-type", ADDED.replace("max_value: 40", "max_value: forty"), "id: EXP900", "max_value"),
    ("unknown-parameter", ADDED.replace("max_value: 40", "max_value: {$PARAMETER: policy.title_length}"),
     "max_value:", "unknown parameter 'policy.title_length'"),
    ("duplicate-id", ADDED.replace("EXP900", "EXP001"), "id: EXP001", "id is already used at line 6"),
    ("schema", ADDED.replace("    severity: warning\n", "    severity: fatal\n"), "severity: fatal", "severity"),
    ("bad-row-condition", ADDED.replace("      max_value: 40\n",
                                        '      max_value: 40\n      row_condition: titel == "x"\n'
                                        "      condition_parser: pandas\n"), "id: EXP900", "titel"),
    ("yaml-syntax", ADDED.replace("      max_value: 40\n", "      max_value: [40\n"), "field: title",
     "cannot be read"),
]


@pytest.mark.parametrize("entry, needle, words", [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_suite_entries_raise_config_errors_with_line(
        tmp_path: Path, entry: str, needle: str, words: str) -> None:
    root = write_project(tmp_path / "project", {"guidelines/topics/alpha.yaml": CLEAN_TOPIC,
                                                "guidelines/references/refs.yaml": CLEAN_REFERENCES})
    suite = root / SUITE
    text = SUITE_TEXT + entry
    suite.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        run_in_process(root)
    message = str(caught.value)
    assert message.startswith(f"{SUITE}:{last_line_of(text, needle)}: "), message
    assert words in message
