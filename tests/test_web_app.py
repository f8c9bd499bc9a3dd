"""The review app in-process (Starlette's TestClient): refusals and web-security properties."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# starlette's TestClient names an alias anyio deprecated (anyio >= 4.12); nothing of ours uses it.
warnings.filterwarnings("ignore", "The anyio.abc.BlockingPortal alias", DeprecationWarning)
from guideline.web.app import create_app, shown
from guideline.web.auth import Store
from guideline.web.security import CSP, RateLimiter
from starlette.testclient import TestClient
from test_web_project import REVIEWS_FILE, TOPIC, TOPIC_FILE, WebProject, make_web_project

COOKIE = "guideline-session"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> WebProject:
    return make_web_project(tmp_path_factory.mktemp("web"))


@pytest.fixture
def project(base: WebProject, tmp_path: Path) -> WebProject:
    """A fresh copy per test (the keys are shared: ssh-keygen is the slow part)."""
    import shutil

    shutil.copytree(base.root, tmp_path / "repo", symlinks=True)
    return WebProject(tmp_path / "repo", tmp_path / "state", base.people)


@pytest.fixture
def client(project: WebProject) -> Iterator[TestClient]:
    with TestClient(create_app(project.config(), RateLimiter(limit=3))) as client:
        yield client


def sign_in(client: TestClient, member_id: str) -> Any:
    """A signed-in session as the passkey ceremony leaves it (the ceremony itself is the browser test's)."""
    client.get("/login")
    app = client.app.state.app  # type: ignore[attr-defined]
    session = app.sessions.sign_in(app.sessions.get(client.cookies.get(COOKIE)), member_id, "test-credential")
    client.cookies.set(COOKIE, session.id)
    return session


def form_hash(html: str, form_id: str = "approve-form") -> str:
    form = html[html.index(f'id="{form_id}"'):]
    return re.search(r'name="content_hash" value="([0-9a-f]+)"', form).group(1)  # type: ignore[union-attr]


def approve(client: TestClient, session: Any, **extra: str) -> Any:
    page = client.get(f"/topics/{TOPIC}")
    data = {"csrf": session.csrf, "content_hash": form_hash(page.text), **extra}
    return client.post(f"/topics/{TOPIC}/approve", data=data)


def test_cookie_is_httponly_samesite_strict_and_short_lived(client: TestClient) -> None:
    cookie = client.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=1800" in cookie
    assert "Secure" not in cookie


def test_cookie_is_secure_over_https(project: WebProject) -> None:
    with TestClient(create_app(project.config("https://review.example.org")),
                    base_url="https://review.example.org") as client:
        response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-guideline-session=") and "Secure" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_every_page_has_a_strict_csp_and_no_inline_script(client: TestClient) -> None:
    sign_in(client, "tomas-okafor")
    for path in ("/login", "/enrol", "/queue", f"/topics/{TOPIC}", f"/topics/{TOPIC}/history"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CSP
        assert "default-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert re.search(r"<script(?![^>]*\bsrc=)", response.text) is None, path


def test_approve_commits_a_signed_decision_with_trailers(client: TestClient, project: WebProject) -> None:
    session = sign_in(client, "tomas-okafor")
    response = approve(client, session, text="Doses checked")
    assert response.status_code == 200, response.text
    log = (project.root / REVIEWS_FILE).read_text(encoding="utf-8")
    assert "reviewer: tomas.okafor@example.org" in log and "decision: approve" in log
    message = project.git("log", "-1", "--format=%B")
    assert "Decided-by: tomas-okafor" in message
    assert re.search(r"^Content-Hash: [0-9a-f]{64}$", message, re.MULTILINE)
    assert project.signature_status() == "G"
    assert project.git("status", "--porcelain") == ""
    entries = client.app.state.app.audit.entries()  # type: ignore[attr-defined]
    assert entries[-1]["member"] == "tomas-okafor" and entries[-1]["result"] == "recorded"
    assert entries[-1]["credential"] == "test-credential" and entries[-1]["content_hash"]


def test_stale_hash_is_refused_with_a_clear_message(client: TestClient, project: WebProject) -> None:
    session = sign_in(client, "tomas-okafor")
    page = client.get(f"/topics/{TOPIC}")
    project.edit("200 IU nasal spray", "100 IU nasal spray")
    project.commit_as("priya-lindqvist", "Lower the calcitonin dose")
    response = client.post(f"/topics/{TOPIC}/approve", data={"csrf": session.csrf,
                                                             "content_hash": form_hash(page.text)})
    assert response.status_code == 409
    assert "the content changed since you opened this page" in response.text
    assert not (project.root / REVIEWS_FILE).exists()


def test_editor_gets_no_approve_button_and_a_forged_post_is_refused(client: TestClient,
                                                                    project: WebProject) -> None:
    session = sign_in(client, "priya-lindqvist")
    page = client.get(f"/topics/{TOPIC}")
    assert 'id="approve-form"' not in page.text and "only board members approve" in page.text
    head = project.git("rev-parse", "HEAD")
    forged = client.post(f"/topics/{TOPIC}/approve", data={"csrf": session.csrf, "content_hash": "0" * 64})
    assert forged.status_code == 403 and "not a board member" in forged.text
    assert project.git("rev-parse", "HEAD") == head


def test_cross_site_and_tokenless_posts_are_refused(client: TestClient, project: WebProject) -> None:
    session = sign_in(client, "tomas-okafor")
    page = client.get(f"/topics/{TOPIC}")
    data = {"csrf": session.csrf, "content_hash": form_hash(page.text)}
    cross = client.post(f"/topics/{TOPIC}/approve", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and "cross-site request refused" in cross.text
    origin = client.post(f"/topics/{TOPIC}/approve", data=data, headers={"Origin": "https://evil.example"})
    assert origin.status_code == 403
    tokenless = client.post(f"/topics/{TOPIC}/approve", data={"content_hash": data["content_hash"]})
    assert tokenless.status_code == 403 and "security token" in tokenless.text
    assert not (project.root / REVIEWS_FILE).exists()


def test_hostile_statement_renders_as_text_with_bidi_marked(client: TestClient, project: WebProject) -> None:
    file = project.root / TOPIC_FILE
    file.write_text(re.sub(r"^    statement: For acute osteoporotic.*$",
                           r'    statement: "<script>window.__pwned=1</script><img src=x onerror=alert(1)> \\u202Eevil"',
                           file.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE), encoding="utf-8")
    sign_in(client, "tomas-okafor")
    page = client.get(f"/topics/{TOPIC}").text
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "[U+202E]" in page and "\u202e" not in page
    assert str(shown("a\u2066b<")) == 'a<span class="bidi" title="bidi control">[U+2066]</span>b&lt;'


def test_reauthentication_after_idle_minutes(client: TestClient, project: WebProject) -> None:
    session = sign_in(client, "tomas-okafor")
    page = client.get(f"/topics/{TOPIC}")
    session.last_seen -= 6 * 60
    response = client.post(f"/topics/{TOPIC}/approve", data={"csrf": session.csrf,
                                                             "content_hash": form_hash(page.text)})
    assert response.status_code == 401 and "sign in again with your passkey" in response.text
    assert not (project.root / REVIEWS_FILE).exists()


def test_failed_commit_leaves_no_half_written_file(client: TestClient, project: WebProject) -> None:
    session = sign_in(client, "tomas-okafor")
    before = (project.root / TOPIC_FILE).read_bytes()
    page = client.get(f"/topics/{TOPIC}")
    project.git("config", "user.signingkey", str(project.root.parent / "missing-key.pub"))
    response = client.post(f"/topics/{TOPIC}/approve", data={"csrf": session.csrf,
                                                             "content_hash": form_hash(page.text)})
    assert response.status_code in (500, 503)
    assert not (project.root / REVIEWS_FILE).exists()
    assert (project.root / TOPIC_FILE).read_bytes() == before
    assert project.git("status", "--porcelain") == ""


def test_enrolment_token_is_hashed_single_use_and_rate_limited(client: TestClient, project: WebProject) -> None:
    token = Store(project.state).issue_token("tomas-okafor", 1)
    stored = (project.state / "enrolment-tokens.json").read_text(encoding="utf-8")
    assert token not in stored
    client.get("/enrol")
    csrf = client.app.state.app.sessions.get(client.cookies.get(COOKIE)).csrf  # type: ignore[attr-defined]
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    options = client.post("/enrol/options", content=json.dumps({"token": token}), headers=headers)
    assert options.status_code == 200 and json.loads(options.text)["rp"]["id"] == "testserver"
    wrong = client.post("/enrol/options", content=json.dumps({"token": "guess"}), headers=headers)
    assert wrong.status_code == 403
    client.post("/enrol/options", content=json.dumps({"token": "guess"}), headers=headers)
    limited = client.post("/enrol/options", content=json.dumps({"token": token}), headers=headers)
    assert limited.status_code == 429
    assert Store(project.state).use_token(token) == "tomas-okafor"
    assert Store(project.state).use_token(token) is None


def test_unknown_passkey_sign_in_is_refused(client: TestClient) -> None:
    client.get("/login")
    csrf = client.app.state.app.sessions.get(client.cookies.get(COOKIE)).csrf  # type: ignore[attr-defined]
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    assert client.post("/login/options", content="{}", headers=headers).status_code == 200
    refused = client.post("/login/finish", content=json.dumps({"credential": {"id": "nope"}}), headers=headers)
    assert refused.status_code == 403
    assert client.get("/queue", follow_redirects=False).headers["location"] == "/login?next=/queue"


def test_serve_enrol_prints_a_token_once(project: WebProject) -> None:
    from helpers import run_installed as run_guideline

    done = run_guideline("serve", "enrol", "tomas-okafor", "--root", project.root, "--state-dir", project.state,
                         cwd=project.root)
    assert done.returncode == 0, done.stderr
    token = done.stdout.split("\n\n")[1].strip()
    assert Store(project.state).token_member(token) == "tomas-okafor"
    unknown = run_guideline("serve", "enrol", "nobody", "--root", project.root, "--state-dir", project.state,
                            cwd=project.root)
    assert unknown.returncode == 2 and "no roster member" in unknown.stderr
    for words in (("serve", "--help"), ("serve", "enrol", "--help")):
        shown_help = run_guideline(*words, cwd=project.root)
        assert shown_help.returncode == 0 and "examples:" in shown_help.stdout
