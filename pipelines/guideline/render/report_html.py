"""The board report as one self-contained HTML page: no external assets, works offline, prints well.

Every piece of record text goes through markupsafe.escape; on top of that the page's Content-Security-Policy
allows only its own inline script (by hash), so even a slip in escaping could not run injected script.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from markupsafe import escape

from guideline.findings import Finding
from guideline.render.values import display_value
from guideline.report.model import Elsewhere, FieldChange, FileEntry, Place, RecordChange, Report

_REVIEW_LABELS = {"approved": "approved for this content", "stale": "approval stale", "awaiting": "awaiting review",
                  "retired": "retired", "removed": "removed without retirement"}

_CSS = """
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa; --material: #b35900;
  --del-bg: #ffebe9; --del-fg: #82071e; --ins-bg: #dafbe1; --ins-fg: #116329; --err: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .35rem; display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.muted { color: var(--muted); }
.revs { margin: 0; color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 7.5rem; }
.cards b { display: block; font-size: 1.4rem; }
.cards .material { border-color: var(--material); }
.filter { position: sticky; top: 0; background: #fff; padding: .6rem 0; border-bottom: 1px solid var(--line);
  display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; z-index: 1; }
.note { background: var(--bg-soft); border-left: 4px solid var(--muted); padding: .4rem .8rem; }
.change { border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 6px;
  padding: .8rem 1rem; margin: 1rem 0; }
.change.material { border-left-color: var(--material); }
.badge { border: 1px solid var(--line); border-radius: 999px; padding: 0 .55rem; font-size: .8rem;
  font-weight: 600; white-space: nowrap; }
