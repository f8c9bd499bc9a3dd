"""Headless Chromium for the tests that look at pages: Debian's /usr/bin/chromium driven by Playwright, where
screenshots for the docs go, and a watch on everything a page must not do.

Without Chromium the browser tests skip, unless GUIDELINE_REQUIRE_BROWSER=1 (CI) makes that a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("GUIDELINE_SCREENSHOT_DIR", REPO_ROOT / "docs" / "img"))

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("GUIDELINE_REQUIRE_BROWSER"),
    reason="needs Chromium at /usr/bin/chromium (apt-get install chromium; GUIDELINE_REQUIRE_BROWSER=1 makes it a "
           "failure)")


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright Browser), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """Everything a page does that a static article must not: errors, dialogs, requests."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.requests.append(r.url))
