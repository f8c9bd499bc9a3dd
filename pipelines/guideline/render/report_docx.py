"""The board report as a Word document, for members who annotate in Word: the same cards as the HTML page,
removed words struck through in red, added words underlined in green.

python-docx is imported here only, when a .docx is asked for. The archive's entries carry the head commit's
date rather than the clock's, so the same revisions give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from guideline.render.board import REVIEW_LABELS, Card, FindingLine, card, finding_lines, grouped, isolate
from guideline.report.model import Report, Segment

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

_DELETE = (0x82, 0x07, 0x1E)
_INSERT = (0x11, 0x63, 0x29)
_MUTED = (0x57, 0x60, 0x6A)
_INDENT_CM = 0.75
_STATUS = {"introduced": "Introduced", "resolved": "Resolved", "reworded": "Reworded"}


def _runs(paragraph: Paragraph, segments: Iterable[Segment], *, bold: bool = False) -> None:
    from docx.shared import RGBColor

    for segment in segments:
        run = paragraph.add_run(isolate(segment.text))
        run.bold = bold or None
        if segment.op == "delete":
            run.font.strike = True
            run.font.color.rgb = RGBColor(*_DELETE)
        elif segment.op == "insert":
            run.font.underline = True
            run.font.color.rgb = RGBColor(*_INSERT)


def _muted(paragraph: Paragraph, text: str) -> None:
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(isolate(text))
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(*_MUTED)


def _finding(doc: Document, finding: FindingLine) -> None:
    paragraph = doc.add_paragraph(style="List Bullet")
    paragraph.add_run(f"{_STATUS[finding.status]} {finding.severity}: ")
    _runs(paragraph, finding.sentence)
    _muted(paragraph, f" {finding.rule} · {finding.where}")


def _card(doc: Document, item: Card) -> None:
    from docx.shared import Cm

    _runs(doc.add_heading(level=3), item.statement)
    doc.add_paragraph(" · ".join(item.labels))
    for name, text in item.facts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{name}: ").bold = True
        paragraph.add_run(isolate(text))
    for note in item.notes:
        doc.add_paragraph(isolate(note))
    for line in item.lines:
        paragraph = doc.add_paragraph(style="List Bullet")
        # Word's numbered list styles stop at a few levels; an indent per level keeps any depth readable.
        paragraph.paragraph_format.left_indent = Cm(_INDENT_CM * (line.depth + 1))
        label = f"{line.sign} {line.label}" if line.sign else line.label
        paragraph.add_run(isolate(label) + (" (material)" if line.material else "")).bold = True
        if line.value:
            paragraph.add_run(" ")
            _runs(paragraph, line.value)
    for finding in item.findings:
        _finding(doc, finding)
    _muted(doc.add_paragraph(), item.secondary)


def _summary(doc: Document, report: Report) -> None:
    counts = report.counts()
    doc.add_paragraph(f"Base {report.base.label} ({report.base.short}, {report.base.date.isoformat()}) · head "
                      f"{report.head.label} ({report.head.short}, {report.head.date.isoformat()}) · checked as of "
                      f"{report.as_of.isoformat()}")
    doc.add_paragraph(f"{counts['records']} records changed: {counts['added']} added, {counts['removed']} removed, "
                      f"{counts['modified']} modified, {counts['renamed']} renamed, {counts['moved']} moved; "
                      f"{counts['material']} material.")
    findings = report.findings_counts()
    if findings is not None:
        doc.add_paragraph(f"Findings: {findings['introduced']} introduced, {findings['resolved']} resolved, "
                          f"{findings['changed']} reworded, {findings['still_open']} still open.")
    review = [f"{n} {REVIEW_LABELS[s]}" for s, n in report.review_counts().items() if n]
    if review:
        doc.add_paragraph(f"Review (from {report.review_source.replace('_', ' ')}): " + " · ".join(review))
    for note in report.notes:
        doc.add_paragraph(isolate(note))


def _fixed_dates(data: bytes, when: datetime) -> bytes:
    """The same archive with every entry dated when (zip stores local time without a zone)."""
    out = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def render(report: Report, *, full_report: str | None = None) -> bytes:
    import docx

    doc = docx.Document()
    title = f"Board report: {report.base.label} → {report.head.label}"
    when = datetime(report.head.date.year, report.head.date.month, report.head.date.day, tzinfo=UTC)
    doc.core_properties.title = title
    doc.core_properties.author = f"guideline {report.version}"
    doc.core_properties.created = doc.core_properties.modified = when
    doc.add_heading(isolate(title), level=1)
    _summary(doc, report)
    for group_title, items in grouped(report.changes):
        doc.add_heading(isolate(group_title), level=2)
        for change in items:
            _card(doc, card(change))
    if report.elsewhere:
        doc.add_heading("Findings on records the change did not touch", level=2)
        for entry in report.elsewhere:
            doc.add_heading(isolate(entry.record or entry.file), level=3)
            for finding in finding_lines(entry.findings.introduced, entry.findings.resolved, entry.findings.changed):
                _finding(doc, finding)
    if not report.changes and not report.elsewhere:
        doc.add_paragraph("No record changed.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_dates(buffer.getvalue(), when)
