"""The diff report's pure parts: word diffs, the findings delta, review status, escaping and truncation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import pairwise

from guideline.findings import Finding, Location, Severity
from guideline.git.revisions import Revision
from guideline.render import report_md
from guideline.render.board import field_lines, inline, leaf_value
from guideline.report.delta import findings_delta
from guideline.report.model import FieldChange, Place, RecordChange, Report, Segment
from guideline.report.nested import diff_nested
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


def test_values_read_as_words_not_dumps() -> None:
    dose = {"agent": "calcitonin", "dose": 200.0, "dose_max": 400, "unit": "IU", "route": "intranasal",
            "frequency": "daily"}
    assert inline(dose) == "calcitonin 200–400 IU intranasal daily"
    assert inline({"scheme": "AAOS", "version": "2010", "grade": "Strong"}) == "scheme AAOS · version 2010 · grade Strong"
    assert inline(["a", "b"]) == "a, b" and inline(True) == "yes" and inline(None) == ""


def test_markdown_escape_keeps_text_inert() -> None:
    assert report_md.md("<img onerror=x> *a* [b](c) |d| #e @f\nline2") == (
        "&lt;img onerror=x&gt; \\*a\\* \\[b\\]\\(c\\) \\|d\\| \\#e @\u2060f<br>line2")


def _topic_changes(topic: str, count: int, statement: str) -> tuple[RecordChange, ...]:
    return tuple(
        RecordChange("recommendation", f"{topic}-{i:04d}", "added", None,
                     Place(f"{topic}.yaml", i + 1, f"{topic}-{i:04d}", topic), "material",
                     (FieldChange("statement", "material", None, statement),), topics=(topic,),
                     statement=statement)
        for i in range(count))


def test_markdown_fits_a_pull_request_comment_by_whole_topics() -> None:
    long = "Give calcitonin daily for acute pain in patients with fractures. " * 12
    changes = tuple(c for topic in ("alpha", "beta", "gamma", "delta") for c in _topic_changes(topic, 40, long))
    report = Report(BASE, HEAD, date(2026, 11, 25), (), changes)
    text = report_md.render(report, full_report="reports/board-report-aaaaaaa-bbbbbbb-2026-03-09.html")
    assert len(text.encode("utf-8")) <= report_md.LIMIT
    assert "| 160 | 160 | 0 | 0 | 0 | 0 | **160** |" in text
    assert "### Topic alpha" in text and "### Topic delta" not in text
    # Every change shown is whole: its statement is never cut.
    assert text.count(report_md.md(long.strip())) == text.count("#### ")
    assert "Topic delta (40)" in text.split("---")[-1]
    assert "reports/board\\-report\\-aaaaaaa\\-bbbbbbb\\-2026\\-03\\-09\\.html" in text


def test_a_change_too_large_for_a_comment_is_pointed_to_not_cut() -> None:
    huge = "word " * 50_000
    change = RecordChange("recommendation", "r1", "modified", Place("t.yaml", 1, "r1", "t"),
                          Place("t.yaml", 1, "r1", "t"), "material",
                          (FieldChange("statement", "material", huge, huge + "more", word_diff(huge, huge + "more")),),
                          topics=("t",), statement=huge + "more")
    text = report_md.render(Report(BASE, HEAD, date(2026, 11, 25), (), (change,)), full_report="report.html")
    assert len(text.encode("utf-8")) < report_md.LIMIT and "…" not in text
    assert "Topic t (1)" in text and "report\\.html" in text


def test_nested_diff_matches_items_by_identity() -> None:
    before = [{"agent": "calcitonin", "dose": 200, "unit": "IU", "route": "intranasal", "frequency": "daily"},
              {"agent": "calcium", "dose": 1, "unit": "g"}]
    after = [{"agent": "calcium", "dose": 1, "unit": "g"},
             {"agent": "calcitonin", "dose": 400, "unit": "IU", "route": "intranasal", "frequency": "every other day"},
             {"agent": "calcitonin", "dose": 100, "unit": "IU", "route": "intranasal", "criterion": "CrCl < 30 mL/min"}]
    changes = diff_nested(before, after, name="dosing")
    assert [(c.op, c.label) for c in changes] == [("changed", "calcitonin · intranasal"),
                                                  ("added", "calcitonin · intranasal · CrCl < 30 mL/min")]
    dose, frequency = changes[0].children
    assert (dose.label, dose.before, dose.after, dose.unit) == ("dose", 200, 400, "IU")
    assert leaf_value(dose.before, dose.after, dose.words, dose.unit) == (
        Segment("delete", "200"), Segment("equal", " → "), Segment("insert", "400"), Segment("equal", " IU"))
    assert (frequency.before, frequency.after) == ("daily", "every other day")
    assert inline(changes[1].after) == "calcitonin 100 IU intranasal CrCl < 30 mL/min"


def test_nested_diff_of_qualifiers_citations_and_sections() -> None:
    population = diff_nested({"qualifiers": ["acute"]}, {"qualifiers": ["acute", "CrCl < 30 mL/min"]})
    assert [(c.label, c.op, c.after) for c in population[0].children] == [("qualifier", "added", "CrCl < 30 mL/min")]
    citations = diff_nested(["ref-1", "ref-2"], ["ref-1", "ref-5"], name="citations")
    assert [(c.op, c.label, c.before or c.after) for c in citations] == [("removed", "citation", "ref-2"),
                                                                        ("added", "citation", "ref-5")]
    sections = diff_nested([{"id": "a", "title": "A"}, {"id": "b", "title": "B", "groups": [{"id": "g", "lead": "x"}]}],
                           [{"id": "b", "title": "B", "groups": [{"id": "g", "lead": "y"}]}, {"id": "a", "title": "A"}],
                           name="sections")
    lines = [(line.depth, line.label) for line in field_lines(FieldChange("sections", "editorial", None, None,
                                                                           changes=sections))]
    assert lines == [(0, "sections"), (1, "section b"), (2, "groups"), (3, "group g"), (4, "lead")]
    assert diff_nested(["a", "b"], ["b", "a"], name="audience")[0].op == "reordered"


def test_reworded_finding_is_changed_not_introduced_and_resolved() -> None:
    old = Finding("EVD003", Severity.WARNING, Location("a.yaml", 4, 1, "r1"), "evidence is 21 years old")
    new = Finding("EVD003", Severity.WARNING, Location("a.yaml", 6, 1, "r1"), "evidence is 17 years old")
    delta = findings_delta([old], [new])
    assert (delta.introduced, delta.resolved, delta.still_open) == ((), (), ())
    assert [(c.before.message, c.after.message) for c in delta.changed] == [(old.message, new.message)]
    assert [s for s in delta.changed[0].words if s.op != "equal"] == [Segment("delete", "21"), Segment("insert", "17")]
    keyed = findings_delta([replace(old, key="ref-3")], [replace(new, key="ref-3"), replace(new, key="ref-9")])
    assert [c.after.key for c in keyed.changed] == ["ref-3"] and [f.key for f in keyed.introduced] == ["ref-9"]
