"""The published article: a topic's records rendered as Markdown and as one self-contained HTML page.
The layout itself (what goes where, how citations are numbered) is corpus/article.py.

Pure functions of the corpus: no clock, no file access, so the same records give byte-identical output.
Layout follows the source articles: question, board statement, review status, last updated, title,
summary, sections with lead lines and bullets, numbered references, disclaimer.

In Markdown, citation numbers follow the text as " [2, 3]" (brackets inside record text are escaped, so
that suffix is unambiguous); a citation that resolves to no reference prints as "?" and the publication
gate refuses such a topic.
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
from guideline.corpus.model import Corpus, Record

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_SPACE_RE = re.compile(r"\s+")
_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START_RE = re.compile(r"^([#+-])")
_MD_ORDERED_RE = re.compile(r"^(\d+)([.)])")


def long_date(text: Any) -> str | None:
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return None
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _clean(value: Any) -> str:
    return _SPACE_RE.sub(" ", str(value)).strip()


def md_escape(value: Any) -> str:
    """Record text as inert Markdown: no markup, no raw HTML, no accidental list or heading."""
    text = _clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL_RE.sub(r"\\\1", text)
    text = _MD_ORDERED_RE.sub(r"\1\\\2", text)
    return _MD_LINE_START_RE.sub(r"\\\1", text)


def _stop(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _numbers(rec: Record, numbering: Numbering) -> list[str]:
    return [str(numbering.numbers.get(ref_id, "?")) for ref_id in rec.list_of("citations") if isinstance(ref_id, str)]


def _stage_index(publication: Publication, state: str) -> int | None:
    for index, stage in enumerate(publication.review_stages):
        if state in stage.states:
            return index
    return None


def _reference_parts(ref: Record | None) -> tuple[str, str, str]:
    if ref is None:
        return "", "", ""
    label = _clean(ref.get("listed_as") or str(ref.get("type") or "").replace("-", " ").capitalize())
    source = ", ".join(_clean(v) for v in (ref.get("source"), ref.get("year")) if v not in (None, ""))
    return label, _clean(ref.get("title") or ""), source


def render_article(topic: Record, corpus: Corpus, numbering: Numbering | None = None, *,
                   recommendations: Sequence[Record] | None = None,
                   publication: Publication = DEFAULT_PUBLICATION, status: ArticleStatus | None = None,
                   preview: bool = False) -> tuple[str, str]:
    """(Markdown, HTML) of one topic. `preview` adds the pending-review banner; status defaults to the topic's."""
    recs = recommendations if recommendations is not None else records_by_topic(corpus).get(topic.id, [])
    numbering = numbering or citation_numbering(topic, corpus, recs)
    status = status or ArticleStatus(str(topic.get("review_state") or "draft"))
    article = layout(topic, recs)
    return (_markdown(topic, corpus, article, numbering, publication, status, preview),
            _html(topic, corpus, article, numbering, publication, status, preview))


