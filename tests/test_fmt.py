"""`guideline fmt`: keys in the documented order, by moving whole lines, and quotes only where needed; comments,
blank lines and words kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from guideline.corpus.formatting import format_text
from helpers import REPO_ROOT, make_project, run_cli

UNORDERED = """\
# yaml-language-server: $schema=../../schemas/topic-file.schema.json
recommendations:
  - section: summary   # the topic's summary statement
    # The words exactly as printed, in single quotes.
    statement: 'Assess pain at every visit.'
    id: demo-topic-00

    strength:
      grade: Not graded
      # An ungraded statement.
      scheme: UNGRADED
      class: not-graded
    review_state: draft
    statement_type: good-practice
    citations: []
  - {id: demo-topic-01, section: acute, statement: Flow style stays as written., statement_type: information, citations: [], review_state: draft}
topic:
  title: Demo topic
  id: demo-topic
  question: What helps?
  summary: demo-topic-00
  audience: [clinicians]
  last_updated: "2026-01-02"
  review_state: draft
  sections: [{id: acute, title: Acute}]
"""
ORDERED = """\
# yaml-language-server: $schema=../../schemas/topic-file.schema.json
topic:
  id: demo-topic
  question: What helps?
  title: Demo topic
  summary: demo-topic-00
  audience: [clinicians]
  last_updated: "2026-01-02"
  review_state: draft
  sections: [{id: acute, title: Acute}]
recommendations:
  - id: demo-topic-00
    section: summary   # the topic's summary statement
    # The words exactly as printed, in single quotes.
    statement: Assess pain at every visit.

    statement_type: good-practice
    strength:
      # An ungraded statement.
      scheme: UNGRADED
      grade: Not graded
      class: not-graded
    citations: []
    review_state: draft
  - {id: demo-topic-01, section: acute, statement: Flow style stays as written., statement_type: information, citations: [], review_state: draft}
