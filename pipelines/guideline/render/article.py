"""The published article: a topic's records rendered as Markdown and as one self-contained HTML page.
The layout itself (what goes where, how citations are numbered) is corpus/article.py; what changed between
publications (labels, Update information) is corpus/changelog.py.

Pure functions of their arguments: no clock, no file access, so the same records give byte-identical output.
Layout follows the source articles: question, board statement, review status, last updated, title,
summary, sections with lead lines and bullets, numbered references, then Update information and the
disclaimer. With a changelog each recommendation ends with its label ("[new 2026]", "[2024, amended 2026]")
and "Last updated" is the date of the latest publication.

In Markdown, citation numbers follow the text as " [2, 3]" (brackets inside record text are escaped, so
that suffix is unambiguous); a citation that resolves to no reference prints as "?" and the publication
gate refuses such a topic. Record text is plain Markdown: markup characters are backslash-escaped, never
turned into HTML entities. Bidi controls in record text are isolated (`<bdi>` in HTML, FSI…PDI in Markdown,
every embedding closed), so an override cannot reorder the citation numbers, label or text after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from guideline.corpus.article import (
    DEFAULT_PUBLICATION,
    ArticleStatus,
    Layout,
    Numbering,
    Publication,
    citation_numbering,
    layout,
    records_by_topic,
)
from guideline.corpus.changelog import AMENDED, ARTICLE, NEW, UPDATED, WITHDRAWN, Change, Changelog
from guideline.corpus.model import Corpus, Record
from guideline.render.bibliography import Entry, clean, entry_of, stop

UPDATES_TITLE = "Update information"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]|~])")
# Only where "<" could open a tag or an autolink, and "&" an entity: "CrCl < 30" and "A & B" stay as written.
_MD_TAG_RE = re.compile(r"<(?=[A-Za-z/!?])")
_MD_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START_RE = re.compile(r"^([#+>-])")
_MD_ORDERED_RE = re.compile(r"^(\d+)([.)])")
_BIDI_RE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EMBEDDINGS, _ISOLATES = "\u202a\u202b\u202d\u202e", "\u2066\u2067\u2068"
_PDF, _PDI = "\u202c", "\u2069"
_KINDS = {NEW: "New", UPDATED: "Updated", AMENDED: "Amended", WITHDRAWN: "Withdrawn", ARTICLE: "Article revised"}
_FIELD_WORDS = {"statement": "wording", "statement_type": "type", "certainty": "certainty of evidence",
                "dosing": "dose", "citations": "references", "section": "moved to another section",
                "group": "moved within its section"}


def _long(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def long_date(text: Any) -> str | None:
    try:
        return _long(date.fromisoformat(str(text)))
    except ValueError:
        return None


def _balanced(text: str) -> str:
    """The text with every bidi embedding or isolate it opens closed at its end, and closers that match no
    opener dropped, so that nothing it holds reaches past it."""
    out: list[str] = []
    stack: list[str] = []
    for char in text:
        if char in _EMBEDDINGS or char in _ISOLATES:
            stack.append(char)
        elif char == _PDF:
            if not stack or stack[-1] not in _EMBEDDINGS:
                continue
            stack.pop()
        elif char == _PDI:
            if not any(c in _ISOLATES for c in stack):
                continue
            while stack.pop() not in _ISOLATES:
                out.append(_PDF)
        out.append(char)
    out.extend(_PDI if c in _ISOLATES else _PDF for c in reversed(stack))
    return "".join(out)


def md_escape(value: Any, *, line_start: bool = True) -> str:
    """Record text as inert, plain Markdown: no markup, no raw HTML, no entities, and any bidi controls isolated;
    at the start of a line also no accidental list, heading or quote."""
    text = _MD_SPECIAL_RE.sub(r"\\\1", clean(value))
    text = _MD_ENTITY_RE.sub(r"\\&", _MD_TAG_RE.sub(r"\\<", text))
    if line_start:
        text = _MD_LINE_START_RE.sub(r"\\\1", _MD_ORDERED_RE.sub(r"\1\\\2", text))
    return f"\u2068{_balanced(text)}{_PDI}" if _BIDI_RE.search(text) else text


def _numbers(rec: Record, numbering: Numbering) -> list[str]:
    return [str(numbering.numbers.get(ref_id, "?")) for ref_id in rec.list_of("citations") if isinstance(ref_id, str)]


def _stage_index(publication: Publication, state: str) -> int | None:
    for index, stage in enumerate(publication.review_stages):
        if state in stage.states:
            return index
    return None


def _last_updated(topic: Record, changes: Changelog | None) -> str | None:
    return _long(changes.published) if changes else long_date(topic.get("last_updated"))


def _label(rec: Record, changes: Changelog | None) -> str | None:
    label = changes.labels.get(rec.id) if changes else None
    return f"[{label.text}]" if label else None


def _update_parts(change: Change) -> tuple[str, list[tuple[str, str]]]:
    """The line's heading ("Updated (dose, wording)") and its texts, each after its prefix."""
    words = ", ".join(dict.fromkeys(_FIELD_WORDS.get(f, f.replace("_", " ")) for f in change.fields))
    head = _KINDS.get(change.kind, change.kind.capitalize()) + (f" ({words})" if words else "")
    parts = [("", change.statement)] if change.statement else []
    if change.before:
        parts.append(("Previously: ", change.before))
    if change.note:
        parts.append(("Why: ", change.note))
    return head, parts