def _markdown(topic: Record, corpus: Corpus, article: Layout, numbering: Numbering, publication: Publication,
              status: ArticleStatus, preview: bool) -> str:
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
    updated = long_date(topic.get("last_updated"))
    if updated:
        out += [f"Last updated: {updated}", ""]
    out += [f"## {md_escape(topic.get('title') or topic.id)}", ""]

    def line(rec: Record) -> str:
        cites = _numbers(rec, numbering)
        return md_escape(rec.get("statement") or "") + (f" [{', '.join(cites)}]" if cites else "")

    for rec in article.summary:
        out += [line(rec), ""]
    for section in article.sections:
        out += [f"### {md_escape(section.title)}", ""]
        for group in section.groups:
            if group.lead:
                out += [md_escape(group.lead), ""]
            out += [f"- {line(rec)}" for rec in group.records]
            out.append("")
    if numbering.numbers:
        out += [f"## {md_escape(publication.references_title)}", ""]
        for number, ref_id in enumerate(numbering.order, 1):
            label, title, source = _reference_parts(corpus.first("reference", ref_id))
            parts = [f"**{md_escape(_stop(label))}**" if label else "", md_escape(_stop(title)) if title else "",
                     f"*{md_escape(source)}*." if source else ""]
            out.append(f"{number}. " + " ".join(p for p in parts if p))
        out.append("")
    out += [f"## {md_escape(publication.disclaimer_title)}", "", md_escape(publication.disclaimer_text), ""]
    return "\n".join(out)


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
ol.references li{margin:.6rem 0}
.ref-type{display:block;font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:#718096}
.ref-source{display:block;color:#4a5568;font-size:.9rem}
footer{margin-top:2.5rem;padding-top:1rem;border-top:1px solid #e2e8f0;color:#4a5568;font-size:.85rem}
""".strip()


def _text(value: Any) -> Markup:
    return escape(_clean(value))


def _html(topic: Record, corpus: Corpus, article: Layout, numbering: Numbering, publication: Publication,
          status: ArticleStatus, preview: bool) -> str:
    title = topic.get("title") or topic.id
    out: list[Markup] = [
        Markup("<!DOCTYPE html>"),
        Markup('<html lang="en">'),
        Markup("<head>"),
        Markup('<meta charset="utf-8">'),
        Markup('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        Markup("<title>{}</title>").format(_text(title)),
        Markup("<style>{}</style>").format(Markup(_CSS)),
        Markup("</head>"),
        Markup("<body>"),
        Markup('<main class="article">'),
        *_html_header(topic, publication, status, preview),
        Markup("<article>"),
        Markup("<h2>{}</h2>").format(_text(title)),
        *_html_body(article, numbering),
        Markup("</article>"),
        *_html_references(corpus, numbering, publication),
        Markup("<footer>"),
        Markup("<h2>{}</h2>").format(_text(publication.disclaimer_title)),
        Markup("<p>{}</p>").format(_text(publication.disclaimer_text)),
        Markup("</footer>"),
        Markup("</main>"),
        Markup("</body>"),
        Markup("</html>"),
    ]
    return "\n".join(out) + "\n"


def _html_header(topic: Record, publication: Publication, status: ArticleStatus, preview: bool) -> list[Markup]:
    out = [
        Markup("<header>"),
        Markup("<h1>{}</h1>").format(_text(topic.get("question") or topic.get("title") or topic.id)),
        Markup('<p class="board">{}</p>').format(_text(publication.board_statement)),
    ]
    if preview:
        out.append(Markup('<p class="banner" role="note"><strong>Preview, not published.</strong> {}</p>')
                   .format(_text(publication.preview_banner)))
    current = _stage_index(publication, status.state)
    out.append(Markup('<ol class="status" aria-label="Article review status">'))
    for index, stage in enumerate(publication.review_stages):
        if index == current:
            out.append(Markup('<li class="current" aria-current="step">{}</li>').format(_text(stage.label)))
        else:
            css = "done" if current is not None and index < current else "todo"
            out.append(Markup('<li class="{}">{}</li>').format(css, _text(stage.label)))
    out.append(Markup("</ol>"))
    if status.reviewed_by:
        out.append(Markup('<p class="meta">Reviewed by {}</p>').format(_text(", ".join(status.reviewed_by))))
    updated = long_date(topic.get("last_updated"))
    if updated:
        out.append(Markup('<p class="meta">Last updated: {}</p>').format(updated))
    out.append(Markup("</header>"))
    return out


def _html_body(article: Layout, numbering: Numbering) -> list[Markup]:
    def cites(rec: Record) -> Markup:
        links = []
        for number in _numbers(rec, numbering):
            links.append(Markup('<a href="#ref-{0}">{0}</a>').format(number) if number != "?" else Markup("?"))
        return Markup(' <sup class="cite">{}</sup>').format(Markup(", ").join(links)) if links else Markup("")

    out = [Markup('<p class="summary">{}{}</p>').format(_text(rec.get("statement") or ""), cites(rec))
           for rec in article.summary]
    for section in article.sections:
        out.append(Markup("<section>"))
        out.append(Markup("<h3>{}</h3>").format(_text(section.title)))
        for group in section.groups:
            if group.lead:
                out.append(Markup('<p class="lead">{}</p>').format(_text(group.lead)))
            out.append(Markup("<ul>"))
            for rec in group.records:
                out.append(Markup("<li>{}{}</li>").format(_text(rec.get("statement") or ""), cites(rec)))
            out.append(Markup("</ul>"))
        out.append(Markup("</section>"))
    return out


def _html_references(corpus: Corpus, numbering: Numbering, publication: Publication) -> list[Markup]:
    if not numbering.numbers:
        return []
    out = [Markup('<section class="references">'),
           Markup("<h2>{}</h2>").format(_text(publication.references_title)),
           Markup('<ol class="references">')]
    for number, ref_id in enumerate(numbering.order, 1):
        label, ref_title, source = _reference_parts(corpus.first("reference", ref_id))
        out.append(Markup('<li id="ref-{}"><span class="ref-type">{}</span><cite>{}</cite>'
                          '<span class="ref-source">{}</span></li>').format(number, label, ref_title, source))
    out += [Markup("</ol>"), Markup("</section>")]
    return out
