"""What the review app keeps between requests (the read model's views and lists, the queue's shared rows) and
the writes that make decisions cheap: a decision or a commit made elsewhere is seen at once, a member never
sees another's column, an editor still cannot approve, a stale hash is still refused, and the in-place writes
of topic files and review logs equal the round-trip writer's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import test_web_app
from guideline.corpus.reviews import Comment, Decision, LoggedTransition
from guideline.workflow import recording
from test_web_app import approve, form_hash, sign_in
from test_web_project import REVIEWS_FILE, TOPIC, TOPIC_FILE, WebProject

if TYPE_CHECKING:
    from starlette.testclient import TestClient

# The fixtures of test_web_app: a fresh copy of the project per test, and an in-process client over it.
base, project, client = test_web_app.base, test_web_app.project, test_web_app.client


def as_member(client: TestClient, member_id: str) -> Any:
    """Another member in the same client: a new session, the old cookie gone."""
    client.cookies.clear()
    return sign_in(client, member_id)


def row(html: str) -> str:
    found = re.search(rf'<tr class="topic-row" data-topic="{TOPIC}">(.*?)</tr>', html, re.DOTALL)
    assert found, html
    return found.group(1)


def cells(html: str) -> list[str]:
    return re.findall(r"<td>(.*?)</td>", row(html), re.DOTALL)


def test_a_decision_shows_at_once_and_only_in_its_members_column(client: TestClient, project: WebProject) -> None:
    tomas = sign_in(client, "tomas-okafor")
    assert cells(client.get("/queue").text)[-1] == "to review"
    assert approve(client, tomas).status_code == 200
    after = cells(client.get("/queue").text)
    assert after[-1] == "approved" and after[3].startswith("1 of")
    as_member(client, "mei-lin-castellanos")
    theirs = cells(client.get("/queue").text)
    assert theirs[-1] == "to review" and theirs[3].startswith("1 of")
    rows = client.app.state.app.rows  # type: ignore[attr-defined]
    assert len(rows) >= 3


def test_a_commit_made_elsewhere_is_seen_and_the_old_hash_refused(client: TestClient, project: WebProject) -> None:
    session = sign_in(client, "tomas-okafor")
    before = form_hash(client.get(f"/topics/{TOPIC}").text)
    client.get("/queue")
    project.edit("200 IU nasal spray", "100 IU nasal spray")
    project.commit_as("priya-lindqvist", "Lower the calcitonin dose")
    page = client.get(f"/topics/{TOPIC}").text
    assert "100 IU nasal spray" in page and form_hash(page) != before
    stale = client.post(f"/topics/{TOPIC}/approve", data={"csrf": session.csrf, "content_hash": before})
    assert stale.status_code == 409 and not (project.root / REVIEWS_FILE).exists()
    fresh = client.post(f"/topics/{TOPIC}/approve", data={"csrf": session.csrf, "content_hash": form_hash(page)})
    assert fresh.status_code == 200, fresh.text
    assert "reviewer: tomas.okafor@example.org" in (project.root / REVIEWS_FILE).read_text(encoding="utf-8")


def test_an_uncommitted_edit_is_seen_too(client: TestClient, project: WebProject) -> None:
    sign_in(client, "tomas-okafor")
    before = form_hash(client.get(f"/topics/{TOPIC}").text)
    project.edit("200 IU nasal spray", "150 IU nasal spray")
    page = client.get(f"/topics/{TOPIC}").text
    assert "150 IU nasal spray" in page and form_hash(page) != before


def test_an_editor_still_cannot_approve_once_pages_are_kept(client: TestClient, project: WebProject) -> None:
    sign_in(client, "tomas-okafor")
    client.get("/queue")
    editor = as_member(client, "priya-lindqvist")
    assert cells(client.get("/queue").text)[-1] == "editor"
    page = client.get(f"/topics/{TOPIC}").text
    assert 'id="approve-form"' not in page
    head = project.git("rev-parse", "HEAD")
    forged = client.post(f"/topics/{TOPIC}/approve", data={"csrf": editor.csrf, "content_hash": "0" * 64})
    assert forged.status_code == 403 and project.git("rev-parse", "HEAD") == head


def test_decisions_on_one_topic_in_a_row_are_each_signed(client: TestClient, project: WebProject) -> None:
    """The second decision on a topic waits for a desk that has read the first one's commit."""
    for member in ("tomas-okafor", "mei-lin-castellanos"):
        session = as_member(client, member)
        assert approve(client, session).status_code == 200
    assert project.git("log", "-2", "--format=%(trailers:key=Decided-by,valueonly)").split() == \
        ["mei-lin-castellanos", "tomas-okafor"]
    assert project.signature_status("HEAD") == "G" and project.signature_status("HEAD~1") == "G"
    # Both approvals count: the quorum is met and the topic leaves the queue at once.
    assert f'data-topic="{TOPIC}"' not in client.get("/queue").text


@pytest.fixture
def copies(tmp_path: Path, base: WebProject) -> tuple[Path, Path]:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for path in (first, second):
        shutil.copy(base.root / TOPIC_FILE, path)
    return first, second


def test_states_set_in_place_equal_the_round_trip(copies: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = copies
    text = fast.read_text(encoding="utf-8")
    ids = re.findall(r"^  - id: (\S+)$", text, re.MULTILINE)
    states = {TOPIC: "under-review", ids[0]: "under-review", ids[-1]: "approved"}
    recording.set_states(fast, states)
    monkeypatch.setattr(recording, "_states_in_place", lambda *args: None)
    recording.set_states(slow, states)
    assert fast.read_bytes() == slow.read_bytes() != text.encode()


def test_log_entries_appended_in_place_equal_the_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries: dict[str, Any] = {
        "transitions": [LoggedTransition("r-1", "review", "submitted", "under-review", "a@example.org",
                                         "2026-12-03", None, "ab" * 32)],
        "decisions": [Decision("r-1", "a@example.org", "approve", "2026-12-03", "cd" * 32, "ef" * 32,
                               "Doses: checked # it's fine")],
        "comments": [Comment("t-c1", "r-1", "a@example.org", "2026-12-03", "Why?\nA second line", "unresolved")]}
    fast, slow = tmp_path / "fast.yaml", tmp_path / "slow.yaml"
    for _ in range(2):
        recording.append_review_log(fast, "t", **entries)
    with monkeypatch.context() as patched:
        patched.setattr(recording, "_appended", lambda *args: None)
        for _ in range(2):
            recording.append_review_log(slow, "t", **entries)
    import yaml

    assert yaml.safe_load(fast.read_text(encoding="utf-8")) == yaml.safe_load(slow.read_text(encoding="utf-8"))
    # Every line of the first write is still there, unchanged: blame still names the commit that wrote it.
    first = tmp_path / "first.yaml"
    recording.append_review_log(first, "t", **entries)
    assert set(first.read_text(encoding="utf-8").splitlines()) <= set(fast.read_text(encoding="utf-8").splitlines())


def test_queue_pages_take_any_page_number(client: TestClient) -> None:
    sign_in(client, "tomas-okafor")
    for query in ("?page=1", "?page=99", "?page=abc", "?page=-1", "?page=" + "9" * 40):
        response = client.get("/queue" + query)
        assert response.status_code == 200 and f'data-topic="{TOPIC}"' in response.text, query
