"""Golden board reports (Markdown, HTML, JSON) for one change of every kind, the Word export read back, and
escaping of hostile text.

Regenerate the golden files with UPDATE_GOLDEN=1 after an intended change of output, and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from helpers import REPO_ROOT, run_cli
from helpers.diffs import (
    HOSTILE,
    build_scenario,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "diff"
ARGS = ("diff", "--base", "base", "--head", "head", "--no-expectations")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    project = build_scenario(tmp_path_factory.mktemp("golden") / "repo")
    out = {}
    for fmt in ("md", "html", "json"):
        result = run_cli(*ARGS, "--format", fmt, "--output", "-", cwd=project.root)
        assert result.returncode == 0, result.stderr
        out[fmt] = result.stdout
    for run in ("docx", "docx-again"):
        result = run_cli(*ARGS, "--format", "docx", "--output", project.root / f"{run}.docx", cwd=project.root)
        assert result.returncode == 0, result.stderr
        out[run] = str(project.root / f"{run}.docx")
    project.close()
    yield out


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_golden(outputs: dict[str, str], fmt: str) -> None:
    golden = GOLDEN / f"report.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(outputs[fmt], encoding="utf-8")
    assert outputs[fmt] == golden.read_text(encoding="utf-8")


def test_json_covers_every_change_kind(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["json"])
    schema = json.loads((REPO_ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
    kinds = {(c["id"], c["change"]) for c in report["changes"]}
    assert kinds == {("spine", "modified"), ("spine-01", "modified"), ("spine-02-bisphosphonate", "renamed"),
                     ("spine-03", "modified"), ("spine-04", "moved"), ("spine-05", "added"), ("hip-02", "removed"),
                     ("ref-2", "modified"), ("ref-3", "moved"), ("ref-4", "added"), ("ref-5", "added")}
    spine05 = next(c for c in report["changes"] if c["id"] == "spine-05")
    assert spine05["statement"] == HOSTILE
    spine01 = next(c for c in report["changes"] if c["id"] == "spine-01")
    assert spine01["clinical"] == {"section": "Acute care", "section_before": None,
                                   "grading": "Recommendation for · UNGRADED Not graded · certainty not rated",
                                   "population": "vertebral-fracture"}
    dosing = next(f for f in spine01["fields"] if f["name"] == "dosing")
    [entry] = dosing["changes"]
    assert entry["label"] == "calcitonin · intranasal"
    assert [(c["label"], c["before"], c["after"], c.get("unit")) for c in entry["children"]] == [
        ("dose", 200, 100, "IU"), ("frequency", "daily", "every other day", None)]
    spine04 = next(c for c in report["changes"] if c["id"] == "spine-04")
    [reworded] = spine04["findings"]["changed"]
    assert (reworded["before"]["rule"], reworded["after"]["rule"]) == ("EVD003", "EVD003")
    assert [w["text"] for w in reworded["words"] if w["op"] != "equal"] == ["2005", "2009", "21", "17"]
    assert report["summary"]["findings"]["changed"] == 1
    assert spine04["clinical"]["section_before"] == "Later care"


def test_goldens_show_each_change_highlighted(outputs: dict[str, str]) -> None:
    """The scenario's changes as a reader finds them: marked words, never a dump or a cut."""
    text, page = outputs["md"], outputs["html"]
    assert "- dose <del>200</del> → <ins>100</ins> IU" in text
    assert "- frequency <del>daily</del> → <ins>every other day</ins>" in text
    assert "- **+** qualifier <ins>CrCl &lt; 30 mL/min</ins>" in text
    assert "  - **−** citation <del>ref\\-2</del>\n  - **+** citation <ins>ref\\-5</ins>" in text
    assert "#### Give calcitonin <del>200</del><ins>100</ins> IU <del>daily</del><ins>every other day</ins> for" in text
    assert "- lead To prevent further fractures\\: → To prevent further fractures<ins>, for every patient</ins>\\:" in text
    assert "Section: Acute care \\(moved from Later care\\)" in text
    assert "✏️ reworded Warning: Newest cited evidence is from <del>2005</del><ins>2009</ins>" in text
    assert "Cited by 1 recommendation\\: spine\\-03\\. It needs the board's re\\-approval of this change\\." in text
    assert "…" not in text and "agent:" not in text
    assert ('<span class="label">dose</span> <span class="value" dir="auto"><bdi><del>200</del> → <ins>100</ins> IU'
            '</bdi></span>') in page
    assert '<span class="sign">+</span> <span class="label">qualifier</span>' in page and "…" not in page
    # Ids, rule codes and positions come after the clinical text, on the secondary line.
    secondary = page.index("recommendation spine-01 · guidelines/topics/spine.yaml:")
    card = page[page.rindex("<article", 0, secondary):secondary]
    assert card.index("Give calcitonin") < card.index("Acute care") < card.index("dosing")


