"""The HTML board report in a real headless Chromium: renders, filters by topic, runs nothing it should not."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT, run_cli
from helpers.diffs import GitProject, build_scenario

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def _report(project: GitProject, *args: str) -> tuple[Path, dict[str, Any]]:
    html = project.root / "report.html"
    result = run_cli("diff", *args, "--format", "html", "--output", html, cwd=project.root)
    assert result.returncode == 0, result.stderr
    data = run_cli("diff", *args, "--format", "json", "--output", "-", cwd=project.root)
    assert data.returncode == 0, data.stderr
    return html, json.loads(data.stdout)


class _Watch:
    """Everything a page does that a report must not: errors, dialogs, network requests."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.requests.append(r.url))


def test_report_renders_filters_and_stays_inert(browser: Any, tmp_path: Path) -> None:
    project = build_scenario(tmp_path / "repo")
    html, data = _report(project, "--base", "base", "--head", "head")
    project.close()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = _Watch(page)
    page.goto(html.as_uri())
    total = len(data["changes"])
    assert page.locator("#shown-count").text_content() == f"{total} of {total} changed records shown"
    assert page.locator("article.change").count() == total
    # Side by side: the dose change shows struck and inserted words in their own columns.
    row = page.locator("#change-2 tr.material").first
    assert row.locator("td.before del").first.text_content() == "200"
    assert row.locator("td.after ins").first.text_content() == "100"
    # Hostile statement text is shown as text and never runs.
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("text=<script>window.__pwned = 1</script>").count() == 1
    assert page.locator("img").count() == 0
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
    watch = _Watch(page)
    page.goto(html.as_uri())
    assert page.locator("article.change.material").count() >= 1
    shot = Path(os.environ.get("GUIDELINE_SCREENSHOT_DIR", tmp_path)) / "board-report-shipped.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert watch.errors == [] and watch.dialogs == []
    page.close()
