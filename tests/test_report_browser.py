"""The HTML board report in a real headless Chromium: renders, highlights what changed, filters by topic, shows
hostile text as text, runs nothing it should not. GUIDELINE_REQUIRE_BROWSER=1 makes a missing Chromium a failure.

The screenshot of the scenario report goes to docs/img/board-report.png (or $GUIDELINE_SCREENSHOT_DIR): the README
and docs/diff-report.md show it."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT, run_cli
from helpers.browser import SCREENSHOTS, Watch, chromium, needs_chromium
from helpers.diffs import GitProject, build_scenario

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def _report(project: GitProject, *args: str) -> tuple[Path, dict[str, Any]]:
    html = project.root / "report.html"
    result = run_cli("diff", *args, "--format", "html", "--output", html, cwd=project.root)
    assert result.returncode == 0, result.stderr
    data = run_cli("diff", *args, "--format", "json", "--output", "-", cwd=project.root)
    assert data.returncode == 0, data.stderr
    return html, json.loads(data.stdout)


def _article(page: Any, record_id: str) -> Any:
    return page.locator("article.change", has=page.locator(f"p.secondary:has-text('recommendation {record_id} ·')"))


def test_dose_change_is_visible_and_highlighted(browser: Any, tmp_path: Path) -> None:
    project = build_scenario(tmp_path / "repo")
    html, _ = _report(project, "--base", "base", "--head", "head", "--no-expectations")
    project.close()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page)
    page.goto(html.as_uri())
    card = _article(page, "spine-01")
    dose = card.locator("ul.tree li", has=page.locator("span.label", has_text="dose")).last
    dose.scroll_into_view_if_needed()
    assert dose.is_visible()
    assert dose.inner_text() == "dose 200 → 100 IU"
    removed, added = dose.locator("del"), dose.locator("ins")
    assert (removed.text_content(), added.text_content()) == ("200", "100")
    for mark in (removed, added):
        assert mark.is_visible()
        style = mark.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).textDecorationLine]")
        assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent"), style
    assert "line-through" in removed.evaluate("e => getComputedStyle(e).textDecorationLine")
    # Clinical first: the statement and the grading in words come before the ids of the secondary line.
    text = card.inner_text()
    assert text.index("Give calcitonin") < text.index("Recommendation for · UNGRADED") < text.index("dosing") < (
        text.index("recommendation spine-01 ·"))
    # The screenshot shows the spine topic from its start: the section lead, then the dose change.
    page.locator("h2", has_text="Topic spine").evaluate("e => e.scrollIntoView()")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "board-report.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert watch.errors == [] and watch.dialogs == []
    page.close()


def test_hostile_statements_render_as_text(browser: Any, tmp_path: Path) -> None:
    project = build_scenario(tmp_path / "repo")
    html, _ = _report(project, "--base", "base", "--head", "head", "--no-findings")
    project.close()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(html.as_uri())
    statement = _article(page, "spine-05").locator("h3.statement")
    shown = statement.text_content() or ""
    assert "<script>window.__pwned = 1</script>" in shown and "<b>bold?</b>" in shown
    assert statement.locator("b, script, img").count() == 0 and page.locator("img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # The right-to-left override stays inside its isolate: the statement's own <bdi> in a dir=auto heading.
    assert statement.get_attribute("dir") == "auto"
    assert statement.evaluate("e => [...e.children].map(c => c.tagName)") == ["BDI"]
    assert "\u202eright-to-left override" in (statement.locator("bdi").text_content() or "")
    secondary = _article(page, "spine-05").locator("p.secondary")
    assert (secondary.inner_text()).startswith("recommendation spine-05 · guidelines/topics/spine.yaml:")
    assert watch.errors == [] and watch.dialogs == [] and watch.requests == [html.as_uri()]
    page.close()


def test_report_renders_filters_and_stays_inert(browser: Any, tmp_path: Path) -> None:
    project = build_scenario(tmp_path / "repo")
    html, data = _report(project, "--base", "base", "--head", "head", "--no-findings")
    project.close()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(html.as_uri())
    total = len(data["changes"])
    assert page.locator("#shown-count").text_content() == f"{total} of {total} changed records shown"
    assert page.locator("article.change").count() == total
    # The topic filter shows the hip topic only.
    page.select_option("#topic-filter", "hip")
    visible = page.locator("article.change:visible")
    hip = [c for c in data["changes"] if "hip" in c["topics"]]
    assert visible.count() == len(hip) == 1
    assert "hip-02" in (visible.first.text_content() or "")
    assert page.locator("#shown-count").text_content() == f"1 of {total} changed records shown"
    assert page.locator("h2:visible", has_text="Topic spine").count() == 0
    page.select_option("#topic-filter", "spine")
    spine = [c for c in data["changes"] if "spine" in c["topics"]]
    assert page.locator("article.change:visible").count() == len(spine)
    page.check("#material-only")
    assert page.locator("article.change:visible").count() == sum(1 for c in spine if c["material"])
    page.select_option("#topic-filter", "")
    page.uncheck("#material-only")
    assert page.locator("article.change:visible").count() == total
    # Printed, the controls disappear and the changes stay.
    page.emulate_media(media="print")
    assert not page.locator("nav.filter").is_visible()
    assert page.locator("article.change:visible").count() == total
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert watch.errors == [] and watch.dialogs == []
    assert watch.requests == [html.as_uri()]
    page.close()


def test_shipped_corpus_report_screenshot(browser: Any, tmp_path: Path) -> None:
    """The board's view of a small edit to the shipped corpus (the screenshot is kept for people to look at)."""
    project = GitProject(tmp_path / "repo")
    shutil.rmtree(project.root / "guidelines")
    shutil.copytree(REPO_ROOT / "guidelines", project.root / "guidelines")
    project.commit("shipped corpus", tag="base")
    topic = project.root / "guidelines" / "topics" / "osteoporotic-spine-fracture.yaml"
    text = topic.read_text(encoding="utf-8")
    assert "200 IU nasal spray or suppository daily for 4 weeks in neurologically" in text
    topic.write_text(text.replace("200 IU nasal spray or suppository daily for 4 weeks in neurologically",
                                  "200 IU nasal spray daily for at most 4 weeks in neurologically", 1),
                     encoding="utf-8")
    html, data = _report(project, "--base", "base", "--no-expectations")
    project.close()
    assert data["summary"]["modified"] >= 1
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    page.goto(html.as_uri())
    assert page.locator("article.change.material").count() >= 1
    shot = Path(os.environ.get("GUIDELINE_SCREENSHOT_DIR", tmp_path)) / "board-report-shipped.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert watch.errors == [] and watch.dialogs == []
    page.close()
