"""Evidence rules (EVD): support quality, currency, safety notices and retractions, through the real CLI.

The CLI runs with GUIDELINE_TODAY=2026-11-25; policy.yaml asks for a review every 730 days and flags evidence
older than 10 years."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from guideline.corpus.loader import read_file
from helpers import REPO_ROOT, validate_json
from helpers.references import BIB, TOPIC, hits, line_of, rec, ref, references_file, topic_file, write
from helpers.signing import act_as, git, with_keys
from helpers.workflow import EDITOR, PEOPLE, TOMAS, commit

NOTICES = "guidelines/safety-notices.yaml"
RETRACTIONS = "guidelines/retractions.yaml"


def notices_file(*notices: str) -> str:
    return "notices:\n" + "".join(notices)


def notice(notice_id: str, date: str, *concepts: str, action: str = "warning") -> str:
    listed = "".join(f"      - {concept}\n" for concept in concepts)
    return (f"  - id: {notice_id}\n    agency: EMA\n    date: \"{date}\"\n    title: Notice {notice_id}\n"
            f"    concepts:\n{listed}    action: {action}\n    url: https://example.org/{notice_id}\n"
            f"    summary: What changed.\n")


def test_strong_recommendation_on_summaries_only(project: Path) -> None:
    write(project, TOPIC, topic_file(
        rec("spine-01", strength="strong", citations=("ref-summary", "ref-review")),
        rec("spine-02", strength="strong", citations=("ref-summary", "ref-trial")),
        rec("spine-03", strength="conditional", citations=("ref-summary",)),
        rec("spine-04", strength="strong", citations=("ref-summary", "ref-missing")),
    ))
    write(project, BIB, references_file(
        ref("ref-summary", kind="secondary-summary"), ref("ref-review", kind="narrative-review"), ref("ref-trial"),
    ))
    report = validate_json(project)
    topic = project / TOPIC
    # spine-04's other citation does not resolve: its only resolved support is a summary.
    assert hits(report, "EVD001") == [(TOPIC, line_of(topic, "class: strong", after="id: spine-01"), "spine-01"),
                                      (TOPIC, line_of(topic, "class: strong", after="id: spine-04"), "spine-04")]
    assert {f["severity"] for f in report["findings"] if f["rule"] == "EVD001"} == {"warning"}


def test_review_overdue(project: Path) -> None:
    write(project, TOPIC, topic_file(
        rec("spine-01", last_reviewed="2024-11-24"),
        rec("spine-02", last_reviewed="2024-11-25"),
        rec("spine-03"),
        rec("spine-04", last_reviewed="2020-01-01", review_state="retired"),
        last_reviewed="2023-05-01",
    ))
    write(project, BIB, references_file(ref("ref-a")))
    report = validate_json(project)
    topic = project / TOPIC
    # 731 days is overdue, 730 is not; never reviewed and retired records are not reported.
    assert hits(report, "EVD002") == sorted([
        (TOPIC, line_of(topic, "last_reviewed:"), "spine"),
        (TOPIC, line_of(topic, "last_reviewed:", after="id: spine-01"), "spine-01"),
    ])


def test_evidence_outdated(project: Path) -> None:
    write(project, TOPIC, topic_file(
        rec("spine-01", citations=("ref-2010", "ref-2012", "ref-missing")),
        rec("spine-02", citations=("ref-2010", "ref-2016")),
        rec("spine-03", citations=("ref-missing",)),
    ))
    write(project, BIB, references_file(ref("ref-2010", year=2010), ref("ref-2012", year=2012),
                                        ref("ref-2016", year=2016)))
    report = validate_json(project)
    topic = project / TOPIC
    assert hits(report, "EVD003") == [(TOPIC, line_of(topic, "citations:", after="id: spine-01"), "spine-01")]
    finding = next(f for f in report["findings"] if f["rule"] == "EVD003")
    assert "2012" in finding["message"] and finding["related"][0]["record"] == "ref-2012"


def notice_review(record: str, notice_id: str, date: str) -> str:
    """A board member's review of the record against the notice, as `guideline review review-notice` records
    it (EVD004 reads the date and who signed it, not the content hash)."""
    return (f"    - record: {record}\n      reviewer: {TOMAS.email}\n      decision: reviewed-notice\n"
            f"      notice: {notice_id}\n      date: \"{date}\"\n      content_hash: {'0' * 64}\n")


@pytest.fixture
def notice_report(project: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    write(project, NOTICES, notices_file(
        notice("bisphosphonate-2020", "2020-01-01", "bisphosphonate"),
        notice("calcitonin-2014", "2014-03", "calcitonin", action="restriction"),
        notice("bad-concept", "2020-01-01", "alendronate", "no-such-drug"),
    ))
    write(project, TOPIC, topic_file(
        # alendronate is a kind of bisphosphonate: the 2020 notice covers it.
        rec("spine-01", intervention=("alendronate",), last_reviewed="2019-06-01"),
        rec("spine-02", intervention=("alendronate",)),
        rec("spine-03", intervention=("alendronate",)),
        rec("spine-04", direction="against", intervention=("alendronate",)),
        # A typed last_reviewed date after the notice clears nothing.
        rec("spine-05", direction="none", intervention=("risedronate",), dosing=("risedronate",),
            last_reviewed="2021-01-01"),
        rec("spine-06", intervention=("calcitonin",)),
        rec("spine-07", intervention=("calcitonin",)),
        rec("spine-08", statement_type="information", direction=None, intervention=("calcitonin",)),
    ))
    write(project, BIB, references_file(ref("ref-a")))
    board = write(project, "guidelines/board.yaml", (REPO_ROOT / "guidelines/board.yaml").read_text(encoding="utf-8"))
    board.write_text(with_keys(board.read_text(encoding="utf-8"), PEOPLE), encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    act_as(project, EDITOR)
    commit(project, EDITOR, "The topic and the notices")
    # Tomas's signed reviews. A notice dated by month counts from the end of the month (spine-06 is reviewed
    # too early); a review dated after today counts for nothing (spine-05).
    log = write(project, "guidelines/reviews/spine.yaml", "reviews:\n  topic: spine\n  decisions:\n" + "".join((
        notice_review("spine-02", "bisphosphonate-2020", "2020-01-01"),
        notice_review("spine-02", "bad-concept", "2020-01-01"),
        notice_review("spine-05", "bisphosphonate-2020", "2099-01-01"),
        notice_review("spine-06", "calcitonin-2014", "2014-03-15"),
        notice_review("spine-07", "calcitonin-2014", "2014-03-31"))))
    commit(project, TOMAS, "Tomas reviews the records against the notices")
    # A review in Tomas's name that the editor typed in and signed: not his decision.
    log.write_text(log.read_text(encoding="utf-8") + notice_review("spine-01", "bisphosphonate-2020", "2021-01-01"),
                   encoding="utf-8")
    commit(project, EDITOR, "Spine-01 was reviewed too")
    return project, validate_json(project)


def test_recommendation_not_reviewed_since_safety_notice(notice_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = notice_report
    topic = project / TOPIC
    expected = [
        (TOPIC, line_of(topic, "- alendronate", after="id: spine-01"), "spine-01"),
        (TOPIC, line_of(topic, "- alendronate", after="id: spine-03"), "spine-03"),
        (TOPIC, line_of(topic, "- agent: risedronate", after="id: spine-05"), "spine-05"),
        (TOPIC, line_of(topic, "- calcitonin", after="id: spine-06"), "spine-06"),
    ]
    # bad-concept also covers alendronate, dated 2020-01-01 too: spine-01 and spine-03 get one finding each.
    found = hits(report, "EVD004")
    assert sorted(set(found)) == sorted(expected)
    by_record = {}
    for f in report["findings"]:
        if f["rule"] == "EVD004":
            by_record.setdefault(f["record"], []).append(f)
    assert [len(by_record[r]) for r in ("spine-01", "spine-03", "spine-05", "spine-06")] == [2, 2, 1, 1]
    first = next(f for f in by_record["spine-01"] if "bisphosphonate-2020" in f["message"])
    assert first["severity"] == "error"
    assert "alendronate (a kind of bisphosphonate) is subject to EMA warning 'bisphosphonate-2020'" in first["message"]
    assert "no board member has reviewed this recommendation against it" in first["message"]
    assert "guideline review review-notice spine-01 --notice bisphosphonate-2020" in first["hint"]
    assert first["related"][0] == {"file": NOTICES, "line": line_of(project / NOTICES, "id: bisphosphonate-2020"),
                                   "column": 5, "record": "bisphosphonate-2020"}
    assert {"bisphosphonate-2020", "bad-concept"} == {
        n for f in by_record["spine-03"] for n in ("bisphosphonate-2020", "bad-concept") if f"'{n}'" in f["message"]}


def test_safety_notice_with_unknown_concept(notice_report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    project, report = notice_report
    assert hits(report, "EVD006") == [(NOTICES, line_of(project / NOTICES, "- no-such-drug"), "bad-concept")]


def test_invalid_notices_file_is_schema_checked(project: Path) -> None:
    write(project, NOTICES, "notices:\n  - id: n1\n    agency: EMA\n    date: \"2014-13-01\"\n    title: T\n"
                            "    concepts: [calcitonin]\n    action: banned\n    summary: S\n")
    report = validate_json(project)
    rules = sorted((f["rule"], f["line"]) for f in report["findings"] if f["file"] == NOTICES)
    assert rules == [("SCH002", 2), ("SCH004", 4), ("SCH004", 7)]
    assert hits(report, "FIL001") == []


def test_retracted_reference_cited(project: Path) -> None:
    shutil.copy(REPO_ROOT / RETRACTIONS, project / RETRACTIONS)
    write(project, TOPIC, topic_file(
        rec("spine-01", citations=("ref-wakefield", "ref-clean")),
        rec("spine-02", citations=("ref-mehra",)),
        rec("spine-03", citations=("ref-clean",)),
    ))
    write(project, BIB, references_file(
        ref("ref-wakefield", doi="https://doi.org/10.1016/s0140-6736(97)11096-0"),
        ref("ref-mehra", pmid="32356626"),
        ref("ref-clean", doi="10.1056/NEJMoa0900429", pmid="19657121"),
    ))
    report = validate_json(project)
    topic = project / TOPIC
    assert hits(report, "EVD005") == [
        (TOPIC, line_of(topic, "- ref-wakefield"), "spine-01"),
        (TOPIC, line_of(topic, "- ref-mehra"), "spine-02"),
    ]
    finding = next(f for f in report["findings"] if f["rule"] == "EVD005")
    assert finding["severity"] == "error" and "2010-02-02" in finding["message"]
    assert [loc["file"] for loc in finding["related"]] == [BIB, RETRACTIONS]


def test_no_data_files_means_no_notice_or_retraction_findings(project: Path) -> None:
    write(project, TOPIC, topic_file(rec("spine-01", intervention=("calcitonin",))))
    write(project, BIB, references_file(ref("ref-a", doi="10.1016/S0140-6736(97)11096-0")))
    report = validate_json(project)
    assert hits(report, "EVD004") == [] and hits(report, "EVD005") == []


def test_shipped_corpus_evidence_findings(shipped_project: Path) -> None:
    report = validate_json(shipped_project)
    topic_path = "guidelines/topics/osteoporotic-spine-fracture.yaml"
    doc = read_file(REPO_ROOT / topic_path, topic_path)
    lines = {item["id"]: doc.position(("recommendations", index, "intervention",
                                       item.get("intervention", []).index("calcitonin")))[0]
             for index, item in enumerate(doc.data["recommendations"]) if "calcitonin" in item.get("intervention", [])}
    calcitonin_for = ["osteoporotic-spine-fracture-00", "osteoporotic-spine-fracture-01",
                      "osteoporotic-spine-fracture-03", "osteoporotic-spine-fracture-28"]
    # 02 and 04 are information statements; 27 has calcitonin as comparator only.
    expected = sorted((topic_path, lines[r], r) for r in calcitonin_for for _ in range(2))
    assert hits(report, "EVD004") == expected
    messages = [f["message"] for f in report["findings"] if f["rule"] == "EVD004"]
    assert sum("ema-2012-calcitonin" in m for m in messages) == 4
    assert sum("fda-2014-calcitonin-salmon" in m for m in messages) == 4
    # Records 17, 19-22 rest on ref-5 (2005) besides the missing ref-6.
    assert [r for _, _, r in hits(report, "EVD003")] == [f"osteoporotic-spine-fracture-{n}"
                                                          for n in ("17", "19", "20", "21", "22")]
    for rule in ("EVD001", "EVD002", "EVD005", "EVD006"):
        assert hits(report, rule) == [], rule
    assert [f for f in report["findings"] if f["file"] in (NOTICES, RETRACTIONS)] == []
