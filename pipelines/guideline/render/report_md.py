"""The board report as Markdown for a pull-request comment.

GitHub caps a comment at 65,536 characters: the summary always fits, record sections are added while they
fit, and the rest is summarised with a pointer to the full report. All record text is escaped: HTML is
turned into entities and Markdown control characters get a backslash, so text renders as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from guideline.findings import Finding, Severity
from guideline.render.values import display_value
from guideline.report.model import Elsewhere, FieldChange, RecordChange, Report

LIMIT = 65_536
# Room kept for the closing note; the budget is counted in UTF-8 bytes, which is never less than characters.
_RESERVE = 1_200
_CELL_MAX = 1_500
_FILES_SHOWN = 20
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_CHANGE_LABELS = {"added": "Added", "removed": "Removed", "modified": "Modified", "renamed": "Renamed",
                  "moved": "Moved"}
_REVIEW_LABELS = {"approved": "approved", "stale": "approval stale", "awaiting": "awaiting review",
                  "retired": "retired", "removed": "removed without retirement"}
_SEVERITY = {Severity.ERROR: "**error**", Severity.WARNING: "warning", Severity.INFO: "info"}


def md(text: str, *, limit: int | None = None, keep_indent: bool = False) -> str:
    """Record text as inert Markdown: no HTML, no emphasis, links, tables, lists or @-mentions."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    text = html.escape(text, quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A word joiner after @ keeps GitHub from notifying whoever a statement happens to name.
    text = text.replace("@", "@\u2060")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    lines = text.split("\n")
    return "<br>".join(_keep_indent(line) for line in lines) if keep_indent else "<br>".join(lines)


def _keep_indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return "&nbsp;" * (len(line) - len(stripped)) + stripped


def code(text: str) -> str:
    return f"<code>{md(text)}</code>"


def _words(change: FieldChange, side: str) -> str:
    shown = "delete" if side == "before" else "insert"
    tag = "del" if side == "before" else "ins"
    parts: list[str] = []
    budget = _CELL_MAX
    for segment in change.words:
        if segment.op not in ("equal", shown):
            continue
        text = md(segment.text, limit=max(budget, 1))
        budget -= len(segment.text)
        parts.append(f"<{tag}>{text}</{tag}>" if segment.op == shown else text)
        if budget <= 0:
            break
    return "".join(parts)


def _cell(change: FieldChange, side: str) -> str:
    value = change.before if side == "before" else change.after
    if value is None:
        return "—"
    if change.words:
        return _words(change, side)
    return md(display_value(value), limit=_CELL_MAX, keep_indent=True)


def _finding_line(finding: Finding, verb: str) -> str:
    record = f" {code(finding.record)}" if finding.record else ""
    return (f"- {verb} {_SEVERITY[finding.severity]} {md(finding.rule)} {md(finding.message, limit=400)} "
            f"({md(finding.file)} line {finding.line}){record}")