def test_docx_has_the_same_content(outputs: dict[str, str]) -> None:
    import docx

    document = docx.Document(outputs["docx"])
    paragraphs = [p for p in document.paragraphs]
    texts = [p.text for p in paragraphs]
    assert "Board report: base → head" in texts
    statement = next(p for p in paragraphs if p.text.startswith("Give calcitonin 200100"))
    assert statement.style.name == "Heading 3"
    assert [(r.text, bool(r.font.strike), bool(r.font.underline)) for r in statement.runs][:3] == [
        ("Give calcitonin ", False, False), ("200", True, False), ("100", False, True)]
    dose = next(p for p in paragraphs if p.text.startswith("dose "))
    dosing = next(p for p in paragraphs if p.text == "dosing (material)")
    assert dose.text == "dose 200 → 100 IU" and dose.style.name == dosing.style.name == "List Bullet"
    assert dose.paragraph_format.left_indent > dosing.paragraph_format.left_indent
    assert [r.text for r in dose.runs if r.font.strike] == ["200"]
    assert [r.text for r in dose.runs if r.font.underline] == ["100"]
    assert "+ qualifier CrCl < 30 mL/min" in texts and "Section: Acute care (moved from Later care)" in texts
    assert any(t.startswith("Cited by 1 recommendation: spine-03. It needs the board's re-approval") for t in texts)
    assert any(t.startswith("Reworded warning: Newest cited evidence is from 20052009") for t in texts)
    assert "Grading: Recommendation for · UNGRADED Not graded · certainty not rated" in texts
    assert any("\u2068Use <script>" in t and "\u202e" in t for t in texts)
    assert Path(outputs["docx"]).read_bytes() == Path(outputs["docx-again"]).read_bytes()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]

    def handle_data(self, data: str) -> None:
        self.text += data


def test_html_renders_hostile_text_as_text(outputs: dict[str, str]) -> None:
    page = outputs["html"]
    parsed = _Tags()
    parsed.feed(page)
    assert parsed.tags.count("script") == 1 and "img" not in parsed.tags and "<b>title" not in page
    assert parsed.handlers == []
    assert "<script>window.__pwned = 1</script>" in parsed.text
    assert 'onerror="window.__pwned = 2"' in parsed.text and "Hostile <b>title</b> & more" in parsed.text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", page)
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_markdown_renders_hostile_text_as_text(outputs: dict[str, str]) -> None:
    text = outputs["md"]
    tags = set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", text))
    assert tags <= {"code", "del", "ins", "br", "sub"}
    assert "&lt;script&gt;window" in text and "&lt;img src=x onerror=" in text
    assert r"\*\*not bold\*\*" in text and r"\[link\]\(javascript\:alert\(1\)\)" in text
    assert r"\| pipe \# not a heading \`tick\` \~strike\~" in text
    assert "@\u2060board" in text and "@board" not in text
    assert "Hostile &lt;b&gt;title&lt;/b&gt; &amp; more" in text
