"""Golden board reports (Markdown, HTML, JSON) for one change of every kind, and escaping of hostile text.

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
@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    project = build_scenario(tmp_path_factory.mktemp("golden") / "repo")
    out = {}
    for fmt in ("md", "html", "json"):
        result = run_cli("diff", "--base", "base", "--head", "head", "--no-findings", "--format", fmt,
                               "--output", "-", cwd=project.root)
        assert result.returncode == 0, result.stderr
        out[fmt] = result.stdout
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
    assert kinds == {("spine-01", "modified"), ("spine-02-bisphosphonate", "renamed"), ("spine-03", "modified"),
                     ("spine-04", "moved"), ("spine-05", "added"), ("hip-02", "removed"), ("ref-2", "modified"),
                     ("ref-3", "moved"), ("ref-4", "added")}
    assert report["summary"]["findings"] is None
    spine05 = next(c for c in report["changes"] if c["id"] == "spine-05")
    assert spine05["statement"] == HOSTILE


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
    assert tags <= {"code", "del", "ins", "br"}
    assert "&lt;script&gt;window" in text and "&lt;img src=x onerror=" in text
    assert r"\*\*not bold\*\*" in text and r"\[link\]\(javascript\:alert\(1\)\)" in text
    assert r"\| pipe \# not a heading \`tick\` \~strike\~" in text
    assert "@\u2060board" in text and "@board" not in text
    assert "Hostile &lt;b&gt;title&lt;/b&gt; &amp; more" in text