def render_article(topic: Record, corpus: Corpus, numbering: Numbering | None = None, *,
                   recommendations: Sequence[Record] | None = None,
                   publication: Publication = DEFAULT_PUBLICATION, status: ArticleStatus | None = None,
                   preview: bool = False, changes: Changelog | None = None) -> tuple[str, str]:
    """(Markdown, HTML) of one topic. `preview` adds the pending-review banner; status defaults to the topic's;
    `changes` adds labels and Update information and dates the article (without it: the topic's last_updated)."""
    recs = recommendations if recommendations is not None else records_by_topic(corpus).get(topic.id, [])
    numbering = numbering or citation_numbering(topic, corpus, recs)
    status = status or ArticleStatus(str(topic.get("review_state") or "draft"))
    article = layout(topic, recs)
    return (_markdown(topic, corpus, article, numbering, publication, status, preview, changes),
            _html(topic, corpus, article, numbering, publication, status, preview, changes))


def _markdown(topic: Record, corpus: Corpus, article: Layout, numbering: Numbering, publication: Publication,
              status: ArticleStatus, preview: bool, changes: Changelog | None) -> str:
    out: list[str] = [f"# {md_escape(topic.get('question') or topic.get('title') or topic.id)}", ""]
    out += [f"*{md_escape(publication.board_statement)}*", ""]
    if preview:
        out += [f"> **Preview, not published.** {md_escape(publication.preview_banner)}", ""]
    current = _stage_index(publication, status.state)
    stages = [f"**{md_escape(s.label)}**" if i == current else md_escape(s.label)
              for i, s in enumerate(publication.review_stages)]
    out += [f"Article review status: {' → '.join(stages)}", ""]
    if status.reviewed_by:
        out += [f"Reviewed by: {md_escape(', '.join(status.reviewed_by))}", ""]
    updated = _last_updated(topic, changes)
    if updated:
        out += [f"Last updated: {updated}", ""]
    out += [f"## {md_escape(topic.get('title') or topic.id)}", ""]
    out += _md_body(article, numbering, changes)
    out += _md_references(corpus, numbering, publication)
    out += _md_updates(changes)
    out += [f"## {md_escape(publication.disclaimer_title)}", "", md_escape(publication.disclaimer_text), ""]
    return "\n".join(out)


def _md_body(article: Layout, numbering: Numbering, changes: Changelog | None) -> list[str]:
    def line(rec: Record) -> str:
        cites = _numbers(rec, numbering)
        label = _label(rec, changes)
        return (md_escape(rec.get("statement") or "") + (f" [{', '.join(cites)}]" if cites else "")
                + (f" *{label}*" if label else ""))

    out: list[str] = []
    for rec in article.summary:
        out += [line(rec), ""]
    for section in article.sections:
        out += [f"### {md_escape(section.title)}", ""]
        for group in section.groups:
            if group.lead:
                out += [md_escape(group.lead), ""]
            out += [f"- {line(rec)}" for rec in group.records]
            out.append("")
    return out


def _md_entry(entry: Entry) -> str:
    parts = [f"**{md_escape(stop(entry.label))}**" if entry.label else "",
             md_escape(stop(entry.authors)) if entry.authors else "",
             md_escape(stop(entry.title)) if entry.title else "",
             f"*{md_escape(entry.source)}*." if entry.source else ""]
    for ident in entry.identifiers:
        value = md_escape(ident.value, line_start=False)
        shown = f"[{value}]({ident.link})" if ident.link else value
        parts.append(f"{ident.prefix}{shown}.")
    return " ".join(p for p in parts if p)


def _md_references(corpus: Corpus, numbering: Numbering, publication: Publication) -> list[str]:
    if not numbering.numbers:
        return []
    out = [f"## {md_escape(publication.references_title)}", ""]
    for number, ref_id in enumerate(numbering.order, 1):
        out.append(f"{number}. {_md_entry(entry_of(corpus.first('reference', ref_id)))}")
    return [*out, ""]


