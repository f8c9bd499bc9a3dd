"""Recording the workflow in the files: round-trip edits of topic files and review logs that keep comments,
quotes and layout, so every command's change is a small, readable diff."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guideline.corpus.loader import Document, parse_text
from guideline.corpus.reviews import Comment, Decision, LoggedTransition, ReviewLog
from guideline.errors import UsageError
from guideline.fileio import write_atomic
from guideline.findings import Severity

REVIEWS_HEADER = "# yaml-language-server: $schema=../../schemas/reviews.schema.json\n"
# A review_state line the in-place edit may change: the key, its value (plain or quoted), a comment.
_STATE_LINE = re.compile(r"""( *review_state: +)([A-Za-z-]+|"[A-Za-z-]+"|'[A-Za-z-]+')( *(?:#.*)?)""")
_PLAIN_STATE = re.compile(r"[a-z][a-z-]*")
# Values written without quotes: words and sentences without YAML's indicators, as the round-trip writer
# writes them (the reading is checked, so a YAML 1.1 surprise such as `yes` or `12` only sends the file to it).
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_(](?:[A-Za-z0-9 _.,;()/@+=~-]*[A-Za-z0-9_.)])?")
# Other text on one line goes in single quotes (like the round-trip writer); the rest in double quotes.
_ONE_LINE = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")


@dataclass(frozen=True)
class Resolution:
    comment: str
    disposition: str
    by: str
    date: str
    text: str | None = None


def set_states(path: Path, states: dict[str, str], *, shown: str | None = None) -> None:
    """Set review_state of the topic and recommendations named in `states` in one topic file (shown: its name
    in messages)."""
    if not states:
        return
    raw = path.read_bytes()
    doc = _parsed(raw, path, shown)
    edited = _states_in_place(raw, doc, states, shown or path.as_posix())
    if edited is not None:
        write_atomic(path, edited)
        return
    yaml = _round_trip()
    data = yaml.load(raw.decode("utf-8-sig"))
    topic = data.get("topic")
    if topic is not None and topic.get("id") in states:
        topic["review_state"] = states[topic["id"]]
    for rec in data.get("recommendations") or []:
        if rec.get("id") in states:
            rec["review_state"] = states[rec["id"]]
    _dump(yaml, data, path)


def append_review_log(path: Path, topic_id: str, *, transitions: Sequence[LoggedTransition] = (),
                      decisions: Sequence[Decision] = (), comments: Sequence[Comment] = (),
                      resolutions: Sequence[Resolution] = (), shown: str | None = None) -> None:
    """Append entries to a topic's review log (created when missing), leaving existing entries untouched
    (shown: its name in messages)."""
    raw = path.read_bytes() if path.exists() else None
    doc = _parsed(raw, path, shown) if raw is not None else None
    sections = (("transitions", [_transition_entry(t) for t in transitions]),
                ("decisions", [_decision_entry(d) for d in decisions]),
                ("comments", [_comment_entry(c) for c in comments]))
    if not resolutions:
        appended = _appended(raw, doc, topic_id, sections, shown or path.as_posix())
        if appended is not None:
            write_atomic(path, appended)
            return
    yaml = _round_trip()
    data = yaml.load(raw.decode("utf-8-sig") if raw is not None else f"{REVIEWS_HEADER}reviews:\n  topic: {topic_id}\n")
    body = data["reviews"]
    for name, entries in sections:
        if entries:
            seq = _section(body, name)
            for item in entries:
                seq.append(item)
    for resolution in resolutions:
        for item in body.get("comments") or []:
            if item.get("id") == resolution.comment:
                item["disposition"] = resolution.disposition
                item["resolution"] = _entry((("by", resolution.by), ("date", _quoted(resolution.date)),
                                             ("text", resolution.text)))
    _dump(yaml, data, path)


def _appended(raw: bytes | None, doc: Document | None, topic_id: str, sections: Sequence[tuple[str, list[Any]]],
              shown: str) -> bytes | None:
    """The log with the new entries' lines inserted at the end of their sections, every existing line kept as
    it is (blame then still names the commit that wrote each earlier entry), when the result reads as exactly
    the intended data; else None, and the round-trip writer does it (it costs about a second on a long log)."""
    text = raw.decode("utf-8") if raw is not None else f"{REVIEWS_HEADER}reviews:\n  topic: {topic_id}\n"
    data = copy.deepcopy(doc.data) if doc is not None else {"reviews": {"topic": topic_id}}
    body = data.get("reviews") if isinstance(data, dict) else None
    if not isinstance(body, dict) or list(data) != ["reviews"]:
        return None
    lines = text.split("\n")
    inserts: list[tuple[int, int, list[str]]] = []
    keys = list(body)
    for order, (name, entries) in enumerate(sections):
        if not entries:
            continue
        items = [line for entry in entries for line in _entry_lines(entry)]
        if name in body:
            if not isinstance(body[name], list) or not body[name] or doc is None:
                return None
            later = keys[keys.index(name) + 1:]
            end = doc.position(("reviews", later[0]))[0] - 1 if later else len(lines)
        else:
            body[name], end, items = [], len(lines), [f"  {name}:", *items]
        while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        body[name].extend({key: str(value) for key, value in entry.items()} for entry in entries)
        inserts.append((end, order, items))
    for end, _, items in sorted(inserts, reverse=True):
        lines[end:end] = items
    edited = "\n".join(lines).encode("utf-8")
    edited += b"" if edited.endswith(b"\n") else b"\n"
    again = parse_text(edited, shown)
    if again.data != data or any(f.severity is Severity.ERROR for f in again.findings):
        return None
    return edited


def _entry_lines(entry: Any) -> list[str]:
    """One entry as the round-trip writer lays it out."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    lines: list[str] = []
    for key, value in entry.items():
        text = str(value)
        if isinstance(value, DoubleQuotedScalarString) or not _ONE_LINE.fullmatch(text):
            shown = json.dumps(text, ensure_ascii=False)
        else:
            shown = text if _PLAIN_VALUE.fullmatch(text) else "'" + text.replace("'", "''") + "'"
        lines.append(f"{'    - ' if not lines else '      '}{key}: {shown}")
    return lines


def next_comment_id(log: ReviewLog, count: int = 1) -> list[str]:
    """Comment ids are '<topic>-c<n>': unique across the corpus, so `review resolve` needs nothing else."""
    prefix = f"{log.topic}-c"
    used = [int(c.id[len(prefix):]) for c in log.comments if c.id.startswith(prefix) and c.id[len(prefix):].isdigit()]
    start = max(used, default=0) + 1
    return [f"{prefix}{n}" for n in range(start, start + count)]


def topic_of_comment(comment_id: str) -> str | None:
    head, sep, number = comment_id.rpartition("-c")
    return head if sep and number.isdigit() and head else None


def _transition_entry(t: LoggedTransition) -> Any:
    return _entry((("record", t.record), ("action", t.action), ("from", t.source), ("to", t.target),
                   ("by", t.by), ("date", _quoted(t.date)), ("message", t.message),
                   ("content_hash", _quoted(t.content_hash) if t.content_hash else None)))


def _decision_entry(d: Decision) -> Any:
    return _entry((("record", d.record), ("reviewer", d.reviewer), ("decision", d.decision), ("notice", d.notice),
                   ("date", _quoted(d.date)), ("comment", d.comment), ("content_hash", _quoted(d.content_hash)),
                   ("presentation_hash", _quoted(d.presentation_hash) if d.presentation_hash else None)))


def _comment_entry(c: Comment) -> Any:
    return _entry((("id", c.id), ("record", c.record), ("author", c.author), ("date", _quoted(c.date)),
                   ("text", c.text), ("disposition", c.disposition)))


def _entry(pairs: Iterable[tuple[str, Any]]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap((k, v) for k, v in pairs if v is not None and v != "")


def _section(body: Any, name: str) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    if not isinstance(body.get(name), list):
        body[name] = CommentedSeq()
    seq = body[name]
    seq.fa.set_block_style()
    return seq


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Record files hold long sentences on one line; wrapping them would turn every edit into a noisy diff.
    yaml.width = 1 << 16
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _quoted(value: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(value)


def _load_for_edit(path: Path, shown: str | None) -> tuple[Any, Any]:
    raw = path.read_bytes()
    _parsed(raw, path, shown)
    yaml = _round_trip()
    return yaml, yaml.load(raw.decode("utf-8-sig"))


def _parsed(raw: bytes, path: Path, shown: str | None) -> Document:
    """The file as the loader reads it; a file with errors is never edited."""
    doc = parse_text(raw, shown or path.as_posix())
    errors = [f for f in doc.findings if f.severity is Severity.ERROR]
    if doc.data is None or errors:
        first = errors[0] if errors else None
        where = f"{first.file}:{first.line}: {first.message}" if first else "it holds no data"
        raise UsageError(f"cannot update {doc.path}: {where}",
                         hint="fix the file first (`guideline validate` shows every problem)")
    return doc


def _states_in_place(raw: bytes, doc: Document, states: dict[str, str], shown: str) -> bytes | None:
    """The file with only the words of its review_state lines changed, when its review_state lines, in order,
    are the topic's and then each recommendation's, each on a line of its own (`review_state: submitted`), and
    the edited file reads as exactly the intended data; else None, and the round-trip writer does it. The round
    trip costs about a second on a 40-record file; this, one reading with the loader."""
    data = doc.data
    if not isinstance(data, dict) or list(data)[:1] != ["topic"]:
        return None
    expected = copy.deepcopy(data)
    recommendations = expected.get("recommendations")
    records = [expected["topic"], *(recommendations if isinstance(recommendations, list) else [])]
    owners = [r for r in records if isinstance(r, dict) and "review_state" in r]
    # Split on newlines only, as YAML counts lines (str.splitlines also breaks at form feeds and the like).
    lines = raw.decode("utf-8").split("\n")
    found = [(number, match) for number, line in enumerate(lines)
             if (match := _STATE_LINE.fullmatch(line.rstrip("\r"))) is not None]
    if len(found) != len(owners):
        return None
    for record, (number, match) in zip(owners, found, strict=True):
        state = states.get(str(record.get("id")))
        if state is None:
            continue
        if not _PLAIN_STATE.fullmatch(state):
            return None
        record["review_state"] = state
        quote = match.group(2)[0] if match.group(2)[0] in "'\"" else ""
        ending = "\r" if lines[number].endswith("\r") else ""
        lines[number] = f"{match.group(1)}{quote}{state}{quote}{match.group(3)}{ending}"
    edited = "\n".join(lines).encode("utf-8")
    again = parse_text(edited, shown)
    if again.data != expected or any(f.severity is Severity.ERROR for f in again.findings):
        return None
    return edited


def _dump(yaml: Any, data: Any, path: Path) -> None:
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    write_atomic(path, buffer.getvalue().encode("utf-8"))
