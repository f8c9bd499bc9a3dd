"""Bad input: every way an editor's file can be broken, and exactly what the user sees for it.

TABLE drives one parametrised test through the real `guideline validate`; docs/bad-input.md is rendered from
the same table (UPDATE_GOLDEN=1 rewrites it), so the documentation cannot drift from the behaviour.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from guideline.corpus.loader import Document, gc_paused, parse_text, read_file
from helpers import REPO_ROOT, run_cli

BASE = """\
topic:
  id: demo-topic
  question: What helps?
  title: Demo topic
  summary: demo-topic-00
  audience:
    - clinicians
  last_updated: "2026-01-02"
  review_state: draft
  sections:
    - id: acute
      title: Acute
recommendations:
  - id: demo-topic-00
    section: summary
    statement: Assess pain at every visit.
    statement_type: good-practice
    citations: []
    review_state: draft
  - id: demo-topic-01
    section: acute
    statement: Offer an exercise programme once the acute pain settles.
    statement_type: good-practice
    intervention:
      - exercise-program
    citations: []
    review_state: draft
"""
ODD_HINT = ("remove it, or replace it with a regular YAML file (a FIFO or device named *.yaml is often left by a "
            "tool or a test)")
COMMENT_HINT = "put a space before the '#': without one, YAML 1.2 readers refuse the line and others differ"
SYNTAX_HINT = "check this line and the one above: indentation, an unclosed quote or bracket, or a ': ' to quote"
DEEP_HINT = "flatten the structure: records need only a few levels of nesting"
CASE_FILE = "guidelines/topics/case.yaml"
DOC = REPO_ROOT / "docs" / "bad-input.md"


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def alias_bomb() -> bytes:
    """'Billion laughs': nine levels of nine aliases each would expand to 9**9 strings if anything expanded them."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return ("\n".join(lines) + "\n").encode()


