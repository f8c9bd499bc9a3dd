"""The board report as Markdown for a pull-request comment.

GitHub caps a comment at 65,536 characters: the summary always fits, then whole topics are added while they fit;
a topic that does not is named with a pointer to the full HTML report, never cut. All record text is escaped:
HTML is turned into entities and Markdown control characters get a backslash, so text renders as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from guideline.render.board import (
    REVIEW_LABELS,
    Card,
    FindingLine,
    Line,
    card,
    finding_lines,
    grouped,
    isolate,
)
from guideline.report.model import Elsewhere, Report, Segment

LIMIT = 65_536
# Room kept for the closing note; the budget is counted in UTF-8 bytes, which is never less than characters.
_RESERVE = 2_000
_FILES_SHOWN = 20
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_TAGS = {"delete": "del", "insert": "ins"}
_SEVERITY = {"error": "**Error**", "warning": "Warning", "info": "Note"}
_STATUS = {"introduced": "🆕 introduced", "resolved": "✅ resolved", "reworded": "✏️ reworded"}


def md(text: str) -> str:
    """Record text as inert Markdown: no HTML, no emphasis, links, tables, lists or @-mentions, no bidi leak."""
    text = html.escape(isolate(text), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A word joiner after @ keeps GitHub from notifying whoever a statement happens to name.
    text = text.replace("@", "@\u2060")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "<br>".join(text.split("\n"))


def code(text: str) -> str:
    return f"<code>{md(text)}</code>"


def value(segments: Iterable[Segment]) -> str:
    """A value with removed words struck (<del>) and added words marked (<ins>)."""
    return "".join(f"<{_TAGS[s.op]}>{md(s.text)}</{_TAGS[s.op]}>" if s.op in _TAGS else md(s.text)
                   for s in segments)


def _finding(line: FindingLine) -> str:
    severity = _SEVERITY.get(line.severity, line.severity)
    return (f"- {_STATUS[line.status]} {severity}: {value(line.sentence)} "
            f"<sub>{md(line.rule)} · {md(line.where)}</sub>")


def _line(line: Line) -> str:
    pad = "  " * line.depth
    sign = f"**{line.sign}** " if line.sign else ""
    label = f"**{md(line.label)}** (material)" if line.material else md(line.label)
    shown = f" {value(line.value)}" if line.value else ""
    return f"{pad}- {sign}{label}{shown}"


def _change_section(item: Card) -> str:
    lines = [f"#### {value(item.statement)}", "", " · ".join(f"**{md(x)}**" if x == "material" else md(x)
                                                         for x in item.labels) + "  "]
    lines += [f"{md(name)}: {md(text)}  " for name, text in item.facts]
    lines += [md(note) + "  " for note in item.notes]
    if item.lines:
        lines += [""] + [_line(line) for line in item.lines]
    if item.findings:
        lines += [""] + [_finding(f) for f in item.findings]
    lines += ["", f"<sub>{md(item.secondary)}</sub>"]
    return "\n".join(lines).rstrip() + "\n"


def _elsewhere_section(items: Iterable[Elsewhere]) -> list[str]:
    out = []
    for entry in items:
        label = md(entry.record) if entry.record else "(file)"
        out.append(f"**{label}**" + (f" · topic {md(entry.topic)}" if entry.topic else ""))
        delta = entry.findings
        out += [_finding(f) for f in finding_lines(delta.introduced, delta.resolved, delta.changed)]
        out.append("")
    return out


def _header(report: Report) -> str:
    base, head = report.base, report.head
    counts = report.counts()
    lines = [f"## Board report: {md(base.label)} → {md(head.label)}", ""]
    head_text = (f"working tree on {code(head.short if not head.worktree else head.commit[:7])}" if head.worktree
                 else f"{code(head.short)}")
    lines.append(f"Base {code(base.short)} ({base.date.isoformat()}"
                 + (f", {md(base.how)}" if base.how else "") + f") · head {head_text} ({head.date.isoformat()})"
                 + f" · checked as of {report.as_of.isoformat()}")
    row = (f"| {counts['records']} | {counts['added']} | {counts['removed']} | {counts['modified']} | "
           f"{counts['renamed']} | {counts['moved']} | **{counts['material']}** | {counts['files']} |")
    lines += ["", "| Records changed | Added | Removed | Modified | Renamed | Moved | Material | Files |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|", row, ""]
    findings = report.findings_counts()
    if findings is not None:
        lines.append(f"**Findings:** {findings['introduced']} introduced ({findings['introduced_errors']} error(s), "
                     f"{findings['introduced_warnings']} warning(s)) · {findings['resolved']} resolved · "
                     f"{findings['changed']} reworded · {findings['still_open']} still open  ")
    review = report.review_counts()
    shown = [f"{n} {REVIEW_LABELS[s]}" for s, n in review.items() if n]
    if shown:
        lines.append(f"**Review** (from {md(report.review_source.replace('_', ' '))}): " + " · ".join(shown) + "  ")
    if report.files:
        shown_files = [f"{md(f.path)} ({f.status})" for f in report.files[:_FILES_SHOWN]]
        more = len(report.files) - _FILES_SHOWN
        lines.append("**Files:** " + " · ".join(shown_files) + (f" · and {more} more" if more > 0 else "") + "  ")
    for note in report.notes:
        lines.append(f"> {md(note)}  ")
    problems = [f for f in report.files if f.base_problems or f.head_problems]
    if problems:
        lines += ["", "### Files that could not be read", ""]
        for entry in problems:
            for side, items in (("base", entry.base_problems), ("head", entry.head_problems)):
                for finding in items:
                    lines.append(f"- {md(entry.path)} at {side}: {md(finding.message)} "
                                 f"({md(finding.rule)}, line {finding.line})")
            if entry.not_compared:
                lines.append(f"  - not compared: {len(entry.not_compared)} record(s)")
    if not report.changes and not report.elsewhere:
        lines += ["", "No record changed."]
    return "\n".join(lines).rstrip() + "\n"


def _topic_block(title: str, cards: Iterable[Card]) -> str:
    return f"\n### {md(title)}\n\n" + "\n".join(_change_section(c) for c in cards)


def render(report: Report, *, full_report: str | None = None) -> str:
    """The report; whole topics while they fit in one comment, the others named with a pointer."""
    blocks = [(title, _topic_block(title, (card(c) for c in items)), len(items))
              for title, items in grouped(report.changes)]
    elsewhere = _elsewhere_section(report.elsewhere)
    if elsewhere:
        title = "Findings on records the change did not touch"
        blocks.append((title, f"\n### {title}\n\n" + "\n".join(elsewhere), len(report.elsewhere)))
    out = [_header(report)]
    used = len(out[0].encode("utf-8"))
    left_out: list[tuple[str, int]] = []
    for title, block, count in blocks:
        size = len(block.encode("utf-8"))
        if left_out or used + size > LIMIT - _RESERVE:
            left_out.append((title, count))
            continue
        out.append(block)
        used += size
    if left_out:
        pointer = f" They are in the full report: {md(full_report)}" if full_report else ""
        names = ", ".join(f"{md(title)} ({count})" for title, count in left_out)
        out.append(f"\n---\n_Not shown here, as a comment holds at most {LIMIT:,} characters: {names}.{pointer}_\n")
    return "".join(out)