.badge.material { border-color: var(--material); color: var(--material); }
.badge.added { color: var(--ins-fg); } .badge.removed { color: var(--del-fg); }
.review-stale, .review-removed { color: var(--err); } .review-approved { color: var(--ins-fg); }
.where { margin: 0 0 .5rem; color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; }
thead th { background: var(--bg-soft); }
table.sbs col.name { width: 14%; } table.sbs col.side { width: 43%; }
td.value { white-space: pre-wrap; }
td.absent { color: var(--muted); font-style: italic; }
tr.material th { color: var(--material); }
tr.material th::after { content: " \\25B2 material"; font-size: .75rem; font-weight: 600; }
del { background: var(--del-bg); color: var(--del-fg); text-decoration: line-through; }
ins { background: var(--ins-bg); color: var(--ins-fg); text-decoration: underline; }
ul.findings { margin: .4rem 0; padding-left: 1.2rem; }
ul.findings li.introduced::marker { content: "+ "; color: var(--err); }
ul.findings li.resolved::marker { content: "\\2713  "; color: var(--ins-fg); }
ul.findings li.open::marker { content: "\\2022  "; color: var(--muted); }
.sev-error { color: var(--err); font-weight: 600; } .sev-warning { color: var(--warn); font-weight: 600; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
details.files ul { columns: 2; margin: .4rem 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .filter { display: none; }
  .change { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  del, ins, .badge, .change { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""

_SCRIPT = """
(function () {
  "use strict";
  var select = document.getElementById("topic-filter");
  var materialOnly = document.getElementById("material-only");
  var count = document.getElementById("shown-count");
  var items = Array.prototype.slice.call(document.querySelectorAll(".filterable"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".group"));
  function apply() {
    var topic = select.value;
    var shown = 0;
    items.forEach(function (item) {
      var topics = (item.getAttribute("data-topics") || "").split(" ");
      var visible = (topic === "" || topics.indexOf(topic) !== -1) &&
        (!materialOnly.checked || item.classList.contains("material"));
      item.hidden = !visible;
      if (visible && item.classList.contains("change")) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector(".filterable:not([hidden])") === null;
    });
    count.textContent = shown + " of " + count.getAttribute("data-total") + " changed records shown";
  }
  select.addEventListener("change", apply);
  materialOnly.addEventListener("change", apply);
  apply();
})();
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


_CSP = (f"default-src 'none'; style-src '{_hash(_CSS)}'; script-src '{_hash(_SCRIPT)}'; img-src 'none'; "
        "base-uri 'none'; form-action 'none'")


def e(value: object) -> str:
    return str(escape(value))


def _words(change: FieldChange, side: str) -> str:
    shown, tag = ("delete", "del") if side == "before" else ("insert", "ins")
    return "".join(f"<{tag}>{e(s.text)}</{tag}>" if s.op == shown else e(s.text)
                   for s in change.words if s.op in ("equal", shown))


def _value_cell(change: FieldChange, side: str) -> str:
    value = change.before if side == "before" else change.after
    if value is None:
        return f'<td class="{side} absent">{"not present" if side == "before" else "removed"}</td>'
    text = _words(change, side) if change.words else e(display_value(value))
    return f'<td class="{side} value">{text}</td>'


def _place_text(place: Place) -> str:
    text = f'<span class="mono">{e(place.file)}</span> line {place.line}'
    if place.section:
        text += f" · section <code>{e(place.section)}</code>"
        if place.group:
            text += f" / <code>{e(place.group)}</code>"
    return text


def _finding_item(finding: Finding, kind: str) -> str:
    label = {"introduced": "introduced", "resolved": "resolved", "open": "still open"}[kind]
    hint = f' <span class="muted">Hint: {e(finding.hint)}</span>' if finding.hint else ""
    return (f'<li class="{kind}"><span class="muted">{label}</span> '
            f'<span class="sev-{e(finding.severity.value)}">{e(finding.severity.value)}</span> '
            f'<code>{e(finding.rule)}</code> {e(finding.message)} '
            f'<span class="muted mono">{e(finding.file)}:{finding.line}</span>{hint}</li>')


def _findings_list(introduced: Iterable[Finding], resolved: Iterable[Finding],
                   still_open: Iterable[Finding] = ()) -> str:
    items = ([_finding_item(f, "introduced") for f in introduced] + [_finding_item(f, "resolved") for f in resolved]
             + [_finding_item(f, "open") for f in still_open])
    return f'<ul class="findings">{"".join(items)}</ul>' if items else ""


def _change(change: RecordChange, index: int, base_label: str, head_label: str) -> str:
    classes = "change filterable" + (" material" if change.material else "")
    badges = [f'<span class="badge {e(change.change)}">{e(change.change)}</span>',
              f"<code>{e(change.id)}</code>", f'<span class="muted">{e(change.kind)}</span>']
    if change.material:
        badges.append('<span class="badge material">material</span>')
    elif change.materiality != "none":
        badges.append(f'<span class="badge">{e(change.materiality)}</span>')
    if change.review:
        badges.append(f'<span class="badge review-{e(change.review.status)}" title="{e(change.review.detail)}">'
                      f"{e(_REVIEW_LABELS.get(change.review.status, change.review.status))}</span>")
    parts = [f'<article class="{classes}" id="change-{index}" data-topics="{e(" ".join(change.topics))}">',
             f"<h3>{' '.join(badges)}</h3>", f'<p class="where">{_place_text(change.place)}']
    if change.renamed_from:
        parts.append(f" · renamed from <code>{e(change.renamed_from)}</code> (matched by content)")
    if change.moved and change.base:
        parts.append(f" · moved from {_place_text(change.base)}")
    if change.review and not change.review.detail.startswith("review_state:"):
        parts.append(f" · review: {e(change.review.detail)}")
    parts.append("</p>")
    if change.fields:
        parts.append(f'<table class="sbs"><colgroup><col class="name"><col class="side"><col class="side"></colgroup>'
                     f"<thead><tr><th>Field</th><th>Before ({e(base_label)})</th><th>After ({e(head_label)})</th>"
                     f"</tr></thead><tbody>")
        for item in change.fields:
            row_class = "material" if item.material else e(item.category)
            parts.append(f'<tr class="{row_class}"><th>{e(item.name)}</th>{_value_cell(item, "before")}'
                         f'{_value_cell(item, "after")}</tr>')
        parts.append("</tbody></table>")
    if change.citations_added or change.citations_removed:
        added = ", ".join(f"<ins>{e(c)}</ins>" for c in change.citations_added)
        removed = ", ".join(f"<del>{e(c)}</del>" for c in change.citations_removed)
        parts.append(f"<p>Citations: {' '.join(x for x in (added, removed) if x)}</p>")
    if change.cited_by:
        parts.append("<p>Cited by: " + ", ".join(f"<code>{e(c)}</code>" for c in change.cited_by) + "</p>")
    parts.append(_findings_list(change.findings.introduced, change.findings.resolved, change.findings.still_open))
    parts.append("</article>")
    return "".join(parts)


def _elsewhere(items: Iterable[Elsewhere]) -> str:
    out = []
    for entry in items:
        label = f"<code>{e(entry.record)}</code>" if entry.record else '<span class="muted">(file)</span>'
        out.append(f'<article class="elsewhere filterable" data-topics="{e(entry.topic or "")}">'
                   f'<h3><span class="mono">{e(entry.file)}</span> {label}</h3>'
                   f"{_findings_list(entry.findings.introduced, entry.findings.resolved)}</article>")
    return "".join(out)


def _problems(files: Iterable[FileEntry]) -> str:
    rows = []
    for entry in files:
        for side, items in (("base", entry.base_problems), ("head", entry.head_problems)):
            for finding in items:
                rows.append(f'<tr><td class="mono">{e(entry.path)}</td><td>{side}</td><td><code>{e(finding.rule)}</code> '
                            f"{e(finding.message)} (line {finding.line})</td><td>{len(entry.not_compared)}</td></tr>")
    if not rows:
        return ""
    return ('<section><h2>Files that could not be read</h2><table><thead><tr><th>File</th><th>Side</th>'
            "<th>Problem</th><th>Records not compared</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            "</section>")


def _files(files: Iterable[FileEntry]) -> str:
    items = "".join(f'<li><span class="mono">{e(f.path)}</span> <span class="muted">{e(f.status)}</span></li>'
                    for f in files)
    return f'<details class="files"><summary>Files changed</summary><ul>{items}</ul></details>' if items else ""


def _summary(report: Report) -> str:
    counts = report.counts()
    cards = [("records changed", counts["records"], ""), ("material", counts["material"], "material")]
    cards += [(kind, counts[kind], "") for kind in ("added", "removed", "modified", "renamed", "moved")]
    findings = report.findings_counts()
    if findings is not None:
        cards += [("findings introduced", findings["introduced"], ""), ("resolved", findings["resolved"], ""),
                  ("still open", findings["still_open"], "")]
    items = "".join(f'<li class="{cls}"><b>{value}</b>{e(label)}</li>' for label, value, cls in cards)
    review = report.review_counts()
    review_text = " · ".join(f"{n} {e(_REVIEW_LABELS[s])}" for s, n in review.items() if n)
    notes = "".join(f'<p class="note">{e(note)}</p>' for note in report.notes)
    source = e(report.review_source.replace("_", " "))
    return (f'<ul class="cards">{items}</ul>'
            + (f"<p>Review status (from {source}): {review_text}</p>" if review_text else "") + notes
            + _files(report.files))


def _revision_text(report: Report) -> str:
    base, head = report.base, report.head
    base_text = (f"<b>{e(base.label)}</b> (<code>{e(base.short)}</code>, {base.date.isoformat()}"
                 + (f", {e(base.how)}" if base.how else "") + f") “{e(base.subject)}”")
    head_text = (f"<b>working tree</b> on <code>{e(head.commit[:7])}</code>" if head.worktree else
                 f"<b>{e(head.label)}</b> (<code>{e(head.short)}</code>, {head.date.isoformat()}) “{e(head.subject)}”")
    return (f'<p class="revs">Base {base_text}<br>Head {head_text}<br>Checked as of {report.as_of.isoformat()} · '
            f"{len(report.files)} file(s) changed</p>")


def render(report: Report, *, full_report: str | None = None) -> str:
    base_label = report.base.short
    head_label = report.head.short
    groups: list[tuple[str, str, list[str]]] = []
    for index, change in enumerate(report.changes, 1):
        if change.kind == "reference":
            key, title = "\x01references", "References"
        elif change.topics:
            key, title = change.topics[0], f"Topic {change.topics[0]}"
        else:
            key, title = "\x02other", "Other records"
        if not groups or groups[-1][0] != key:
            groups.append((key, title, []))
        groups[-1][2].append(_change(change, index, base_label, head_label))
    body = "".join(f'<section class="group"><h2>{e(title)}</h2>{"".join(items)}</section>'
                   for _, title, items in groups)
    if not report.changes:
        body = "<p>No record changed.</p>"
    elsewhere = _elsewhere(report.elsewhere)
    if elsewhere:
        body += f'<section class="group"><h2>Findings on records the change did not touch</h2>{elsewhere}</section>'
    options = "".join(f'<option value="{e(t)}">{e(t)}</option>' for t in report.topics)
    title = f"Board report: {report.base.label} → {report.head.label}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="generator" content="guideline {e(report.version)}">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{e(title)}</h1>
{_revision_text(report)}
</header>
{_summary(report)}
<nav class="filter" aria-label="Filter">
<label for="topic-filter">Topic</label>
<select id="topic-filter"><option value="">All topics</option>{options}</select>
<label><input type="checkbox" id="material-only"> material changes only</label>
<span id="shown-count" class="muted" data-total="{len(report.changes)}"></span>
</nav>
{_problems(report.files)}
<main id="changes">
{body}
</main>
<footer>Generated by guideline {e(report.version)} from git revisions {e(report.base.commit)} and \
{e("the working tree" if report.head.worktree else report.head.commit)}. Before/after values are the records' \
top-level fields; <del>struck</del> text was removed, <ins>underlined</ins> text was added; material fields need \
board re-approval.</footer>
<script>{_SCRIPT}</script>
</body>
</html>
"""
