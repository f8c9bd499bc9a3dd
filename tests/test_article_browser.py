"""The published article in a real headless Chromium: labels, Update information and followable references as a
reader sees them (the screenshot in docs/), and a statement holding markup and bidi controls shown as text that
cannot reorder what follows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli
from helpers.browser import SCREENSHOTS, Watch, chromium, needs_chromium
from helpers.publications import NEW_2026, Published, three_publications
from helpers.workflow import TOPIC, edit

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

HOSTILE = '<b>Bold</b> <img src=x onerror="window.__pwned=1"> &amp; \u202eGive 01 mg'


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield three_publications(tmp_path_factory.mktemp("article"), monkeypatch)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def test_published_article_shows_labels_updates_and_references(browser: Any, published: Published) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    watch = Watch(page)
    url = (published.out / f"{TOPIC}.html").as_uri()
    page.goto(url)
    item = page.locator("article li", has_text=NEW_2026)
    assert item.locator(".label").text_content() == "[new 2026]"
    assert page.locator("article li", has_text="Vitamin D 800 IU/day").locator(".label").text_content() \
        == "[2024, amended 2026]"
    updates = page.locator("section.updates")
    assert updates.locator("h3").all_text_contents() == ["June 15, 2026", "April 10, 2025", "March 5, 2024"]
    assert updates.locator("li.updated strong").text_content() == "Updated (wording):"
    trial = page.locator("#ref-2")
    assert trial.locator("a").evaluate_all("links => links.map(a => a.href)") == [
        "https://doi.org/10.1056/NEJMoa055218", "https://pubmed.ncbi.nlm.nih.gov/16481635/"]
    assert "ClinicalTrials.gov: NCT00000611." in (trial.text_content() or "")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "published-article.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert watch.errors == [] and watch.dialogs == [] and watch.requests == [url]
    page.close()


def test_statement_with_markup_and_bidi_controls_stays_text(browser: Any, published: Published, tmp_path: Path) -> None:
    root = published.root
    original = (root / "guidelines" / "topics" / f"{TOPIC}.yaml").read_text(encoding="utf-8")
    try:
        edit(root, f"statement: {NEW_2026}\n", f"statement: {json.dumps(HOSTILE)}\n")
        result = run_cli("publish", TOPIC, "--preview", "--out", tmp_path, cwd=root)
    finally:
        (root / "guidelines" / "topics" / f"{TOPIC}.yaml").write_text(original, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    watch = Watch(page)
    url = (tmp_path / f"{TOPIC}.html").as_uri()
    page.goto(url)
    item = page.locator("article li", has_text="Give 01 mg")
    assert item.locator("b, img").count() == 0 and page.evaluate("typeof window.__pwned") == "undefined"
    assert (item.locator("bdi").text_content() or "").startswith('<b>Bold</b> <img src=x onerror="window.__pwned=1"> &amp; ')
    # The override acts inside the statement only: the citation and the label stay after it, on its right.
    text, cite, label = (item.locator(css).bounding_box() for css in ("bdi", "sup.cite", ".label"))
    assert text and cite and label
    assert cite["x"] >= text["x"] + text["width"] - 1 and label["x"] > cite["x"]
    # Without the isolate the same override would carry the label to the left: the check can fail.
    page.evaluate("""() => { const li = document.createElement('li'); li.id = 'control';
        li.innerHTML = '<span class="t"></span> <span class="label">[new 2026]</span>';
        li.querySelector('.t').textContent = 'x \\u202eGive 01 mg'; document.querySelector('ul').append(li); }""")
    control_text, control_label = (page.locator(f"#control {css}").bounding_box() for css in (".t", ".label"))
    assert control_text and control_label and control_label["x"] < control_text["x"] + control_text["width"] - 1
    assert watch.errors == [] and watch.dialogs == [] and watch.requests == [url]
    page.close()