def _md_updates(changes: Changelog | None) -> list[str]:
    if changes is None or not changes.updates:
        return []
    out = [f"## {UPDATES_TITLE}", ""]
    for update in changes.updates:
        out += [f"**{_long(update.date)}**", ""]
        if update.first:
            out.append("- First published.")
        elif not update.changes:
            out.append("- No change to the recommendations.")
        for change in update.changes:
            head, parts = _update_parts(change)
            texts = " ".join(f"{prefix}{md_escape(stop(clean(text)))}" for prefix, text in parts)
            out.append(f"- **{md_escape(head)}:** {texts}".rstrip())
        out.append("")
    return out


_CSS = """
body{margin:0;background:#f6f7f9;color:#1d2430;font:16px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",
Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem;background:#fff}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem}
h2{font-size:1.35rem;margin:2rem 0 .75rem}
h3{font-size:1.1rem;margin:1.75rem 0 .5rem}
.board{color:#4a5568;font-size:.9rem;margin:0 0 1rem}
.banner{border:1px solid #d69e2e;background:#fffbea;color:#744210;padding:.6rem .8rem;border-radius:.3rem;
margin:0 0 1rem;font-size:.9rem}
.status{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0;margin:.25rem 0 .5rem;font-size:.85rem}
.status li{padding:.15rem .6rem;border-radius:1rem;background:#edf2f7;color:#4a5568}
.status li.done{background:#c6f6d5;color:#22543d}
.status li.current{background:#2f855a;color:#fff;font-weight:600}
.meta{color:#4a5568;font-size:.85rem;margin:.25rem 0}
.summary{font-size:1.05rem}
ul{padding-left:1.25rem}
li{margin:.3rem 0}
sup.cite{font-size:.7rem;color:#2b6cb0;white-space:nowrap}
sup.cite a{color:inherit;text-decoration:none}
.label{font-size:.8rem;color:#4a5568;white-space:nowrap}
ol.references li{margin:.6rem 0}
.ref-type{display:block;font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:#718096}
.ref-source{display:block;color:#4a5568;font-size:.9rem}
.ref-ids{display:block;font-size:.85rem}
.ref-ids a{color:#2b6cb0}
.updates h3{font-size:1rem;margin:1.25rem 0 .25rem}
footer{margin-top:2.5rem;padding-top:1rem;border-top:1px solid #e2e8f0;color:#4a5568;font-size:.85rem}
""".strip()


def _text(value: Any) -> Markup:
    """Record text, escaped and isolated: its bidi controls act inside it only."""
    return Markup("<bdi>{}</bdi>").format(clean(value))


def _plain(value: Any) -> Markup:
    """The publisher's own texts (guidelines/publication.yaml) and names, escaped."""
    return escape(clean(value))


def _html(topic: Record, corpus: Corpus, article: Layout, numbering: Numbering, publication: Publication,
          status: ArticleStatus, preview: bool, changes: Changelog | None) -> str:
    title = topic.get("title") or topic.id
    out: list[Markup] = [
        Markup("<!DOCTYPE html>"),
        Markup('<html lang="en">'),
        Markup("<head>"),
        Markup('<meta charset="utf-8">'),
        Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        # A title holds no elements: the isolate is the characters FSI and PDI.
        Markup("<title>{}</title>").format(f"\u2068{_balanced(clean(title))}{_PDI}" if _BIDI_RE.search(str(title))
                                           else clean(title)),
        Markup("<style>{}</style>").format(Markup(_CSS)),
        Markup("</head>"),
        Markup("<body>"),
        Markup('<main class="article">'),
        *_html_header(topic, publication, status, preview, changes),
        Markup("<article>"),
        Markup("<h2>{}</h2>").format(_text(title)),
        *_html_body(article, numbering, changes),
        Markup("</article>"),
        *_html_references(corpus, numbering, publication),
        *_html_updates(changes),
        Markup("<footer>"),
        Markup("<h2>{}</h2>").format(_plain(publication.disclaimer_title)),
        Markup("<p>{}</p>").format(_plain(publication.disclaimer_text)),
        Markup("</footer>"),
        Markup("</main>"),
        Markup("</body>"),
        Markup("</html>"),
    ]
    return "\n".join(out) + "\n"


