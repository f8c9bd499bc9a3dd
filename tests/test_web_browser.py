"""The review app end to end: real headless Chromium, a real uvicorn server on a loopback port, passkeys
through Chromium's virtual authenticator, decisions landing as signed commits in a throwaway repository."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guideline.web.auth import Store
from helpers import run_cli
from helpers.browser import SCREENSHOTS, chromium, needs_chromium
from test_web_project import REVIEWS_FILE, TOPIC, WebProject, make_web_project

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebProject, str]]:
    import uvicorn
    from guideline.web.app import create_app

    project = make_web_project(tmp_path)
    port = _free_port()
    origin = f"http://localhost:{port}"
    server = uvicorn.Server(uvicorn.Config(create_app(project.config(origin)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield project, origin
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def _member_page(browser: Any) -> Any:
    """A browser context with its own virtual passkey authenticator (a member's device)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True}})
    page.on("dialog", lambda d: d.dismiss())
    return page


def _enrol(page: Any, project: WebProject, origin: str, member_id: str) -> None:
    token = Store(project.state).issue_token(member_id, 1)
    page.goto(f"{origin}/enrol")
    page.fill("#token", token)
    page.click("#enrol-form button")
    page.wait_for_url(f"{origin}/queue")


def test_enrol_sign_in_review_and_approve(browser: Any, served: tuple[WebProject, str]) -> None:
    project, origin = served
    page = _member_page(browser)
    _enrol(page, project, origin, "tomas-okafor")
    # Signed out and in again with the passkey alone.
    page.click("text=Sign out")
    page.wait_for_url(f"{origin}/login")
    page.click("#login-form button")
    page.wait_for_url(f"{origin}/queue")
    assert page.locator(f'tr[data-topic="{TOPIC}"]').count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-app-queue.png"), full_page=True)
    page.click(f'tr[data-topic="{TOPIC}"] a')
    page.wait_for_url(f"{origin}/topics/{TOPIC}")
    report = page.frame_locator("iframe.report")
    report.locator("h1").wait_for(state="attached", timeout=120_000)
    page.screenshot(path=str(SCREENSHOTS / "review-app-topic.png"))
    page.locator("#decide").screenshot(path=str(SCREENSHOTS / "review-app-decision.png"))
    page.fill("#approve-text", "Doses checked against the label")
    page.click("#approve-form button")
    assert "approved 35 record(s)" in (page.locator(".message").text_content() or "")
    log = (project.root / REVIEWS_FILE).read_text(encoding="utf-8")
    assert "reviewer: tomas.okafor@example.org" in log
    assert "Decided-by: tomas-okafor" in project.git("log", "-1", "--format=%B")
    assert project.signature_status() == "G"
    page.context.close()
    # A second board member makes the quorum (policy: 2); the gate then counts both approvals made in the app.
    second = _member_page(browser)
    _enrol(second, project, origin, "mei-lin-castellanos")
    second.goto(f"{origin}/topics/{TOPIC}")
    second.click("#approve-form button")
    assert "approved 35 record(s)" in (second.locator(".message").text_content() or "")
    second.context.close()
    done = run_cli("status", TOPIC, "--format", "json", cwd=project.root)
    assert done.returncode in (0, 1), done.stderr
    records = json.loads(done.stdout)["topics"][0]["records"]
    assert len(records) == 35
    for record in records:
        assert record["approved"], record
        assert record["valid_approvals"] == ["mei-lin.castellanos@example.org", "tomas.okafor@example.org"]


def test_two_members_approving_at_once_both_land(browser: Any, served: tuple[WebProject, str]) -> None:
    project, origin = served
    pages = [_member_page(browser) for _ in range(2)]
    for page, member in zip(pages, ("tomas-okafor", "mei-lin-castellanos"), strict=True):
        _enrol(page, project, origin, member)
        page.goto(f"{origin}/topics/{TOPIC}")
    for page in pages:
        page.evaluate("document.querySelector('#approve-form').requestSubmit()")
    for page in pages:
        page.wait_for_selector(".message")
        assert "approved" in (page.locator(".message").text_content() or "")
    log = (project.root / REVIEWS_FILE).read_text(encoding="utf-8")
    assert "tomas.okafor@example.org" in log and "mei-lin.castellanos@example.org" in log
    decided = set(project.git("log", "-2", "--format=%(trailers:key=Decided-by,valueonly)").split())
    assert decided == {"tomas-okafor", "mei-lin-castellanos"}
    assert project.signature_status("HEAD") == project.signature_status("HEAD~1") == "G"
    for page in pages:
        page.context.close()
