"""The article renderer: layout of the source articles, citation numbering, escaping, determinism."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from guideline.corpus.article import (
    ArticleStatus,
    Publication,
    citation_numbering,
    load_publication,
    records_by_topic,
)
from guideline.corpus.model import Corpus
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
from guideline.render.article import long_date, md_escape, render_article
from helpers import make_project
from helpers.workflow import TOPIC, TOPIC_FILE, edit, make_repo
from markdown_it import MarkdownIt

SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "000_ca5c2e48f58b1a8a.txt"
SHIPPED = "osteoporotic-spine-fracture"


def _load(root: Path) -> Corpus:
    return load_corpus([root / "guidelines"], load_project(root))


def _article(root: Path, topic_id: str = TOPIC, **kwargs: object) -> tuple[str, str]:
    corpus = _load(root)
    topic = corpus.first("topic", topic_id)
    assert topic is not None
    kwargs.setdefault("publication", load_publication(load_project(root)))
    return render_article(topic, corpus, **kwargs)  # type: ignore[arg-type]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def test_summary_sections_leads_bullets_and_numbered_references(tmp_path: Path) -> None:
    markdown, _ = _article(make_repo(tmp_path, with_git=False))
    assert markdown.splitlines()[:12] == [
        "# Which supplements do patients with an osteoporotic spine fracture need?", "",
        "*All articles are reviewed for accuracy by our Medical Advisory Board.*", "",
        "Article review status: **Submitted** → Under Review → Approved", "",
        "Last updated: January 2, 2026", "",
        "## Supplements After Osteoporotic Spine Fractures", "",
        ("All patients with an osteoporotic vertebral compression fracture need calcium 1000-1200 mg/day and "
        "vitamin D 800 IU/day. [1]"), ""]
    body = markdown[markdown.index("### Essential"):]
    assert body.splitlines()[:6] == ["### Essential Adjunctive Therapy", "", "All patients require:", "",
                                     "- Calcium 1000-1200 mg/day [1, 2]", "- Vitamin D 800 IU/day [2]"]
    assert "## References\n\n1. **Guideline.** First-Line Pharmacologic Therapy for Symptomatic Compression " \
           "Fractures. *Praxis Medical Insights: Practical Summaries of Clinical Guidelines, 2025*.\n2. " in markdown
    assert markdown.rstrip().endswith("The publisher assumes no liability for clinical decisions based on this content.")


def test_references_are_numbered_in_order_of_first_citation(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    edit(root, "    citations:\n      - supplements-ref-1\n      - supplements-ref-2\n",
         "    citations:\n      - supplements-ref-2\n      - supplements-ref-1\n")
    edit(root, "    citations:\n      - supplements-ref-1\n    review_state", "    citations:\n      - supplements-ref-2\n"
               "    review_state")
    corpus = _load(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    numbering = citation_numbering(topic, corpus)
    assert numbering.numbers == {"supplements-ref-2": 1, "supplements-ref-1": 2}
    markdown, _ = render_article(topic, corpus, numbering)
    assert "- Calcium 1000-1200 mg/day [1, 2]" in markdown
    assert re.search(r"1\. \*\*Guideline\.\*\* Calcitonin Therapy", markdown)


def test_unresolved_citation_prints_a_question_mark_never_a_number(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    edit(root, "      - supplements-ref-2\n    review_state: submitted\n    notes",
         "      - supplements-ref-9\n    review_state: submitted\n    notes")
    corpus = _load(root)
    topic = corpus.first("topic", TOPIC)
    assert topic is not None
    numbering = citation_numbering(topic, corpus)
    assert [(rec.id, index, ref) for rec, index, ref in numbering.unresolved] == [
        ("supplements-02", 0, "supplements-ref-9")]
    markdown, html = render_article(topic, corpus, numbering)
    assert "- Vitamin D 800 IU/day [?]" in markdown
    assert '<a href="#ref-3">' not in html


def test_record_text_is_escaped_everywhere(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    edit(root, "statement: Vitamin D 800 IU/day", 'statement: "Vitamin D <script>alert(1)</script> & *bold* [x](y)"')
    edit(root, 'lead: "All patients require:"', 'lead: "<img src=x onerror=alert(1)> require:"')
    edit(root, "title: Supplements After Osteoporotic Spine Fractures", 'title: "</title><b>T</b>"')
    markdown, html = _article(root)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "<bdi>Vitamin D &lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold* [x](y)</bdi>" in html
    # Plain Markdown: backslash escapes where markup could start, never an entity.
    assert "- Vitamin D \\<script>alert(1)\\</script> & \\*bold\\* \\[x\\](y) [2]" in markdown
    assert "&amp;" not in markdown and "&lt;" not in markdown
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert "<li>Vitamin D &lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold* [x](y) [2]</li>" in rendered
    assert "<title>&lt;/title&gt;&lt;b&gt;T&lt;/b&gt;</title>" in html


def test_markdown_keeps_comparisons_and_ampersands_as_written() -> None:
    assert md_escape("CrCl < 30 mL/min & eGFR > 15") == "CrCl < 30 mL/min & eGFR > 15"
    assert md_escape("&amp; <b>x</b>") == "\\&amp; \\<b>x\\</b>"
    assert md_escape("> not a quote") == "\\> not a quote"


def test_bidi_controls_are_isolated_and_closed() -> None:
    # An override left open, and a closer that matches nothing: both end inside the isolate.
    assert md_escape("Give \u202e01 mg") == "\u2068Give \u202e01 mg\u202c\u2069"
    assert md_escape("a\u2069\u202eb") == "\u2068a\u202eb\u202c\u2069"
    assert md_escape("\u2067x\u202by\u2069z") == "\u2068\u2067x\u202by\u202c\u2069z\u2069"
    assert md_escape("plain") == "plain"


def test_markdown_escape_blocks_structure() -> None:
    assert md_escape("# not a heading") == "\\# not a heading"
    assert md_escape("1. not a list") == "1\\. not a list"
    assert md_escape("- not a bullet") == "\\- not a bullet"
    assert md_escape("a\n\nb") == "a b"


def test_html_is_self_contained(tmp_path: Path) -> None:
    _, html = _article(make_repo(tmp_path, with_git=False))
    parser = _Collector()
    parser.feed(html)
    tags = {tag for tag, _ in parser.tags}
    assert "style" in tags and not tags & {"link", "script", "img", "iframe", "object"}
    for _, attrs in parser.tags:
        for name in ("src", "href"):
            assert attrs.get(name) is None or str(attrs[name]).startswith("#")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")


def test_preview_banner_and_published_status(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    preview_md, preview_html = _article(root, preview=True)
    assert "> **Preview, not published.** Educational purpose only" in preview_md
    assert 'class="banner"' in preview_html
    published_md, published_html = _article(root, status=ArticleStatus("published", ("Dr. A", "Dr. B")))
    assert "Preview" not in published_md and 'class="banner"' not in published_html
    assert "Article review status: Submitted → Under Review → **Approved**" in published_md
    assert "Reviewed by: Dr. A, Dr. B" in published_md
    assert '<li class="current" aria-current="step">Approved</li>' in published_html


def test_output_is_deterministic(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    assert _article(root) == _article(root)


def test_publication_texts_are_data(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    edit(root, "title: Professional Medical Disclaimer", "title: Haftungsausschluss", "guidelines/publication.yaml")
    publication = load_publication(load_project(root))
    assert publication.disclaimer_title == "Haftungsausschluss"
    markdown, html = _article(root, publication=publication)
    assert "## Haftungsausschluss" in markdown and "<h2>Haftungsausschluss</h2>" in html
    assert Publication.from_data(None) == Publication()


def test_long_date() -> None:
    assert long_date("2026-01-02") == "January 2, 2026"
    assert long_date("not a date") is None


def _seed_lines() -> list[str]:
    lines = [line.strip().lstrip("•").strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    start = lines.index("Best Treatment for Osteoporotic Spine Fractures")
    end = lines.index("References")
    return [line for line in lines[start:end] if line]


def _markdown_lines(markdown: str) -> list[str]:
    start = markdown.index("## Best Treatment")
    end = markdown.index("## References")
    out = []
    for line in markdown[start:end].splitlines():
        line = re.sub(r"^(#+|-) ", "", line)
        line = re.sub(r" \[([\d, ?]+)\]$", r" \1", line)
        if line:
            out.append(line.replace("\\", ""))
    return out


@pytest.mark.skipif(not SEED.is_file(), reason="the sample article is not available")
def test_shipped_topic_renders_in_the_sample_articles_layout(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", with_corpus=True)
    corpus = _load(root)
    topic = corpus.first("topic", SHIPPED)
    assert topic is not None
    # The sample numbers references the shipped bibliography may still lack; stub them so numbering is complete.
    missing = sorted({ref for _, _, ref in citation_numbering(topic, corpus).unresolved})
    refs = root / "guidelines" / "references" / f"{SHIPPED}.yaml"
    refs.write_text(refs.read_text(encoding="utf-8") + "".join(
        f"\n  - id: {ref}\n    type: other\n    title: Stub\n    source: Test\n    year: 2024\n" for ref in missing),
        encoding="utf-8")
    markdown, html = _article(root, SHIPPED)
    assert _markdown_lines(markdown) == _seed_lines()
    parser = _Collector()
    parser.feed(html)
    assert parser.text[:1] == ["Best Treatment for Osteoporotic Spine Fractures"]
    article = parser.text[parser.text.index("Best Treatment for Osteoporotic Spine Fractures", 1):]
    assert article[1].startswith("For acute osteoporotic vertebral compression fractures")
    assert len(records_by_topic(corpus)[SHIPPED]) == 34


def test_publish_writes_both_files_under_out(guideline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from helpers.workflow import EDITOR, MEI, TOMAS, as_user, commit, record_decision, set_state

    root = make_repo(tmp_path)
    for reviewer in (TOMAS, MEI):
        record_decision(root, None, reviewer)
    set_state(root, "approved")
    commit(root, TOMAS, "approved")
    out = tmp_path / "site"
    result = guideline("publish", TOPIC, "--out", out, cwd=root, env=as_user(EDITOR))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"{TOPIC}.html", f"{TOPIC}.md"]
    assert (root / TOPIC_FILE).read_text(encoding="utf-8").count("review_state: published") == 4
    assert not (root / "published").exists()
    shutil.rmtree(out)


def test_references_list_authors_and_identifiers_readers_can_follow(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    authors = "".join(f"\n      - Author{n} A" for n in range(1, 8))
    edit(root, "    title: Calcitonin Therapy for Osteoporotic Fractures\n",
         f"    title: Calcitonin Therapy for Osteoporotic Fractures\n    authors:{authors}\n    identifiers:\n"
         "      doi: https://doi.org/10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0\n"
         '      pmid: "12345678"\n      pmcid: PMC7255293\n      nct: NCT01234567\n', "guidelines/references/supplements.yaml")
    markdown, html = _article(root)
    entry = next(line for line in markdown.splitlines() if line.startswith("2. "))
    doi = "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0"
    link = "https://doi.org/10.1002/%28SICI%291097-4571%28199806%2949:8%3C693::AID-ASI4%3E3.0.CO;2-0"
    assert entry == (
        "2. **Guideline.** Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, Author6 A, et al. Calcitonin Therapy "
        "for Osteoporotic Fractures. *Praxis Medical Insights: Practical Summaries of Clinical Guidelines, 2025*. "
        f"doi:[{doi}]({link}). PMID: [12345678](https://pubmed.ncbi.nlm.nih.gov/12345678/). PMCID: PMC7255293. "
        "ClinicalTrials.gov: NCT01234567.")
    rendered = MarkdownIt("commonmark").render(entry)
    assert f'<a href="{link}">{doi.replace("<", "&lt;").replace(">", "&gt;")}</a>' in rendered
    assert f'<span class="ref-ids">doi:<a href="{link}">{doi.replace("<", "&lt;").replace(">", "&gt;")}</a>. PMID: ' \
           '<a href="https://pubmed.ncbi.nlm.nih.gov/12345678/">12345678</a>. PMCID: PMC7255293. ' \
           "ClinicalTrials.gov: NCT01234567.</span>" in html


def test_a_malformed_identifier_is_printed_without_a_link(tmp_path: Path) -> None:
    root = make_repo(tmp_path, with_git=False)
    edit(root, "    title: Calcitonin Therapy for Osteoporotic Fractures\n",
         "    title: Calcitonin Therapy for Osteoporotic Fractures\n    identifiers:\n      doi: not-a-doi\n"
         '      pmid: "PM12"\n', "guidelines/references/supplements.yaml")
    markdown, html = _article(root)
    assert "doi:not-a-doi. PMID: PM12." in markdown
    assert "https://" not in html
