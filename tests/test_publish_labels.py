"""What a published article says changed: each recommendation's label from its publication history, the Update
information list, "Last updated" from the commit, a change note required for a material change; on a real
repository with three publications (helpers/publications.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from guideline.corpus.changelog import Label, Snapshot, changelog, missing_notes
from helpers import run_cli
from helpers.publications import (
    DATES,
    NEW_2025,
    NEW_2026,
    NOTE_2025,
    REWORDED,
    approve_and_publish,
    on_day,
    publish_round,
    three_publications,
)
from helpers.workflow import EDITOR, TOPIC, TOPIC_FILE, as_user, commit, edit, make_repo

pytestmark = pytest.mark.slow


def _labels(markdown: str) -> dict[str, str]:
    """Statement -> label of every recommendation line of the article's body."""
    body = markdown[markdown.index("\n## "):markdown.index("## References")]
    found = {}
    for line in body.splitlines():
        match = re.fullmatch(r"(?:- )?(.+?)(?: \[[\d, ?]+\])? \*\[(.+)\]\*", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _section(markdown: str, title: str) -> list[str]:
    start = markdown.index(f"## {title}\n")
    end = markdown.index("\n## ", start + 1)
    return [line for line in markdown[start:end].splitlines()[1:] if line]


def test_three_publications_label_every_recommendation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = three_publications(tmp_path, monkeypatch)
    markdown = published.article()
    assert _labels(markdown) == {
        "All patients with an osteoporotic vertebral compression fracture need calcium 1000-1200 mg/day and "
        "vitamin D 800 IU/day.": "2024",
        REWORDED: "2025",
        NEW_2025: "2025",
        "Vitamin D 800 IU/day": "2024, amended 2026",
        NEW_2026: "new 2026",
    }
    assert "Last updated: June 15, 2026\n" in markdown
    assert _section(markdown, "Update information") == [
        "**June 15, 2026**",
        "- **Amended (moved within its section):** Vitamin D 800 IU/day.",
        f"- **New:** {NEW_2026}.",
        "**April 10, 2025**",
        f"- **Updated (wording):** {REWORDED}. Previously: Calcium 1000-1200 mg/day. Why: {NOTE_2025}",
        f"- **New:** {NEW_2025}.",
        "**March 5, 2024**",
        "- First published.",
    ]
    html = published.article(".html")
    assert f'<li><bdi>{NEW_2026}</bdi> <sup class="cite"><a href="#ref-1">1</a></sup> ' \
           '<span class="label">[new 2026]</span></li>' in html
    assert '<p class="meta">Last updated: June 15, 2026</p>' in html
    assert (f'<li class="updated"><strong>Updated (wording):</strong> <bdi>{REWORDED}.</bdi> Previously: '
            f'<bdi>Calcium 1000-1200 mg/day.</bdi> Why: <bdi>{NOTE_2025}</bdi></li>') in html
    # Each earlier article was dated by its own publication and labelled as it stood then.
    first = (tmp_path / "site-2024" / f"{TOPIC}.md").read_text(encoding="utf-8")
    assert "Last updated: March 5, 2024\n" in first and set(_labels(first).values()) == {"new 2024"}
    second = (tmp_path / "site-2025" / f"{TOPIC}.md").read_text(encoding="utf-8")
    assert _labels(second)[REWORDED] == "2025" and _labels(second)["Vitamin D 800 IU/day"] == "2024"


def test_the_article_is_byte_identical_for_the_same_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = three_publications(tmp_path, monkeypatch)
    log = yaml.safe_load((published.root / "guidelines" / "reviews" / f"{TOPIC}.yaml").read_text(encoding="utf-8"))
    # Each publication is recorded with its commit's date, not the clock's (the runs' today is 2026-11-25).
    assert {t["record"]: t["date"] for t in log["reviews"]["transitions"] if t["action"] == "publish"} == {
        TOPIC: DATES[2], f"{TOPIC}-00": DATES[0], f"{TOPIC}-01": DATES[1], f"{TOPIC}-02": DATES[2],
        f"{TOPIC}-03": DATES[1], f"{TOPIC}-04": DATES[2]}
    # Again at the commit that recorded the publication, then at a later commit that changes nothing printed.
    for run in ("again", "later"):
        with on_day(monkeypatch, "2026-07-01"):
            if run == "later":
                commit(published.root, EDITOR, "Nothing for readers", allow_empty=True)
            again = run_cli("publish", TOPIC, "--out", tmp_path / run, cwd=published.root, env=as_user(EDITOR))
        assert again.returncode == 0, again.stderr
        for suffix in (".md", ".html"):
            assert (tmp_path / run / f"{TOPIC}{suffix}").read_bytes() == \
                (published.out / f"{TOPIC}{suffix}").read_bytes()


def test_a_material_change_without_a_change_note_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with on_day(monkeypatch, DATES[0]):
        root = make_repo(tmp_path / "repo")
        publish_round(root, [TOPIC, f"{TOPIC}-00", f"{TOPIC}-01", f"{TOPIC}-02"], tmp_path / "site", "first")
    with on_day(monkeypatch, DATES[1]):
        edit(root, "        frequency: daily\n    citations:\n      - supplements-ref-2\n",
             "        frequency: daily\n        duration: long term\n    citations:\n      - supplements-ref-2\n")
        edit(root, "statement: Vitamin D 800 IU/day", "statement: Vitamin D 800 IU/day, long term")
        commit(root, EDITOR, "Vitamin D long term")
        refused = approve_and_publish(root, [f"{TOPIC}-02"], tmp_path / "refused", "dose")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        line = next(i + 1 for i, text in enumerate((root / TOPIC_FILE).read_text(encoding="utf-8").splitlines())
                    if text == f"  - id: {TOPIC}-02")
        assert (f"{TOPIC_FILE}:{line}:5: ERROR WFL010 recommendation '{TOPIC}-02' changed (dosing, statement) since "
                f"it was published on {DATES[0]}, and has no change_note to tell readers what changed and why "
                f"[{TOPIC}-02]") in refused.stdout
        assert "hint: add `change_note: <what changed and why, for readers>` to the record" in refused.stdout
        assert not (tmp_path / "refused").exists()
        edit(root, "statement: Vitamin D 800 IU/day, long term", "statement: Vitamin D 800 IU/day, long term\n"
                                                                  "    change_note: Say that it is for the long term.")
        commit(root, EDITOR, "Change note")
        publish_round(root, [TOPIC, f"{TOPIC}-02"], tmp_path / "site", "second")
    markdown = (tmp_path / "site" / f"{TOPIC}.md").read_text(encoding="utf-8")
    assert "- **Updated (dose, wording):** Vitamin D 800 IU/day, long term. Previously: Vitamin D 800 IU/day. Why: " \
           "Say that it is for the long term." in markdown
    assert _labels(markdown)["Vitamin D 800 IU/day, long term"] == "2025"


def _snap(day: str, **records: dict[str, object]) -> Snapshot:
    return Snapshot(date.fromisoformat(day), {"id": "t", "question": "Q?"}, records)


def test_labels_follow_the_year_of_the_latest_publication() -> None:
    a = {"statement": "A", "section": "s"}
    b = {"statement": "B", "section": "s"}
    publications = [_snap("2024-01-01", a=a), _snap("2024-09-01", a=a, b=b),
                    _snap("2025-02-01", a={**a, "section": "t"}, b={**b, "notes": "unprinted"})]
    log = changelog(publications)
    # New in 2024, but the latest publication is 2025; moving it is an amendment; a note is no change.
    assert log.labels == {"a": Label(2024, amended=2025), "b": Label(2024)}
    assert [c.record for c in log.updates[0].changes] == ["a"]
    assert changelog(publications[:2]).labels == {"a": Label(2024, new=True), "b": Label(2024, new=True)}
    assert [(c.record, c.kind) for c in changelog([*publications, _snap("2026-01-01", b=b)]).updates[0].changes] \
        == [("a", "withdrawn")]


def test_a_stale_change_note_does_not_count_for_a_new_change() -> None:
    old = {"statement": "A", "change_note": "First reason."}
    publications = [_snap("2024-01-01", a={"statement": "Z"}), _snap("2025-01-01", a=old),
                    _snap("2026-01-01", a={**old, "statement": "B"})]
    missing = missing_notes(publications)
    assert [(m.record, m.fields, m.since, m.stale) for m in missing] == [
        ("a", ("statement",), date(2025, 1, 1), "First reason.")]
    assert missing_notes(publications[:2]) == []


def test_publishing_again_before_the_publication_is_committed_gives_the_same_article(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with on_day(monkeypatch, DATES[0]):
        root = make_repo(tmp_path / "repo")
        first = approve_and_publish(root, [TOPIC, f"{TOPIC}-00", f"{TOPIC}-01", f"{TOPIC}-02"], tmp_path / "a", "first")
        assert first.returncode == 0, first.stdout + first.stderr
    # The log's publish entries are not committed yet: the working tree is what they published.
    again = run_cli("publish", TOPIC, "--out", tmp_path / "b", cwd=root, env=as_user(EDITOR))
    assert again.returncode == 0, again.stderr
    assert "record(s) now published" not in again.stdout
    for suffix in (".md", ".html"):
        assert (tmp_path / "b" / f"{TOPIC}{suffix}").read_bytes() == (tmp_path / "a" / f"{TOPIC}{suffix}").read_bytes()
    assert "Last updated: March 5, 2024\n" in (tmp_path / "b" / f"{TOPIC}.md").read_text(encoding="utf-8")
