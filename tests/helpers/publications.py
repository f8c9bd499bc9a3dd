"""The small workflow topic published three times, in 2024, 2025 and 2026, each through the real gate: signed
board approvals, `guideline publish`, the publication committed. Commit dates are fixed, so each article
carries known dates.

- 2024-03-05: supplements-00, -01 and -02 first published (the second reference a trial, with authors and
  identifiers).
- 2025-04-10: -01 reworded (a material change, with a change note); -03 added.
- 2026-06-15: -02 moved out of its lead-in group (an editorial change); -04 added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from guideline.workflow.recording import set_states

from helpers import Result, run_cli
from helpers.workflow import (
    EDITOR,
    MEI,
    TOMAS,
    TOPIC,
    TOPIC_FILE,
    as_user,
    commit,
    edit,
    make_repo,
    record_decision,
)

DATES = ("2024-03-05", "2025-04-10", "2026-06-15")
# The second reference as a journal article with authors and identifiers (the Women's Health Initiative trial).
TRIAL = """\
  - id: supplements-ref-2
    type: rct
    title: Calcium plus vitamin D supplementation and the risk of fractures
    source: New England Journal of Medicine
    year: 2006
    authors:
      - Jackson RD
      - LaCroix AZ
      - Gass M
      - Wallace RB
      - Robbins J
      - Lewis CE
      - Bassford T
    identifiers:
      doi: 10.1056/NEJMoa055218
      pmid: "16481635"
      nct: NCT00000611
"""
REWORDED = "Calcium 1000-1200 mg/day, from food first and supplements for the rest"
NOTE_2025 = "Reworded to say that calcium should come from food first, as the 2025 source update advises."
NEW_2025 = "Take calcium supplements with food"
NEW_2026 = "Take vitamin D with the largest meal of the day"


def good_practice(rec_id: str, statement: str, intervention: str) -> str:
    """A good-practice statement in the section's lead-in group, as topic-file YAML."""
    return f"""
  - id: {rec_id}
    section: essential-adjunctive-therapy
    group: all-patients
    statement: {statement}
    statement_type: good-practice
    population:
      description: All patients with an osteoporotic vertebral compression fracture
      condition:
        - osteoporotic-vertebral-compression-fracture
    intervention:
      - {intervention}
    citations:
      - supplements-ref-1
    review_state: draft
"""


@contextmanager
def on_day(monkeypatch: pytest.MonkeyPatch, day: str) -> Iterator[None]:
    """Commits made inside are dated (author and committer) at noon UTC that day."""
    with monkeypatch.context() as patch:
        for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
            patch.setenv(name, f"{day}T12:00:00+00:00")
        yield


@dataclass(frozen=True)
class Published:
    root: Path
    out: Path

    def article(self, suffix: str = ".md") -> str:
        return (self.out / f"{TOPIC}{suffix}").read_text(encoding="utf-8")


def approve_and_publish(root: Path, changed: list[str], out: Path, message: str) -> Result:
    """Both board members approve the topic's current content, the changed records are approved (as
    `guideline review approve` would move them), and the editor publishes into out."""
    for reviewer in (TOMAS, MEI):
        record_decision(root, None, reviewer)
    set_states(root / TOPIC_FILE, {rec_id: "approved" for rec_id in changed})
    commit(root, TOMAS, f"Approved: {message}")
    return run_cli("publish", TOPIC, "--out", out, cwd=root, env=as_user(EDITOR))


def publish_round(root: Path, changed: list[str], out: Path, message: str) -> None:
    result = approve_and_publish(root, changed, out, message)
    assert result.returncode == 0, result.stdout + result.stderr
    commit(root, EDITOR, f"Publish: {message}")


def three_publications(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       before_last: Callable[[Path], None] | None = None) -> Published:
    """The topic after its third publication, whose article is in tmp_path/site; before_last: called on the
    project just before the third round is approved."""
    with on_day(monkeypatch, DATES[0]):
        root = make_repo(tmp_path / "repo")
        refs = root / "guidelines" / "references" / f"{TOPIC}.yaml"
        text = refs.read_text(encoding="utf-8")
        refs.write_text(text[:text.index("  - id: supplements-ref-2")] + TRIAL, encoding="utf-8")
        commit(root, EDITOR, "The trial as the second reference")
        publish_round(root, [TOPIC, f"{TOPIC}-00", f"{TOPIC}-01", f"{TOPIC}-02"], tmp_path / "site-2024", "first")
    with on_day(monkeypatch, DATES[1]):
        edit(root, "statement: Calcium 1000-1200 mg/day\n",
             f"statement: {REWORDED}\n    change_note: {NOTE_2025}\n")
        (root / TOPIC_FILE).write_text((root / TOPIC_FILE).read_text(encoding="utf-8")
                                       + good_practice(f"{TOPIC}-03", NEW_2025, "calcium"), encoding="utf-8")
        commit(root, EDITOR, "Reword calcium; take it with food")
        publish_round(root, [TOPIC, f"{TOPIC}-01", f"{TOPIC}-03"], tmp_path / "site-2025", "second")
    with on_day(monkeypatch, DATES[2]):
        edit(root, "    group: all-patients\n    statement: Vitamin D 800 IU/day\n",
             "    statement: Vitamin D 800 IU/day\n")
        (root / TOPIC_FILE).write_text((root / TOPIC_FILE).read_text(encoding="utf-8")
                                       + good_practice(f"{TOPIC}-04", NEW_2026, "vitamin-d"), encoding="utf-8")
        commit(root, EDITOR, "Vitamin D on its own; with the largest meal")
        if before_last is not None:
            before_last(root)
        publish_round(root, [TOPIC, f"{TOPIC}-02", f"{TOPIC}-04"], tmp_path / "site", "third")
    return Published(root, tmp_path / "site")