def _html_header(topic: Record, publication: Publication, status: ArticleStatus, preview: bool,
                 changes: Changelog | None) -> list[Markup]:
    out = [
        Markup("<header>"),
        Markup("<h1>{}</h1>").format(_text(topic.get("question") or topic.get("title") or topic.id)),
        Markup('<p class="board">{}</p>').format(_plain(publication.board_statement)),
    ]
    if preview:
        out.append(Markup('<p class="banner" role="note"><strong>Preview, not published.</strong> {}</p>')
                   .format(_plain(publication.preview_banner)))
    current = _stage_index(publication, status.state)
    out.append(Markup('<ol class="status" aria-label="Article review status">'))
    for index, stage in enumerate(publication.review_stages):
        if index == current:
            out.append(Markup('<li class="current" aria-current="step">{}</li>').format(_plain(stage.label)))
        else:
            css = "done" if current is not None and index < current else "todo"
            out.append(Markup('<li class="{}">{}</li>').format(css, _plain(stage.label)))
    out.append(Markup("</ol>"))
    if status.reviewed_by:
        out.append(Markup('<p class="meta">Reviewed by {}</p>').format(_plain(", ".join(status.reviewed_by))))
    updated = _last_updated(topic, changes)
    if updated:
        out.append(Markup('<p class="meta">Last updated: {}</p>').format(updated))
    out.append(Markup("</header>"))
    return out


def _html_body(article: Layout, numbering: Numbering, changes: Changelog | None) -> list[Markup]:
    def tail(rec: Record) -> Markup:
        links = []
        for number in _numbers(rec, numbering):
            links.append(Markup('<a href="#ref-{0}">{0}</a>').format(number) if number != "?" else Markup("?"))
        cites = Markup(' <sup class="cite">{}</sup>').format(Markup(", ").join(links)) if links else Markup("")
        label = _label(rec, changes)
        return cites + (Markup(' <span class="label">{}</span>').format(label) if label else Markup(""))

    out = [Markup('<p class="summary">{}{}</p>').format(_text(rec.get("statement") or ""), tail(rec))
           for rec in article.summary]
    for section in article.sections:
        out.append(Markup("<section>"))
        out.append(Markup("<h3>{}</h3>").format(_text(section.title)))
        for group in section.groups:
            if group.lead:
                out.append(Markup('<p class="lead">{}</p>').format(_text(group.lead)))
            out.append(Markup("<ul>"))
            for rec in group.records:
                out.append(Markup("<li>{}{}</li>").format(_text(rec.get("statement") or ""), tail(rec)))
            out.append(Markup("</ul>"))
        out.append(Markup("</section>"))
    return out


def _html_entry(number: int, entry: Entry) -> Markup:
    ids = []
    for ident in entry.identifiers:
        value = Markup('<a href="{}">{}</a>').format(ident.link, ident.value) if ident.link else escape(ident.value)
        ids.append(Markup("{}{}.").format(ident.prefix, value))
    authors = Markup('<span class="ref-authors">{}</span> ').format(_text(stop(entry.authors))) if entry.authors \
        else Markup("")
    id_line = Markup('<span class="ref-ids">{}</span>').format(Markup(" ").join(ids)) if ids else Markup("")
    return Markup('<li id="ref-{}"><span class="ref-type">{}</span>{}<cite>{}</cite>'
                  '<span class="ref-source">{}</span>{}</li>').format(
        number, _text(entry.label), authors, _text(entry.title), _text(entry.source), id_line)


def _html_references(corpus: Corpus, numbering: Numbering, publication: Publication) -> list[Markup]:
    if not numbering.numbers:
        return []
    out = [Markup('<section class="references">'),
           Markup("<h2>{}</h2>").format(_plain(publication.references_title)),
           Markup('<ol class="references">')]
    out += [_html_entry(number, entry_of(corpus.first("reference", ref_id)))
            for number, ref_id in enumerate(numbering.order, 1)]
    out += [Markup("</ol>"), Markup("</section>")]
    return out


def _html_updates(changes: Changelog | None) -> list[Markup]:
    if changes is None or not changes.updates:
        return []
    out = [Markup('<section class="updates">'), Markup("<h2>{}</h2>").format(UPDATES_TITLE)]
    for update in changes.updates:
        out += [Markup("<h3>{}</h3>").format(_long(update.date)), Markup("<ul>")]
        if update.first:
            out.append(Markup("<li>First published.</li>"))
        elif not update.changes:
            out.append(Markup("<li>No change to the recommendations.</li>"))
        for change in update.changes:
            head, parts = _update_parts(change)
            texts = Markup(" ").join(Markup("{}{}").format(prefix, _text(stop(clean(text)))) for prefix, text in parts)
            out.append(Markup('<li class="{}"><strong>{}:</strong> {}</li>').format(change.kind, head, texts))
        out.append(Markup("</ul>"))
    out.append(Markup("</section>"))
    return out