"""
TOPIC_FILE = "guidelines/topics/demo.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    (root / TOPIC_FILE).parent.mkdir()
    (root / TOPIC_FILE).write_text(UNORDERED, encoding="utf-8")
    return root


def test_keys_are_put_in_order_keeping_comments_and_blank_lines(project: Path) -> None:
    result = run_cli("fmt", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"reformatted {TOPIC_FILE}\n1 file(s) reformatted, 3 left unchanged\n"
    assert (project / TOPIC_FILE).read_text(encoding="utf-8") == ORDERED


def test_the_formatted_file_is_valid_and_fmt_is_idempotent(project: Path) -> None:
    run_cli("fmt", cwd=project)
    assert run_cli("validate", cwd=project).returncode == 0
    again = run_cli("fmt", "--check", cwd=project)
    assert again.returncode == 0
    assert again.stdout == "0 file(s) would be reformatted, 4 left unchanged\n"
    assert format_text(ORDERED.encode(), "x.yaml") == (ORDERED.encode(), [])


QUOTING = [
    # (as written, as formatted): quotes only where YAML needs them, and then double ones
    ("title: 'Demo topic'", "title: Demo topic"),
    ('title: "Demo topic"  # a comment stays', "title: Demo topic  # a comment stays"),
    ("title: 'It''s: painful'", 'title: "It\'s: painful"'),
    ("title: 'Back pain \\ \"acute\"'", 'title: Back pain \\ "acute"'),
    ('title: "For pain:"', 'title: "For pain:"'),
    ('title: "yes"', 'title: "yes"'),
    ("title: '2026-01-02'", 'title: "2026-01-02"'),
    ("title: '0o17'", 'title: "0o17"'),
    ("title: ' leading space'", 'title: " leading space"'),
    ("title: 'a #1'", 'title: "a #1"'),
    ("'title': Demo", "title: Demo"),
    ("audience: ['clinicians', 'a, b']", 'audience: [clinicians, "a, b"]'),
    ("title: 'two\n\n  lines'", "title: 'two\n\n  lines'"),
]


@pytest.mark.parametrize(("written", "formatted"), QUOTING)
def test_quotes_are_kept_only_where_yaml_needs_them(written: str, formatted: str) -> None:
    def topic(line: str) -> bytes:
        return f"topic:\n  id: demo\n  {line.replace(chr(10), chr(10) + '  ')}\n".encode()

    after, problems = format_text(topic(written), "demo.yaml")
    assert problems == []
    assert after == topic(formatted)


def test_check_lists_the_files_and_writes_nothing(project: Path) -> None:
    result = run_cli("fmt", "--check", TOPIC_FILE, cwd=project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"would reformat {TOPIC_FILE}", "1 file(s) would be reformatted, 0 left unchanged"]
    assert (project / TOPIC_FILE).read_text(encoding="utf-8") == UNORDERED


def test_diff_shows_the_moved_lines(project: Path) -> None:
    out = run_cli("fmt", "--check", "--diff", cwd=project).stdout
    assert f"--- a/{TOPIC_FILE}\n+++ b/{TOPIC_FILE}\n" in out
    assert "-    id: demo-topic-00\n" in out
    assert "+  - id: demo-topic-00\n" in out


def test_crlf_and_a_byte_order_mark_are_kept() -> None:
    raw = b"\xef\xbb\xbf" + UNORDERED.replace("\n", "\r\n").encode()
    after, problems = format_text(raw, "demo.yaml")
    assert problems == []
    assert after == b"\xef\xbb\xbf" + ORDERED.replace("\n", "\r\n").encode()


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_last_line_without_its_line_break_can_move(eol: str) -> None:
    raw = eol.join(["topic:", "  title: Demo", "  id: demo"]).encode()
    assert format_text(raw, "demo.yaml") == (eol.join(["topic:", "  id: demo", "  title: Demo"]).encode(), [])


def test_bad_yaml_is_reported_with_its_line_and_never_written(project: Path) -> None:
    broken = UNORDERED.replace("  title: Demo topic\n", "  title: [Demo topic\n")
    (project / TOPIC_FILE).write_text(broken, encoding="utf-8")
    result = run_cli("fmt", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{TOPIC_FILE}:19:")
    assert "cannot format: YML001" in result.stderr
    assert "nothing was written" in result.stderr
    assert (project / TOPIC_FILE).read_text(encoding="utf-8") == broken
    assert sorted(p.name for p in (project / TOPIC_FILE).parent.iterdir()) == ["demo.yaml"]


def test_duplicate_keys_are_refused(project: Path) -> None:
    (project / TOPIC_FILE).write_text(UNORDERED.replace("  id: demo-topic\n", "  id: demo-topic\n  id: other\n"),
                                      encoding="utf-8")
    result = run_cli("fmt", cwd=project)
    assert result.returncode == 1
    assert "YML002" in result.stderr


def test_governed_data_files_are_left_alone(project: Path) -> None:
    """Even a reordering of policy.yaml would be a governance change waiting for the board."""
    policy = project / "guidelines" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    shuffled = text.replace("  review_interval_days: 730\n", "").replace("  severity: {}\n",
                                                                          "  severity: {}\n  review_interval_days: 730\n")
    policy.write_text(shuffled, encoding="utf-8")
    run_cli("fmt", cwd=project)
    assert policy.read_text(encoding="utf-8") == shuffled


def test_a_missing_path_is_a_usage_error(project: Path) -> None:
    result = run_cli("fmt", "guidelines/nothing.yaml", cwd=project)
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_the_shipped_records_keep_their_data(tmp_path: Path) -> None:
    """Every shipped record file formats to the same data, and a second pass changes nothing."""
    import yaml

    for path in sorted((REPO_ROOT / "guidelines").rglob("*.yaml")):
        raw = path.read_bytes()
        after, problems = format_text(raw, path.name)
        assert problems == [] and after is not None, path
        assert yaml.safe_load(after) == yaml.safe_load(raw), path
        assert format_text(after, path.name)[0] == after, path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_shuffle_of_the_shipped_records_formats_back(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Keys moved into a random order (by the formatter's own line moves) come back to exactly the ordered file."""
    import random

    import yaml
    from guideline.corpus import formatting

    for name in ("topics/osteoporotic-spine-fracture.yaml", "references/osteoporotic-spine-fracture.yaml"):
        ordered, _ = format_text((REPO_ROOT / "guidelines" / name).read_bytes(), name)
        assert ordered is not None
        schema = formatting._schema_named("topic-file.schema.json" if name.startswith("topics")
                                          else "references-file.schema.json")
        draw = random.Random(seed).randrange
        with monkeypatch.context() as patched:
            patched.setattr(formatting, "_rank", lambda key, wanted, draw=draw: draw(50))
            shuffled = formatting._reordered(ordered.decode("utf-8"), schema)
        assert shuffled != ordered.decode("utf-8")
        assert yaml.safe_load(shuffled) == yaml.safe_load(ordered)
        assert format_text(shuffled.encode("utf-8"), name) == (ordered, [])