def write_large(target: Path, tmp: Path) -> None:
    """50 MB of plausible YAML: refused on its size alone, before a byte is parsed."""
    size = 50 * 1024 * 1024
    comment = b"# " + b"x" * 1021 + b"\n"
    head = BASE.encode()
    tail = size - len(head) - len(comment) * ((size - len(head)) // len(comment))
    with target.open("wb") as handle:
        handle.write(head)
        handle.write(comment * ((size - len(head)) // len(comment)))
        handle.write(b"#" * (tail - 1) + b"\n")


def symlink_outside(target: Path, tmp: Path) -> None:
    outside = tmp / "outside.yaml"
    outside.write_text(BASE, encoding="utf-8")
    target.symlink_to(outside)


def folder_outside(target: Path, tmp: Path) -> None:
    (tmp / "elsewhere").mkdir()
    target.symlink_to(tmp / "elsewhere")


def fifo(target: Path, tmp: Path) -> None:
    os.mkfifo(target)


def unix_socket(target: Path, tmp: Path) -> None:
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(target))


def character_device(target: Path, tmp: Path) -> None:
    try:
        os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # the numbers of /dev/null: harmless to open
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging the suite: a read that blocks (a FIFO opened for reading) is interrupted."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: a read blocks")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Case:
    id: str
    input: str  # what the docs call it
    content: bytes | Callable[[Path, Path], None]
    findings: tuple[tuple[str, int, int, str | None], ...]  # (rule, line, column, record), in report order
    message: str = ""  # of the first finding; "{tmp}" stands for the test's temporary folder
    hint: str | None = None
    exit: int = 1


def text(value: str) -> bytes:
    return value.encode("utf-8")


TABLE: tuple[Case, ...] = (
    Case("valid", "A valid topic file (control)", text(BASE), (), exit=0),
    Case("malformed-yaml", "Malformed YAML (an unclosed bracket)",
         text(edit("title: Demo topic", "title: [Demo topic")), (("YML001", 5, 10, None),),
         "while parsing a flow sequence, did not find expected ',' or ']'", SYNTAX_HINT),
    Case("duplicate-key", "A key written twice in one record",
         text(edit("  title: Demo topic\n", "  title: Demo topic\n  title: Demo again\n")),
         (("YML002", 5, 3, None),), "duplicate key 'title' (first defined at line 4)",
         "merge the two values into one key; YAML would silently keep only the last"),
    Case("tab", "A tab used for indentation", text(edit("  title: Demo topic", "\ttitle: Demo topic")),
         (("YML001", 4, 1, None),),
         "while scanning a plain scalar, found a tab character that violates indentation",
         "this line holds a tab: YAML indentation must use spaces"),
    Case("bom", "A UTF-8 byte-order mark at the start", b"\xef\xbb\xbf" + text(BASE),
         (("YML011", 1, 1, None),), "file starts with a UTF-8 byte-order mark", exit=0),
    Case("number-for-text", "A number where text belongs (`title: 42`)", text(edit("title: Demo topic", "title: 42")),
         (("SCH003", 4, 3, "demo-topic"),), "'title' should be text, not a whole number (42)",
         "put the value in quotes to keep it as text"),
    Case("crlf", "Windows line endings (CRLF): read normally, same lines as LF",
         text(edit("title: Demo topic", "title: 42").replace("\n", "\r\n")),
         (("SCH003", 4, 3, "demo-topic"),), "'title' should be text, not a whole number (42)",
         "put the value in quotes to keep it as text"),
    Case("not-utf8", "Bytes that are not UTF-8 (a Latin-1 'é')",
         text(BASE).replace(b"every visit.", "every visit, même.".encode("latin-1")),
         (("YML005", 16, 45, None),), "byte 0xea is not valid UTF-8", "re-save the file with UTF-8 encoding"),
    Case("conflict-markers", "Unresolved git merge-conflict markers",
         text(edit("  title: Demo topic\n",
                   "<<<<<<< HEAD\n  title: Demo topic\n=======\n  title: Demo\n>>>>>>> their-branch\n")),
         (("YML006", 4, 1, None),), "merge-conflict marker '<<<<<<<' left in the file",
         "resolve the merge: keep the right side, delete the marker lines"),
    Case("python-tag", "A YAML tag that would run code (`!!python/object/apply:os.system`)",
         text(edit("title: Demo topic", "title: !!python/object/apply:os.system ['touch pwned']")),
         (("YML003", 4, 10, None),), "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
         "remove the tag; write plain text, numbers, lists and mappings"),
    Case("anchor-alias", "An anchor and an alias (`&who` ... `*who`)",
         text(edit("  audience:\n    - clinicians\n", "  audience: &who\n    - clinicians\n  readers: *who\n")),
         (("YML004", 6, 13, None),), "anchor (&name) is not allowed", "remove the &anchor and write each value out"),
    Case("merge-key", "A merge key (`<<:`) without an anchor",
         text(edit("  title: Demo topic\n", "  title: Demo topic\n  <<: {question: What else?}\n")),
         (("YML004", 5, 3, None),), "merge key '<<' is not allowed",
         "write each key out as a plain word, with its own value"),
    Case("alias-bomb", "An alias bomb ('billion laughs'): refused at once, never expanded", alias_bomb(),
         (("YML004", 1, 5, None),), "anchor (&name) is not allowed", "remove the &anchor and write each value out"),
    Case("deep-flow", "Nesting 10,000 levels deep, flow style (`[[[[...`)",
         text("topic: " + "[" * 10_000 + "]" * 10_000 + "\n"),
         (("YML008", 1, 1, None),), "values nest more than 40 levels deep", DEEP_HINT),
    Case("deep-flow-items", "Nesting 100,000 levels deep, flow style with items (`[a, [a, ...`)",
         text("topic: " + "[a, " * 100_000 + "\n"),
         (("YML008", 1, 4004, None),),
         "values nest deeper than the YAML reader allows (exceeded maximum nesting depth)", DEEP_HINT),
    Case("deep-block", "Nesting 100 levels deep, block style",
         text("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "leaf\n"),
         (("YML008", 42, 3 + 2 * 40, None),), "values nest more than 40 levels deep", DEEP_HINT),
    Case("deep-block-wide", "Nesting 2,000 levels deep, block style", text("- " * 2_000 + "x\n"),
         (("YML008", 1, 1, None),), "values nest more than 40 levels deep", DEEP_HINT),
    Case("large-file", "A 50 MB file", write_large, (("YML007", 1, 1, None),),
         "file is 52,428,800 bytes, over the limit of 10,485,760",
         "split the records into several files, or raise policy.max_file_bytes"),
    Case("empty", "An empty file", b"", (("YML009", 1, 1, None),), "file holds no YAML document",
         "add the file's content, or delete the file"),
    Case("only-null", "A file holding only `~` (null)", b"~\n", (("YML009", 1, 1, None),),
         "file holds only an empty value", "add the file's content, or delete the file"),
    Case("several-documents", "Two YAML documents in one file (`---`)", text(BASE + "---\ntopic: {}\n"),
         (("YML010", 29, 1, None),), "file holds more than one YAML document",
         "remove the '---' before this line; move that content to its own file"),
    Case("top-level-list", "A list where the file's mapping belongs", text("- " + BASE.replace("\n", "\n  ")),
         (("FIL001", 1, 1, None),), "cannot tell what this file holds (top level: list)",
         "a topic file starts with 'topic:', a bibliography with 'references:'"),
    Case("record-is-list", "A list where a record's mapping belongs (`topic: [...]`)",
         text("topic:\n  - id: demo-topic\nrecommendations: []\n"), (("SCH003", 1, 1, None),),
         "'topic' should be a mapping, not a list ([{'id': 'demo-topic'}])",
         "write 'name: value' lines indented under the field"),
    Case("not-a-date", "A date that is not a date (`last_updated: January 2, 2026`)",
         text(edit('last_updated: "2026-01-02"', "last_updated: January 2, 2026")),
         (("SCH004", 8, 3, "demo-topic"),), "'last_updated' value 'January 2, 2026' is malformed",
         "ISO date, YYYY-MM-DD."),
    Case("impossible-date", "A date that does not exist (`2026-02-30`)",
         text(edit('last_updated: "2026-01-02"', "last_updated: 2026-02-30")),
         (("SCH004", 8, 3, "demo-topic"),), "'last_updated' value '2026-02-30' is not a valid date",
         "ISO date, YYYY-MM-DD."),
    Case("unknown-field", "An unknown field (`colour: red`)",
         text(edit("    statement_type: good-practice\n    intervention",
                   "    statement_type: good-practice\n    colour: red\n    intervention")),
         (("SCH001", 24, 5, "demo-topic-01"),), "unknown field 'colour'",
         "known fields: id, section, group, statement, statement_type, direction, strength, certainty, population, "
         "intervention, comparator, dosing, citations, review_state, superseded_by, restates, last_reviewed, "
         "provenance, notes, change_note"),
    Case("misspelt-field", "A misspelt required field (`strenght:`): one finding, no 'missing strength'",
         text(edit("    statement_type: good-practice\n    intervention",
                   "    statement_type: recommendation\n    direction: for\n    certainty: low\n"
                   "    strenght: {scheme: GRADE, grade: Conditional}\n    intervention")),
         (("SCH001", 26, 5, "demo-topic-01"),), "unknown field 'strenght'", "did you mean 'strength'?"),
    Case("id-path-separator", "An id with a path separator (`demo/topic-01`)",
         text(edit("id: demo-topic-01", "id: demo/topic-01")), (("SCH004", 20, 5, "demo/topic-01"),),
         "'id' value 'demo/topic-01' is malformed",
         "Stable identifier: lower-case ASCII letters, digits, and single - _ . separators."),
    Case("id-space", "An id with a space (`demo topic-01`)",
         text(edit("id: demo-topic-01", "id: demo topic-01")), (("SCH004", 20, 5, "demo topic-01"),),
         "'id' value 'demo topic-01' is malformed",
         "Stable identifier: lower-case ASCII letters, digits, and single - _ . separators."),
    Case("id-lookalike", "An id with a Unicode look-alike (Cyrillic 'а' in `demо-topic-01`)",
         text(edit("id: demo-topic-01", "id: dem\u043e-topic-01")), (("SCH004", 20, 5, "dem\u043e-topic-01"),),
         "'id' value 'dem\u043e-topic-01' is malformed",
         "Stable identifier: lower-case ASCII letters, digits, and single - _ . separators."),
    Case("symlink-outside", "A symbolic link to a file outside the repository", symlink_outside,
         (("YML012", 1, 1, None),), "symbolic link points outside the repository ({tmp}/outside.yaml)",
         "copy the file into the repository instead of linking to it"),
    Case("folder-outside", "A symbolic link to a folder outside the repository", folder_outside,
         (("YML012", 1, 1, None),), "symbolic link points outside the repository ({tmp}/elsewhere)",
         "copy the folder into the repository instead of linking to it"),
    Case("symlink-to-itself", "A symbolic link to itself (`case.yaml -> case.yaml`)",
         lambda target, tmp: target.symlink_to(target.name), (("YML012", 1, 1, None),),
         "symbolic link loop: 'case.yaml' leads back to itself (it points to case.yaml)",
         "point the link at a real file, or delete it"),
    Case("folder-loop", "A symbolic link to the folder that holds it (`case.yaml -> .`)",
         lambda target, tmp: target.symlink_to("."), (("YML012", 1, 1, None),),
         "symbolic link loop: 'case.yaml' points to {tmp}/project/guidelines/topics, a folder that holds the link",
         "delete the link, or point it at a folder outside the one holding it"),
    Case("dangling-symlink", "A symbolic link to a file that does not exist",
         lambda target, tmp: target.symlink_to("gone.yaml"), (("YML012", 1, 1, None),),
         "symbolic link points to a missing file (gone.yaml)", "restore the file it points to, or delete the link"),
    Case("fifo", "A FIFO (named pipe) named `case.yaml`: never opened for a blocking read", fifo,
         (("YML012", 1, 1, None),), "not a regular file: FIFO (named pipe); it is not read", ODD_HINT),
    Case("socket", "A Unix socket named `case.yaml`", unix_socket, (("YML012", 1, 1, None),),
         "not a regular file: socket; it is not read", ODD_HINT),
    Case("device", "A character device named `case.yaml` (skipped unless the tests may make one)",
         character_device, (("YML012", 1, 1, None),), "not a regular file: character device; it is not read",
         ODD_HINT),
    Case("nul-byte", "A NUL byte in a value", text(BASE).replace(b"Acute\n", b"Ac\x00ute\n", 1),
         (("YML001", 12, 16, None),), "unacceptable character #x0000: control characters are not allowed",
         "delete this character; a NUL often means the file was saved as UTF-16 or is not text"),
    Case("next-line-character", "A U+0085 (next line) character inside a value",
         text(edit("Demo topic", "Demo\u0085topic")), (("YML001", 4, 14, None),),
         "U+0085 (next line) character: YAML 1.1 readers (PyYAML, libyaml) end the line here, YAML 1.2 readers "
         "do not, so they read different keys and values",
         "replace it with a space or a line break; a U+0085 is often an ellipsis (…) pasted from Windows-1252 text"),
    Case("comment-without-space", "A comment right after a closing quote (`\"2026-01-02\"# note`)",
         text(edit('"2026-01-02"', '"2026-01-02"# note')), (("YML001", 8, 29, None),),
         "comment without a space before its '#'", COMMENT_HINT),
    Case("flow-under-indented", "A list in brackets whose next line is not indented past its key",
         text(edit("  audience:\n    - clinicians\n", "  audience: [clinicians,\n  patients]\n")),
         (("YML001", 7, 3, None),),
         "this line continues the value in brackets begun on line 6 but is not indented past column 3, where "
         "the value's key or '-' is", "indent this line by at least 3 space(s); a tab does not count"),
    Case("anchor-and-syntax-error", "An anchor in a file that is also malformed: the anchor is named first",
         text(edit("  audience:\n    - clinicians\n", "  audience: &who\n    - clinicians\n  readers: [*who\n")),
         (("YML004", 6, 13, None),),
         "anchor (&name) or alias (*name) is not allowed; the YAML is also malformed at line 9, column 3: while "
         "parsing a flow sequence, did not find expected ',' or ']'",
         "remove the &anchor and *alias, write each value out, then check that line"),
    Case("citations-string", "A citation list written as one string (`citations: ref-1`)",
         text(edit("      - exercise-program\n    citations: []", "      - exercise-program\n    citations: ref-1")),
         (("SCH003", 26, 5, "demo-topic-01"),), "'citations' should be a list, not text ('ref-1')",
         "write a list: one '- item' per line under the field, or [a, b]"),
    Case("wrong-enum", "A value outside its allowed set (`review_state: drafty`)",
         text(edit("    review_state: draft\n  - id", "    review_state: drafty\n  - id")),
         (("SCH004", 19, 5, "demo-topic-00"),),
         "'review_state' is 'drafty'; allowed: draft, submitted, under-review, changes-requested, approved, "
         "published, retired, superseded", "did you mean 'draft'?"),
    Case("missing-field", "A required field left out (no `statement_type:`)",
         text(edit("    statement_type: good-practice\n    citations", "    citations")),
         (("SCH002", 14, 5, "demo-topic-00"),), "missing required field 'statement_type'",
         "add 'statement_type:' to this record"),
)


@dataclass(frozen=True)
class WriteCase:
    """A command that writes into guidelines/, run with that folder read-only (tests/test_odd_files.py)."""

    id: str
    input: str
    message: str  # stderr's first line; "{root}" stands for the project folder
    hint: str
    exit: int = 2


WRITE_CASES = (
    WriteCase("import-read-only", "`guideline import ARTICLE` with `guidelines/` read-only: nothing is written",
              "cannot write {root}/guidelines/references/aspirin.yaml: {root}/guidelines is read-only",
              "make {root}/guidelines writable (or remount it read-write), or run the command in a writable copy "
              "of the repository; the file was not written"),
    WriteCase("submit-read-only", "`guideline submit TOPIC` with `guidelines/` read-only: nothing is written",
              "cannot write {root}/guidelines/reviews/supplements.yaml: Read-only file system",
              "make {root}/guidelines/reviews writable (or remount it read-write), or run the command in a "
              "writable copy of the repository; the file was not written"),
)


def _digest(path: Path) -> str:
    """The file's content, or for a link, FIFO, socket or device what it is (reading a FIFO would block)."""
    status = os.lstat(path)
    if stat.S_ISREG(status.st_mode):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{stat.S_IFMT(status.st_mode)}:{os.readlink(path) if stat.S_ISLNK(status.st_mode) else ''}"


@pytest.mark.parametrize("case", TABLE, ids=[c.id for c in TABLE])
def test_bad_input(case: Case, project: Path, tmp_path: Path) -> None:
    target = project / CASE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(case.content, bytes):
        target.write_bytes(case.content)
    else:
        case.content(target, tmp_path)
    before = _digest(target)

    started = time.perf_counter()
    with deadline(60):
        result = run_cli("validate", CASE_FILE, "--format", "json", cwd=project)
    elapsed = time.perf_counter() - started

    assert result.returncode == case.exit, result.stdout + result.stderr
    assert result.stderr == ""
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"], f["column"], f["record"]) for f in findings] == list(case.findings)
    assert all(f["file"] == CASE_FILE for f in findings)
    if findings:
        assert findings[0]["message"] == case.message.replace("{tmp}", tmp_path.as_posix())
        assert findings[0].get("hint") == case.hint
    assert _digest(target) == before
    # Bombs, deep nesting and huge files are refused up front; anything slow here would be a hang in CI.
    assert elapsed < 10


def render_doc() -> str:
    lines = [
        "# What `guideline validate` says about bad input",
        "",
        "Each row is a test case in `tests/test_loader.py` (`TABLE`), run through the real command; the last rows",
        "(`WRITE_CASES`, commands that write into a read-only `guidelines/`) run in `tests/test_odd_files.py`.",
        "This page is generated from them (`UPDATE_GOLDEN=1 pytest tests/test_loader.py`).",
        "Exit code 1 means the file has an error; 0 means it is accepted (a warning at most); 2 means the command",
        "refused and wrote nothing.",
        "Every finding names the file and line; findings on a record also name the record id.",
        "",
        "| Input | What the user sees | Exit code |",
        "|---|---|---|",
    ]
    for case in TABLE:
        if case.findings:
            rule, line, _column, record = case.findings[0]
            seen = f"`{rule}` line {line}: {case.message.replace('{tmp}', '/tmp/...')}"
            if record:
                seen += f" [{record}]"
            if case.hint:
                seen += f" (hint: {case.hint})"
        else:
            seen = "nothing: `0 error(s), 0 warning(s), 0 info`"
        seen = seen.replace("|", "\\|")
        lines.append(f"| {case.input} | {seen} | {case.exit} |")
    for write in WRITE_CASES:
        seen = f"`guideline: error: {write.message}` (hint: {write.hint})".replace("{root}", "...")
        lines.append(f"| {write.input} | {seen} | {write.exit} |")
    return "\n".join(lines) + "\n"


def test_bad_input_doc_is_current() -> None:
    expected = render_doc()
    if os.environ.get("UPDATE_GOLDEN"):
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(expected, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == expected, "run UPDATE_GOLDEN=1 pytest tests/test_loader.py"


SHIPPED_TOPIC = REPO_ROOT / "guidelines" / "topics" / "osteoporotic-spine-fracture.yaml"


def test_crlf_keeps_every_position() -> None:
    raw = SHIPPED_TOPIC.read_bytes()
    lf = parse_text(raw, "t.yaml")
    crlf = parse_text(raw.replace(b"\n", b"\r\n"), "t.yaml")
    assert lf.findings == crlf.findings == []
    assert crlf.data == lf.data
    assert crlf.positions == lf.positions
    assert lf.positions[("recommendations", 0, "statement")] == (68, 5)


def test_alias_bomb_is_refused_without_expanding() -> None:
    started = time.perf_counter()
    doc = parse_text(alias_bomb(), "bomb.yaml")
    assert time.perf_counter() - started < 0.5
    assert doc.data is None
    assert [(f.rule, f.line) for f in doc.findings] == [("YML004", 1)]


@pytest.mark.parametrize("raw", [b"a: " + b"9" * 5000, b"a: 0x" + b"f" * 5000, b"a: 1." + b"9" * 5000])
def test_huge_numbers_never_raise(raw: bytes) -> None:
    doc = parse_text(raw, "n.yaml")
    assert doc.findings == []
    assert isinstance(doc.data["a"], (int, float, str))


def test_yaml_11_booleans_stay_text() -> None:
    doc = parse_text(b"a: yes\nb: no\nc: on\nd: true\ne: False\n", "b.yaml")
    assert doc.data == {"a": "yes", "b": "no", "c": "on", "d": True, "e": False}


def test_unquoted_dates_stay_text() -> None:
    doc = parse_text(b"last_updated: 2026-01-02\n", "d.yaml")
    assert doc.data == {"last_updated": "2026-01-02"}


def test_position_falls_back_to_nearest_ancestor() -> None:
    doc = parse_text(b"topic:\n  id: x\n  sections: []\n", "p.yaml")
    assert doc.position(("topic", "sections", 3, "id")) == (3, 3)
    assert doc.location(("topic", "missing"), "x").line == 1
    assert Document("e.yaml", None, {}).position(("a",)) == (1, 1)


def test_read_file_reports_a_missing_file(tmp_path: Path) -> None:
    doc = read_file(tmp_path / "gone.yaml", "gone.yaml")
    assert [(f.rule, f.file, f.line) for f in doc.findings] == [("YML012", "gone.yaml", 1)]


def test_symlink_inside_the_repository_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    doc = read_file(tmp_path / "link.yaml", "link.yaml", root=tmp_path)
    assert (doc.data, doc.findings) == ({"a": 1}, [])


def test_gc_paused_restores_the_collector() -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
