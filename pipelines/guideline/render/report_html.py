"""The board report as one self-contained HTML page: no external assets, works offline, prints well.

Every piece of record text goes through markupsafe.escape; on top of that the page's Content-Security-Policy
allows only its own inline script (by hash), so even a slip in escaping could not run injected script.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence

from markupsafe import escape

from guideline.render.board import REVIEW_LABELS, FindingLine, Line, card, finding_lines, grouped
from guideline.report.model import Elsewhere, FileEntry, RecordChange, Report, Segment

_TAGS = {"delete": "del", "insert": "ins"}

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
table { border-collapse: collapse; width: 100%; margin: .5rem 0; table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; }
thead th { background: var(--bg-soft); }
.labels { margin: 0 0 .3rem; display: flex; flex-wrap: wrap; gap: .4rem; }
h3.statement { display: block; font-size: 1.1rem; font-weight: 600; margin: 0 0 .4rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: 0 0 .5rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.note-line { margin: .2rem 0; }
ul.tree { margin: .5rem 0; padding-left: 1.2rem; } ul.tree ul { padding-left: 1.4rem; }
ul.tree li { margin: .1rem 0; } ul.tree .label { font-weight: 600; }
ul.tree li.material > .label { color: var(--material); }
ul.tree li.material > .label::after { content: " \\25B2 material"; font-size: .75rem; }
ul.tree .sign { font-weight: 700; } ul.tree li.added > .sign { color: var(--ins-fg); }
ul.tree li.removed > .sign { color: var(--del-fg); }
.secondary { color: var(--muted); font-size: .8rem; margin: .5rem 0 0; overflow-wrap: anywhere; }
del { background: var(--del-bg); color: var(--del-fg); text-decoration: line-through; }
ins { background: var(--ins-bg); color: var(--ins-fg); text-decoration: underline; }
ul.findings { margin: .4rem 0; padding-left: 1.2rem; }
ul.findings li.introduced::marker { content: "+ "; color: var(--err); }
ul.findings li.resolved::marker { content: "\\2713  "; color: var(--ins-fg); }
ul.findings li.reworded::marker { content: "\\270E  "; color: var(--warn); }
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


def value(segments: Iterable[Segment]) -> str:
    """Record text, escaped and isolated (bidi controls stay inside), removed words struck, added ones marked."""
    inner = "".join(f"<{_TAGS[s.op]}>{e(s.text)}</{_TAGS[s.op]}>" if s.op in _TAGS else e(s.text)
                    for s in segments)
    return f"<bdi>{inner}</bdi>"


def _text(text: str) -> str:
    return value((Segment("equal", text),))


def _finding_item(line: FindingLine) -> str:
    return (f'<li class="{line.status}"><span class="muted">{line.status}</span> '
            f'<span class="sev-{e(line.severity)}">{e(line.severity.capitalize())}</span>: '
            f'<span dir="auto">{value(line.sentence)}</span> '
            f'<span class="muted mono">{e(line.rule)} · {e(line.where)}</span></li>')


def _findings_list(lines: Iterable[FindingLine]) -> str:
    items = "".join(_finding_item(line) for line in lines)
    return f'<ul class="findings">{items}</ul>' if items else ""


def _tree_item(line: Line) -> str:
    kind = {"+": "added", "−": "removed"}.get(line.sign, "changed") + (" material" if line.material else "")
    sign = f'<span class="sign">{e(line.sign)}</span> ' if line.sign else ""
    shown = f' <span class="value" dir="auto">{value(line.value)}</span>' if line.value else ""
    return f'<li class="{kind}">{sign}<span class="label">{e(line.label)}</span>{shown}'


def _tree(lines: Sequence[Line]) -> str:
    """The change tree as nested lists (a line is at most one level deeper than the one before it)."""
    if not lines:
        return ""
    out = ['<ul class="tree">']
    depth = 0
    for number, line in enumerate(lines):
        if line.depth > depth:
            out.append("<ul>")
            depth += 1
        elif number:
            out.append("</li>")
            out.extend("</ul></li>" for _ in range(depth - line.depth))
            depth = line.depth
        out.append(_tree_item(line))
    out.append("</li>" + "</ul></li>" * depth + "</ul>")
    return "".join(out)


def _change(change: RecordChange, index: int) -> str:
    item = card(change)
    classes = "change filterable" + (" material" if change.material else "")
    badges = [f'<span class="badge {e(change.change)}">{e(item.labels[0])}</span>']
    badges += [f'<span class="badge{" material" if label == "material" else ""}">{e(label)}</span>'
               for label in item.labels[1:-1 if change.review else None]]
    if change.review:
        badges.append(f'<span class="badge review-{e(change.review.status)}" title="{e(change.review.detail)}">'
                      f"{e(item.labels[-1])}</span>")
    facts = "".join(f"<dt>{e(name)}</dt><dd dir=\"auto\">{_text(text)}</dd>" for name, text in item.facts)
    notes = "".join(f'<p class="note-line" dir="auto">{_text(note)}</p>' for note in item.notes)
    return (f'<article class="{classes}" id="change-{index}" data-topics="{e(" ".join(change.topics))}">'
            f'<p class="labels">{" ".join(badges)}</p>'
            f'<h3 class="statement" dir="auto">{value(item.statement)}</h3>'
            + (f'<dl class="facts">{facts}</dl>' if facts else "") + notes + _tree(item.lines)
            + _findings_list(item.findings) + f'<p class="secondary mono">{_text(item.secondary)}</p></article>')


def _elsewhere(items: Iterable[Elsewhere]) -> str:
    out = []
    for entry in items:
        label = f"<code>{e(entry.record)}</code>" if entry.record else '<span class="muted">(file)</span>'
        delta = entry.findings
        out.append(f'<article class="elsewhere filterable" data-topics="{e(entry.topic or "")}">'
                   f'<h3>{label} <span class="mono muted">{e(entry.file)}</span></h3>'
                   f"{_findings_list(finding_lines(delta.introduced, delta.resolved, delta.changed))}</article>")
    return "".join(out)


def _problems(files: Iterable[FileEntry]) -> str:
    rows = []
    for entry in files:
        for side, items in (("base", entry.base_problems), ("head", entry.head_problems)):
            for finding in items:
                rows.append(f'<tr><td class="mono">{e(entry.path)}</td><td>{side}</td><td>{_text(finding.message)} '
                            f'<span class="muted mono">{e(finding.rule)}, line {finding.line}</span></td>'
                            f"<td>{len(entry.not_compared)}</td></tr>")
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
                  ("reworded", findings["changed"], ""), ("still open", findings["still_open"], "")]
    items = "".join(f'<li class="{cls}"><b>{value}</b>{e(label)}</li>' for label, value, cls in cards)
    review = report.review_counts()
    review_text = " · ".join(f"{n} {e(REVIEW_LABELS[s])}" for s, n in review.items() if n)
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
    sections: list[str] = []
    index = 0
    for title, items in grouped(report.changes):
        articles = []
        for change in items:
            index += 1
            articles.append(_change(change, index))
        sections.append(f'<section class="group"><h2>{e(title)}</h2>{"".join(articles)}</section>')
    body = "".join(sections) if report.changes else "<p>No record changed.</p>"
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
{e("the working tree" if report.head.worktree else report.head.commit)}. Each change shows only what differs, item \
by item; <del>struck</del> text was removed, <ins>underlined</ins> text was added; material fields need board \
re-approval.</footer>
<script>{_SCRIPT}</script>
</body>
</html>
"""
