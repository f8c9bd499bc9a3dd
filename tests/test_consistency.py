"""Grade consistency (GRD004-GRD008): GRADE paradigms, wording per scheme, statement text against fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from guideline.checks import consistency
from guideline.corpus.project import load_project
from helpers import make_project, validate_json
from helpers.fixture_topics import SHIPPED, fixture_project, line_of, run_checks

T2D = "guidelines/topics/type-2-diabetes/topic.yaml"
GRD_RULES = ("GRD004", "GRD005", "GRD006", "GRD007", "GRD008")


@pytest.fixture(scope="module")
def t2d_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = fixture_project(tmp_path_factory.mktemp("consistency") / "project", "type-2-diabetes")
    return root, validate_json(root)


def test_type_2_diabetes_fixture_reports_exactly_the_planted_grade_problems(
        t2d_report: tuple[Path, dict[str, Any]]) -> None:
    root, report = t2d_report
    path = root / T2D
    got = {(f["rule"], f["file"], f["line"], f["record"])
           for f in report["findings"] if f["rule"] in GRD_RULES}
    assert got == {
        ("GRD004", T2D, line_of(path, "t2d-06", "strength"), "t2d-06"),
        ("GRD006", T2D, line_of(path, "t2d-07", "direction"), "t2d-07"),
        ("GRD005", T2D, line_of(path, "t2d-08", "strength", "paradigm"), "t2d-08"),
        ("GRD008", T2D, line_of(path, "t2d-10", "direction"), "t2d-10"),
        ("GRD008", T2D, line_of(path, "t2d-12", "strength"), "t2d-12"),
        ("GRD007", T2D, line_of(path, "t2d-13", "statement"), "t2d-13"),
    }
    by_record = {f["record"]: f for f in report["findings"] if f["rule"] in GRD_RULES}
    assert "life-threatening" in by_record["t2d-07"]["message"]
    assert "set direction: for" in by_record["t2d-07"]["hint"]
    assert "'do not give'" in by_record["t2d-10"]["message"]
    assert "'strongly suggest'" in by_record["t2d-12"]["message"]
    # t2d-09 (paradigm and rationale given), t2d-14 (its paradigm implies its direction), t2d-11 ("do not
    # forget"), t2d-00 (information) stay silent.
    assert not {"t2d-09", "t2d-14", "t2d-11", "t2d-00"} & set(by_record)


def test_shipped_corpus_wording(shipped_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = run_checks(shipped_project, consistency.CHECKS, monkeypatch)
    # Only -11: AAOS 2010 grades it Weak ("option"), the article says "specifically recommended".
    assert [(f.rule, f.file, f.line, f.record) for f in findings] == [
        ("GRD007", SHIPPED, line_of(shipped_project / SHIPPED, "osteoporotic-spine-fracture-11", "statement"),
         "osteoporotic-spine-fracture-11")]


def test_paradigm_checks_need_the_paradigm_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fixture_project(tmp_path / "project", "type-2-diabetes")
    (root / "guidelines" / "paradigms.yaml").unlink()
    rules = {(f.rule, f.record) for f in run_checks(root, consistency.CHECKS[:1], monkeypatch)}
    assert rules == {("GRD004", "t2d-06")}


def test_paradigms_file_is_schema_checked(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "guidelines" / "paradigms.yaml").write_text(
        "paradigms:\n  - id: life-threatening\n    label: Life-threatening\n    direction: sideways\n",
        encoding="utf-8")
    report = validate_json(root)
    assert [(f["rule"], f["file"], f["line"]) for f in report["findings"]] == [
        ("SCH004", "guidelines/paradigms.yaml", 4)]


def test_load_paradigms(repo_root: Path) -> None:
    paradigms = consistency.load_paradigms(load_project(repo_root))
    assert paradigms is not None and len(paradigms) == 5
    assert paradigms["potential-catastrophic-harm"].direction == "against"
    assert paradigms["life-threatening"].direction == "for"
    assert paradigms["similar-benefit-less-harm"].direction is None


def grades(repo_root: Path, scheme: str, version: str | None = None) -> Any:
    return load_project(repo_root).grading.grades_of(scheme, version)


@pytest.mark.parametrize(("scheme", "version", "statement", "found"), [
    ("GRADE", None, "We recommend apixaban.", {"Strong"}),
    ("GRADE", None, "We recommend against aspirin.", {"Strong"}),
    ("GRADE", None, "We suggest metformin.", {"Conditional", "Weak"}),
    ("NICE", None, "Consider a statin.", {"Consider"}),
    ("NICE", None, "Do not offer antibiotics for a cold.", {"Offer"}),
    ("AAOS", "2010", "L2 nerve root block is an option.", {"Weak"}),
    ("AAOS", "2010", "The guideline states inability to recommend for or against any treatment.",
     {"Inconclusive"}),
    ("AAOS", "2010", "We are unable to recommend for or against bracing.", {"Inconclusive"}),
    ("AAOS", "2010", "Administer calcitonin daily for 4 weeks.", set()),
])
def test_wording_matches(repo_root: Path, scheme: str, version: str | None, statement: str,
                         found: set[str]) -> None:
    matches = consistency.wording_matches(statement, consistency.cues_of(grades(repo_root, scheme, version)))
    assert {grade for grade, _ in matches} == found


@pytest.mark.parametrize(("statement", "cue"), [
    ("Do not pursue vertebroplasty routinely", "do not pursue"),
    ("In patients with CrCl below 15, avoid apixaban", "avoid apixaban"),
    ("Apixaban should not be used in pregnancy", "should not be"),
    ("We recommend against aspirin for primary prevention", "recommend against"),
    ("Aspirin is not recommended for primary prevention", "not recommended"),
    ("Do not delay bisphosphonate initiation", None),
    ("Do not forget calcium and vitamin D supplementation", None),
    ("Initiation should not be delayed while pain resolves", None),
    ("We are unable to recommend for or against bracing", None),
    ("Zoledronic acid for patients who do not tolerate oral bisphosphonates", None),
    ("Amoxicillin is active against Streptococcus pneumoniae", None),
])
def test_negative_cues(statement: str, cue: str | None) -> None:
    assert consistency.negative_cue(statement) == cue


def test_direction_against_with_a_plain_recommendation(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project")
    path = root / "guidelines" / "topics" / "t.yaml"
    path.parent.mkdir(parents=True)
    body = ("topic:\n  id: t\n  question: Q?\n  title: T\n  summary: t-00\n  audience:\n    - clinicians\n"
            "  last_updated: \"2026-01-01\"\n  review_state: draft\n  sections:\n    - id: care\n"
            "      title: Care\nrecommendations:\n  - id: t-00\n    section: summary\n    statement: S.\n"
            "    statement_type: information\n    citations: []\n    review_state: draft\n")
    for rec_id, statement in (("t-01", "We recommend aspirin for secondary prevention."),
                              ("t-02", "We recommend against aspirin for primary prevention."),
                              ("t-03", "Current evidence does not support aspirin in young adults.")):
        body += (f"  - id: {rec_id}\n    section: care\n    statement: {statement}\n"
                 "    statement_type: recommendation\n    direction: against\n    strength:\n"
                 "      scheme: GRADE\n      grade: Strong\n      class: strong\n    certainty: high\n"
                 "    intervention:\n      - aspirin\n    citations: []\n    review_state: draft\n")
    path.write_text(body, encoding="utf-8")
    findings = run_checks(root, consistency.CHECKS, monkeypatch)
    assert [(f.rule, f.line, f.record) for f in findings] == [
        ("GRD008", line_of(path, "t-01", "direction"), "t-01")]


# --- statement against dosing entries (TXT001-TXT004) ----------------------------------------------------

DOSE_RULES = ("TXT001", "TXT002", "TXT003", "TXT004")


def dosed(rec_id: str, statement: str, *entries: str) -> str:
    return (f"  - id: {rec_id}\n    section: care\n    statement: \"{statement}\"\n"
            "    statement_type: recommendation\n    direction: for\n    strength:\n      scheme: UNGRADED\n"
            "      grade: Not graded\n      class: not-graded\n    certainty: not-rated\n"
            "    intervention:\n      - calcium\n    dosing:\n" + "".join(f"      - {{{entry}}}\n" for entry in entries)
            + "    citations: []\n    review_state: draft\n")


def dose_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *recs: str) -> list[tuple[str, str | None]]:
    root = make_project(tmp_path / "project")
    path = root / "guidelines" / "topics" / "t.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("topic:\n  id: t\n  question: Q?\n  title: T\n  summary: t-00\n  audience:\n    - clinicians\n"
                    "  last_updated: \"2026-01-01\"\n  review_state: draft\n  sections:\n    - id: care\n"
                    "      title: Care\nrecommendations:\n  - id: t-00\n    section: summary\n    statement: S.\n"
                    "    statement_type: information\n    citations: []\n    review_state: draft\n" + "".join(recs),
                    encoding="utf-8")
    return [(f.rule, f.record) for f in run_checks(root, consistency.CHECKS, monkeypatch) if f.rule in DOSE_RULES]


def test_statement_doses_agree_after_normalisation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calcium = "agent: calcium, dose: 1000, dose_max: 1200, unit: mg, route: oral, frequency: daily"
    assert dose_findings(
        tmp_path, monkeypatch,
        dosed("t-01", "Calcium 1000-1200 mg/day", calcium),
        dosed("t-02", "Calcium 1-1.2 g daily", calcium),
        # 500 mg twice a day is 1000 mg a day.
        dosed("t-03", "Calcium 1000 mg/day", "agent: calcium, dose: 500, unit: mg, frequency: twice daily"),
        # A threshold and a concentration are not doses; a statement without doses is not compared.
        dosed("t-04", "Calcium 500 mg bid when CrCl is below 30 mL/min",
              "agent: calcium, dose: 500, unit: mg, frequency: bid"),
        dosed("t-05", "Give calcium to every patient", calcium),
        # A dose stated without a frequency may be the total for the day.
        dosed("t-06", "The total daily dose of apixaban is 10 mg",
              "agent: apixaban, dose: 5000, unit: mcg, frequency: b.i.d."),
    ) == []


def test_statement_doses_that_disagree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert dose_findings(
        tmp_path, monkeypatch,
        dosed("t-01", "Vitamin D 100 IU daily", "agent: vitamin-d, dose: 400, unit: IU, frequency: daily"),
        # A range in the text and a single dose in the entry differ.
        dosed("t-02", "Calcium 1000-1200 mg/day", "agent: calcium, dose: 1000, unit: mg, frequency: daily"),
        dosed("t-03", "Calcium 1000 mg weekly", "agent: calcium, dose: 1000, unit: mg, frequency: daily"),
        dosed("t-04", "Calcium 1000 mg daily", "agent: calcium, dose: 1000, unit: mg, frequency: daily",
              "agent: calcium, dose: .inf, unit: mg"),
    ) == [("TXT001", "t-01"), ("TXT001", "t-02"), ("TXT003", "t-03"), ("TXT004", "t-04")]


def test_shipped_corpus_statements_match_their_doses(shipped_project: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    findings = run_checks(shipped_project, consistency.CHECKS, monkeypatch)
    assert [f for f in findings if f.rule in DOSE_RULES] == []


def test_hidden_characters_in_any_text_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = dose_findings(tmp_path, monkeypatch)
    assert found == []
    root = tmp_path / "project"
    path = root / "guidelines" / "topics" / "t.yaml"
    text = path.read_text(encoding="utf-8")
    # An escaped override in a statement, a zero-width space in the topic's title; accents, dashes and µ are text.
    path.write_text(text.replace("statement: S.", 'statement: "Calcitonin 10\\u202e01 IU, café 1–2 µg"')
                    .replace("  title: T\n", '  title: "T\\u200bT"\n'), encoding="utf-8")
    findings = [f for f in run_checks(root, consistency.CHECKS, monkeypatch) if f.rule == "TXT005"]
    assert [(f.line, f.key) for f in findings] == [(4, "title"), (line_of(path, "t-00", "statement"), "statement")]
    assert "U+202E at character 14" in findings[1].message