def _change_section(change: RecordChange) -> str:
    place = change.place
    title = [f"#### {_CHANGE_LABELS[change.change]}: {code(change.id)} ({change.kind})"]
    if change.material:
        title.append("**material**")
    elif change.materiality != "none":
        title.append(change.materiality)
    if change.review:
        title.append(_REVIEW_LABELS.get(change.review.status, change.review.status))
    lines = [" · ".join(title), ""]
    where = f"{md(place.file)} line {place.line}"
    if place.section:
        where += f" · section {code(place.section)}" + (f" / {code(place.group)}" if place.group else "")
    lines.append(where + "  ")
    if change.renamed_from:
        lines.append(f"Renamed from {code(change.renamed_from)} (matched by content)  ")
    if change.moved and change.base and change.head:
        lines.append(f"Moved from {md(change.base.file)}"
                     + (f" section {code(change.base.section)}" if change.base.section else "")
                     + (f" / {code(change.base.group)}" if change.base.group else "") + "  ")
    if change.review and not change.review.detail.startswith("review_state:"):
        lines.append(f"Review: {md(change.review.detail)}  ")
    if change.fields:
        lines += ["", "| Field | Before | After |", "|---|---|---|"]
        for item in change.fields:
            name = f"**{md(item.name)}** (material)" if item.material else f"{md(item.name)} ({item.category})"
            lines.append(f"| {name} | {_cell(item, 'before')} | {_cell(item, 'after')} |")
        lines.append("")
    if change.citations_added or change.citations_removed:
        parts = []
        if change.citations_added:
            parts.append("added " + ", ".join(code(c) for c in change.citations_added))
        if change.citations_removed:
            parts.append("removed " + ", ".join(code(c) for c in change.citations_removed))
        lines.append("Citations: " + "; ".join(parts) + "  ")
    if change.cited_by:
        lines.append("Cited by: " + ", ".join(code(c) for c in change.cited_by[:20])
                     + (f" and {len(change.cited_by) - 20} more" if len(change.cited_by) > 20 else "") + "  ")
    delta = change.findings
    if delta.introduced or delta.resolved:
        lines.append("")
        lines += [_finding_line(f, "🆕 introduced") for f in delta.introduced]
        lines += [_finding_line(f, "✅ resolved") for f in delta.resolved]
    if delta.still_open:
        rules = sorted({f.rule for f in delta.still_open})
        lines.append(f"- still open: {len(delta.still_open)} ({', '.join(md(r) for r in rules)})")
    return "\n".join(lines).rstrip() + "\n"


def _elsewhere_section(items: Iterable[Elsewhere]) -> list[str]:
    out = []
    for entry in items:
        label = code(entry.record) if entry.record else "(file)"
        out.append(f"**{md(entry.file)}** {label}" + (f" · topic {code(entry.topic)}" if entry.topic else ""))
        out += [_finding_line(f, "🆕 introduced") for f in entry.findings.introduced]
        out += [_finding_line(f, "✅ resolved") for f in entry.findings.resolved]
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
                     f"{findings['still_open']} still open  ")
    review = report.review_counts()
    shown = [f"{n} {_REVIEW_LABELS[s]}" for s, n in review.items() if n]
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
                    lines.append(f"- {md(entry.path)} at {side}: {md(finding.rule)} {md(finding.message, limit=400)} "
                                 f"(line {finding.line})")
            if entry.not_compared:
                lines.append(f"  - not compared: {len(entry.not_compared)} record(s)")
    if not report.changes and not report.elsewhere:
        lines += ["", "No record changed."]
    return "\n".join(lines).rstrip() + "\n"


def render(report: Report, *, full_report: str | None = None) -> str:
    out = [_header(report)]
    used = len(out[0].encode("utf-8"))
    budget = LIMIT - _RESERVE
    skipped = 0
    topic: str | None = "\x00"
    for change in report.changes:
        section = ""
        group = change.topics[0] if change.topics and change.kind != "reference" else None
        group_title = "References" if change.kind == "reference" else f"Topic {code(group)}" if group else "Other"
        key = "\x01references" if change.kind == "reference" else group
        if key != topic:
            section = f"\n### {group_title}\n\n"
        section += _change_section(change) + "\n"
        size = len(section.encode("utf-8"))
        if skipped or used + size > budget:
            skipped += 1
            continue
        topic = key
        out.append(section)
        used += size
    elsewhere = _elsewhere_section(report.elsewhere)
    if elsewhere:
        block = "\n### Findings on records the change did not touch\n\n" + "\n".join(elsewhere)
        if not skipped and used + len(block.encode("utf-8")) <= budget:
            out.append(block)
        else:
            skipped += len(report.elsewhere)
    if skipped:
        pointer = f" Full report: {md(full_report)}" if full_report else ""
        out.append(f"\n---\n_{skipped} more section(s) not shown: a comment holds at most {LIMIT:,} characters."
                   f"{pointer}_\n")
    return "".join(out)
