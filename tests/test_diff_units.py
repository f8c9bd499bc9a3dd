"""The diff report's pure parts: word diffs, the findings delta, review status, escaping and truncation."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from guideline.findings import Finding, Location, Severity
from guideline.git.revisions import Revision
from guideline.render import report_md
from guideline.render.values import display_value
from guideline.report.delta import findings_delta
from guideline.report.model import FieldChange, Place, RecordChange, Report, Segment
from guideline.report.status import review_status
from guideline.report.words import word_diff
from hypothesis import given, settings
from hypothesis import strategies as st

BASE = Revision("base", "a" * 40, date(2026, 3, 2), "base")
HEAD = Revision("head", "b" * 40, date(2026, 3, 9), "head")


def _side(segments: tuple[Segment, ...], drop: str) -> str:
    return "".join(s.text for s in segments if s.op != drop)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_word_diff_gives_back_both_sides(before: str, after: str) -> None:
    segments = word_diff(before, after)
    assert _side(segments, "insert") == before and _side(segments, "delete") == after
    assert all(a.op != b.op for a, b in pairwise(segments))


def test_word_diff_works_on_words() -> None:
    assert word_diff("give 200 IU daily", "give 100 IU twice daily") == (
        Segment("equal", "give "), Segment("delete", "200"), Segment("insert", "100"), Segment("equal", " IU "),
        Segment("insert", "twice "), Segment("equal", "daily"))


def _finding(rule: str, file: str, line: int, record: str | None, key: str = "") -> Finding:
    return Finding(rule, Severity.ERROR, Location(file, line, 1, record), f"{rule} on {record}", key=key)


def test_findings_delta_matches_by_fingerprint_not_line() -> None:
    before = [_finding("VOC001", "a.yaml", 10, "r1", "x"), _finding("VOC001", "a.yaml", 20, "r2", "y"),
              _finding("ID001", "a.yaml", 30, "r3")]
    after = [_finding("VOC001", "a.yaml", 12, "r1", "x"), _finding("REF001", "a.yaml", 40, "r4")]
    delta = findings_delta(before, after)
    assert [(f.rule, f.line) for f in delta.still_open] == [("VOC001", 12)]
    assert [(f.rule, f.record) for f in delta.introduced] == [("REF001", "r4")]
    assert [(f.rule, f.record) for f in delta.resolved] == [("VOC001", "r2"), ("ID001", "r3")]


def test_findings_delta_counts_repeats() -> None:
    twice = [_finding("SCH004", "a.yaml", 5, "r1"), _finding("SCH004", "a.yaml", 9, "r1")]
    delta = findings_delta(twice[:1], twice)
    assert (len(delta.still_open), len(delta.introduced), len(delta.resolved)) == (1, 1, 0)


def test_findings_follow_a_record_to_another_file() -> None:
    delta = findings_delta([_finding("VOC001", "old.yaml", 3, "r1", "x")], [_finding("VOC001", "new.yaml", 8, "r1", "x")])
    assert (len(delta.still_open), delta.introduced, delta.resolved) == (1, (), ())
    # A file-level finding has no record to follow.
    delta = findings_delta([_finding("YML001", "old.yaml", 3, None)], [_finding("YML001", "new.yaml", 3, None)])
    assert (len(delta.introduced), len(delta.resolved)) == (1, 1)


def _change(change: str = "modified", *, material: bool = True) -> RecordChange:
    place = Place("t.yaml", 3, "r1", "topic")
    fields = (FieldChange("statement", "material", "a", "b"),) if material else (
        FieldChange("notes", "editorial", "a", "b"),)
    return RecordChange("recommendation", "r1", change, None if change == "added" else place,
                        None if change == "removed" else place, "material" if material else "editorial", fields)


def test_review_status_from_review_state() -> None:
    assert review_status(_change(material=True), "approved").status == "stale"
    assert review_status(_change(material=False), "published").status == "approved"
    assert review_status(_change("added"), "approved").status == "awaiting"
    assert review_status(_change(), "submitted").status == "awaiting"
    assert review_status(_change(), "retired").status == "retired"
    assert review_status(_change("removed"), "approved").status == "removed"


def test_display_value_of_nested_fields() -> None:
    dosing = [{"agent": "calcitonin", "dose": 200.0, "route": ["intranasal", "rectal"]}, {"agent": "calcium"}]
    assert display_value(dosing) == ("- agent: calcitonin\n  dose: 200\n  route: intranasal, rectal\n"
                                     "- agent: calcium")
    assert display_value(["a", "b"]) == "a, b"
    assert display_value(True) == "true" and display_value(None) == ""


def test_markdown_escape_keeps_text_inert() -> None:
    assert report_md.md("<img onerror=x> *a* [b](c) |d| #e @f\nline2") == (
        "&lt;img onerror=x&gt; \\*a\\* \\[b\\]\\(c\\) \\|d\\| \\#e @\u2060f<br>line2")


def test_markdown_fits_a_pull_request_comment() -> None:
    long = "Give calcitonin daily for acute pain in patients with fractures. " * 12
    changes = tuple(
        RecordChange("recommendation", f"r-{i:04d}", "added", None, Place("t.yaml", i + 1, f"r-{i:04d}", "topic"),
                     "material", (FieldChange("statement", "material", None, long),), topics=("topic",))
        for i in range(400))
    report = Report(BASE, HEAD, date(2026, 11, 25), (), changes)
    text = report_md.render(report, full_report="reports/board-report-aaaaaaa-bbbbbbb-2026-03-09.html")
    assert len(text.encode("utf-8")) <= report_md.LIMIT
    assert "| 400 | 400 | 0 | 0 | 0 | 0 | **400** |" in text
    shown = text.count("#### Added")
    assert 0 < shown < 400
    assert f"_{400 - shown} more section(s) not shown" in text
    assert "reports/board\\-report\\-aaaaaaa\\-bbbbbbb\\-2026\\-03\\-09\\.html" in text


def test_one_huge_statement_is_cut_not_the_report() -> None:
    huge = "word " * 50_000
    change = RecordChange("recommendation", "r1", "modified", Place("t.yaml", 1, "r1"), Place("t.yaml", 1, "r1"),
                          "material", (FieldChange("statement", "material", huge, huge + "more", word_diff(huge, huge + "more")),))
    text = report_md.render(Report(BASE, HEAD, date(2026, 11, 25), (), (change,)))
    assert len(text.encode("utf-8")) < 20_000 and "#### Modified" in text
