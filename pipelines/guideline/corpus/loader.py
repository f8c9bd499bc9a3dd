"""The only code that parses files: YAML text in, plain data with the position of every value out.

Safety comes first: no YAML tag may construct an object, no anchor or alias is accepted (so an alias
bomb is never expanded), duplicate keys are errors rather than silently dropped values, and every
problem becomes a finding with a file and line instead of an exception.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from guideline.corpus import files, yaml12
from guideline.corpus.fastyaml import fast_load, find_position
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

_YamlLoader: type[yaml.SafeLoader | yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]

SYNTAX = Rule("YML001", "YAML syntax error", Severity.ERROR,
              "The file is not well-formed YAML (bad indentation, a tab, an unclosed quote or bracket...).")
DUPLICATE_KEY = Rule("YML002", "Duplicate key", Severity.ERROR,
                     "A mapping has the same key twice. YAML parsers silently keep the last value, "
                     "which loses an editor's data, so it is an error here.")
TAG = Rule("YML003", "YAML tag not allowed", Severity.ERROR,
           "Explicit YAML tags such as !!python/object can construct objects or change types; "
           "records are plain text, numbers, lists and mappings only.")
ALIAS = Rule("YML004", "Anchor or alias not allowed", Severity.ERROR,
             "Anchors (&name) and aliases (*name) make one value appear in several places, hide what a "
             "diff changes and allow 'billion laughs' expansion bombs. Write the value out.")
ENCODING = Rule("YML005", "Not UTF-8", Severity.ERROR,
                "Files must be UTF-8 text. Re-save the file as UTF-8.")
CONFLICT_MARKER = Rule("YML006", "Merge-conflict marker", Severity.ERROR,
                       "The file still holds <<<<<<<, ======= or >>>>>>> lines from an unresolved git merge.")
TOO_LARGE = Rule("YML007", "File too large", Severity.ERROR,
                 "The file is larger than the policy's max_file_bytes; split it into several files.")
TOO_DEEP = Rule("YML008", "Nesting too deep", Severity.ERROR,
                "Values nest deeper than any record needs; the file is probably malformed.")
EMPTY = Rule("YML009", "Empty file", Severity.ERROR, "The file holds no YAML document.")
MULTI_DOC = Rule("YML010", "Several YAML documents", Severity.ERROR,
                 "A record file holds exactly one YAML document; remove the extra '---' separators.")
BOM = Rule("YML011", "Byte-order mark", Severity.WARNING,
           "The file starts with a UTF-8 byte-order mark, which some tools show as stray characters. "
           "Re-save without BOM.")
UNREADABLE = Rule("YML012", "File cannot be read", Severity.ERROR,
                  "The file is missing, unreadable, or a link that points outside the repository.")

RULES = (SYNTAX, DUPLICATE_KEY, TAG, ALIAS, ENCODING, CONFLICT_MARKER, TOO_LARGE, TOO_DEEP, EMPTY,
         MULTI_DOC, BOM, UNREADABLE)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 40
_CONFLICT_RE = re.compile(r"^(?:<{7}|={7}|>{7})(?: |\r?$)", re.MULTILINE)
_DEEP_FLOW_RE = re.compile(rf"(?:[\[{{][ \t]*){{{MAX_DEPTH}}}")
_DEEP_BLOCK_RE = re.compile(rf"^[ -]{{{MAX_DEPTH * 8}}}", re.MULTILINE)
_ANCHOR_HINT_RE = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")
_DEEP_HINT = "flatten the structure: records need only a few levels of nesting"
_SYNTAX_HINT = "check this line and the one above: indentation, an unclosed quote or bracket, or a ': ' to quote"
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_ALLOWED_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _SEQ, _MAP})
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass
class Document:
    """One parsed file: its data (None when it could not be parsed) and where every value sits."""

    path: str
    data: Any
    _positions: dict[PathKey, tuple[int, int]]
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""
    # Positions in pre-order of `data` (see pack_positions): what workers and the cache hand over, since a
    # dict of tuple keys costs more to pickle than the data itself. Unpacked on first use.
    packed: array[int] | None = field(default=None, repr=False, compare=False)

    # Positions looked up in the packed array so far: past a few, unpacking them all costs less.
    _lookups: int = field(default=0, repr=False, compare=False)
    # The file's bytes while its positions are still to be found: the fast reading (corpus/fastyaml.py) gives
    # data only, and most files are never asked where a value is, so libyaml reads them only when one is.
    source: bytes | None = field(default=None, repr=False, compare=False)
    _lines: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def positions(self) -> dict[PathKey, tuple[int, int]]:
        if self.source is not None:
            self._locate()
        if self.packed is not None:
            self._positions = unpack_positions(self.data, self.packed)
            self.packed = None
        return self._positions

    @positions.setter
    def positions(self, value: dict[PathKey, tuple[int, int]]) -> None:
        self._positions = value
        self.packed = None

    def position(self, key: PathKey) -> tuple[int, int]:
        """Line and column of the value at key, or of its nearest ancestor that has one."""
        if self.source is not None:
            found = self._find(key)
            if found is not None:
                return found
            self._locate()
        if self.packed is not None and self._lookups < _PACKED_LOOKUPS:
            # Most documents are asked for one or two positions (a board report's changed records, a finding):
            # walking to them costs a fraction of building the whole dict.
            self._lookups += 1
            return packed_position(self.data, self.packed, key)
        while key:
            pos = self.positions.get(key)
            if pos is not None:
                return pos
            key = key[:-1]
        return self.positions.get((), (1, 1))

    def location(self, key: PathKey, record: str | None = None) -> Location:
        line, column = self.position(key)
        return Location(self.path, line, column, record)

    @property
    def ok(self) -> bool:
        return self.data is not None

    @property
    def located(self) -> bool:
        """Whether the positions are known (else they are found, from `source`, when first asked)."""
        return self.source is None

    def _find(self, key: PathKey) -> tuple[int, int] | None:
        """A few positions are found by following the path through the lines (corpus/fastyaml.py); past a
        few, or where the lines are not plain enough, libyaml reads the whole file once."""
        assert self.source is not None
        if self._lookups >= _PACKED_LOOKUPS:
            return None
        self._lookups += 1
        if self._lines is None:
            self._lines = _text_of(self.source).split("\n")
        return find_position(self._lines, self.data, key)

    def _locate(self) -> None:
        assert self.source is not None
        text, self.source, self._lines = _text_of(self.source), None, None
        root = _compose(text, self.path)
        # The fast reading takes only text the reference reads cleanly, to the same data.
        assert not isinstance(root, Finding), root
        self.packed = _build(root, self.path, text)[1].packed


def _preorder(value: Any, key: PathKey) -> Iterator[PathKey]:
    """Every key of data, in the order _Builder records positions: a mapping key or list item, then its value."""
    if isinstance(value, dict):
        for name, child in value.items():
            child_key = (*key, name)
            yield child_key
            yield from _preorder(child, child_key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            child_key = (*key, index)
            yield child_key
            yield from _preorder(child, child_key)


def pack_positions(doc: Document) -> array[int] | None:
    """Line and column of every value of a parsed document as one flat array, or None if they do not line up."""
    if doc.packed is not None:
        return doc.packed
    positions = doc.positions
    if doc.data is None or () not in positions:
        return None
    packed = array("I", positions[()])
    try:
        for key in _preorder(doc.data, ()):
            packed.extend(positions[key])
    except KeyError:
        return None
    return packed if len(packed) == 2 * len(positions) else None


_PACKED_LOOKUPS = 8


def _entries_below(value: Any) -> int:
    """How many positions pre-order records under value (its keys or items, and theirs)."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            count += len(item)
            stack.extend(item)
    return count


def packed_position(data: Any, packed: array[int], key: PathKey) -> tuple[int, int]:
    """Document.position read from the packed array: the value at key, or its nearest ancestor's."""
    at = 0
    node = data
    for step in key:
        children: Iterable[tuple[Any, Any]]
        if isinstance(node, dict):
            children = node.items()
        elif isinstance(node, list):
            children = enumerate(node)
        else:
            break
        below = at
        for name, child in children:
            below += 1
            if name == step:
                node = child
                break
            below += _entries_below(child)
        else:
            break
        at = below
    return packed[2 * at], packed[2 * at + 1]


def unpack_positions(data: Any, packed: array[int]) -> dict[PathKey, tuple[int, int]]:
    values = iter(packed)
    out: dict[PathKey, tuple[int, int]] = {(): (next(values), next(values))}
    for key in _preorder(data, ()):
        out[key] = (next(values), next(values))
    return out


class _Builder:
    """Turns composed nodes into plain values, recording positions and rejecting unsafe constructs.

    Positions go into one flat array in pre-order of the values (see pack_positions), which costs a fraction of
    a dict keyed by paths; Document.positions builds that dict only for the few documents that are asked."""

    def __init__(self, path: str, *, aliases: bool = True) -> None:
        self.path = path
        self.packed = array("I")
        self.findings: list[Finding] = []
        # Without an '&' in the text no anchor, hence no alias, can exist: skip the bookkeeping.
        self.seen: set[int] | None = set() if aliases else None
        # Values over several lines in block context, with the column of the collection holding them: YAML 1.2
        # rules on their indentation that libyaml does not check (yaml12.layout_problems).
        self.layout: list[tuple[yaml.Node, int]] = []

    def _at(self, node: yaml.Node) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, depth: int, line: int, column: int) -> Any:
        """The value of node, whose own position (already recorded) is line and column."""
        if self.seen is not None:
            if id(node) in self.seen:
                self.findings.append(ALIAS.finding(Location(self.path, line, column),
                                                   "alias to an anchored value; write the value out instead",
                                                   hint="remove the &anchor and *alias and repeat the value"))
                return None
            self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.findings.append(TOO_DEEP.finding(self._at(node), f"values nest more than {MAX_DEPTH} levels deep",
                                                  hint=_DEEP_HINT))
            return None
        tag = node.tag
        if tag not in _ALLOWED_TAGS:
            self.findings.append(TAG.finding(self._at(node), f"YAML tag {tag!r} is not allowed",
                                             hint="remove the tag; write plain text, numbers, lists and mappings"))
            return None
        kind = type(node)
        if kind is yaml.MappingNode:
            return self._mapping(cast(yaml.MappingNode, node), depth)
        if kind is yaml.SequenceNode:
            out: list[Any] = []
            packed = self.packed
            block, column = not cast(yaml.SequenceNode, node).flow_style, node.start_mark.column
            for item in node.value:
                mark = item.start_mark
                item_line, item_column = mark.line + 1, mark.column + 1
                packed.append(item_line)
                packed.append(item_column)
                if block:
                    self._note_layout(item, column)
                else:
                    self._lone_dash(item)
                out.append(self.build(item, depth + 1, item_line, item_column))
            return out
        assert isinstance(node, yaml.ScalarNode)
        return _scalar(node)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        packed = self.packed
        # A plain text value needs none of build()'s questions, unless it could be an alias or too deep.
        shortcut = self.seen is None and depth < MAX_DEPTH
        block, column = not node.flow_style, node.start_mark.column
        for key_node, value_node in node.value:
            if block:
                self._note_layout(value_node, column)
            else:
                self._lone_dash(key_node)
                self._lone_dash(value_node)
            if type(key_node) is not yaml.ScalarNode or key_node.tag not in _ALLOWED_TAGS:
                what = "merge key '<<'" if key_node.tag == "tag:yaml.org,2002:merge" else "complex or tagged key"
                rule = ALIAS if key_node.tag == "tag:yaml.org,2002:merge" else TAG
                self.findings.append(rule.finding(self._at(key_node), f"{what} is not allowed",
                                                  hint="write each key out as a plain word, with its own value"))
                continue
            name = str(key_node.value)
            if name in out:
                first = next(k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and str(k.value) == name)
                first_line, first_column = first.start_mark.line + 1, first.start_mark.column + 1
                self.findings.append(DUPLICATE_KEY.finding(
                    self._at(key_node), f"duplicate key '{name}' (first defined at line {first_line})",
                    hint="merge the two values into one key; YAML would silently keep only the last",
                    related=(Location(self.path, first_line, first_column),)))
                continue
            mark = key_node.start_mark
            key_line, key_column = mark.line + 1, mark.column + 1
            packed.append(key_line)
            packed.append(key_column)
            if shortcut and value_node.tag == _STR and type(value_node) is yaml.ScalarNode:
                out[name] = value_node.value
            else:
                out[name] = self.build(value_node, depth + 1, key_line, key_column)
        return out


    def _note_layout(self, node: yaml.Node, column: int) -> None:
        """Keep a value over several lines in block context for yaml12.layout_problems (column: its parent's)."""
        if (node.style in yaml12.LAYOUT_STYLES if type(node) is yaml.ScalarNode
                else cast(yaml.CollectionNode, node).flow_style) and node.end_mark.line != node.start_mark.line:
            self.layout.append((node, column))

    def _lone_dash(self, node: yaml.Node) -> None:
        """A '-' alone in a list or mapping in brackets: YAML 1.2 cannot start a value with it, libyaml reads text."""
        if type(node) is yaml.ScalarNode and not node.style and node.value == "-":
            self.findings.append(SYNTAX.finding(self._at(node), "a '-' alone inside brackets is not a value",
                                                hint="quote it (\"-\") or remove it"))


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR or tag == _TIMESTAMP:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        # YAML 1.1 reads yes/no/on/off as booleans (the "Norway problem"); only true/false count here.
        return True if text in _TRUE else False if text in _FALSE else text
    try:
        if tag == _INT:
            return _CONSTRUCTOR.construct_yaml_int(node)
        return _CONSTRUCTOR.construct_yaml_float(node)
    except ValueError:
        # Python refuses int() on more than 4,300 digits; such a value is kept as text and the schema says why.
        return text


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building many small objects triggers the cyclic collector constantly; nothing here makes cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _first_anchor(text: str) -> tuple[int, int] | None:
    """Position of the first anchor; the cheap regex only decides whether to ask the parser."""
    if "&" not in text or not _ANCHOR_HINT_RE.search(text):
        return None
    for event in yaml.parse(text, Loader=_YamlLoader):
        mark = event.start_mark
        if getattr(event, "anchor", None) and not isinstance(event, yaml.AliasEvent) and mark is not None:
            return mark.line + 1, mark.column + 1
    return None


def _line_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _text_of(raw: bytes) -> str:
    return (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")


def _build(root: yaml.Node, path: str, text: str) -> tuple[Any, _Builder]:
    builder = _Builder(path, aliases="&" in text)
    line, column = (root.start_mark.line + 1, root.start_mark.column + 1) if root.start_mark else (1, 1)
    builder.packed.extend((line, column))
    return builder.build(root, 0, line, column), builder


def parse_text(raw: bytes, path: str) -> Document:
    """Parse raw bytes of a YAML file. Never raises for bad input: problems come back as findings."""
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    doc = Document(path, None, {}, [], digest)
    if raw.startswith(b"\xef\xbb\xbf"):
        doc.findings.append(BOM.finding(Location(path, 1, 1), "file starts with a UTF-8 byte-order mark"))
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_of_offset(raw, exc.start)
        doc.findings.append(ENCODING.finding(Location(path, line, column),
                                             f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                                             hint="re-save the file with UTF-8 encoding"))
        return doc
    unreadable = _unreadable(text, path)
    if unreadable is None:
        fast, data = fast_load(text)
        if fast:
            doc.data, doc.source = data, raw
            return doc
    root = unreadable or _compose(text, path)
    if isinstance(root, Finding):
        doc.findings.append(root)
        return doc
    data, builder = _build(root, path, text)
    builder.findings.extend(_strict_findings(text, path, builder))
    doc.findings.extend(builder.findings)
    if any(f.severity is Severity.ERROR for f in builder.findings):
        doc.positions = unpack_positions(data, builder.packed)
    else:
        doc.data, doc.packed = data, builder.packed
    return doc


def _strict_findings(text: str, path: str, builder: _Builder) -> list[Finding]:
    """What YAML 1.2 refuses and libyaml lets pass (corpus/yaml12.py)."""
    problems = list(yaml12.layout_problems(text, builder.layout)) if builder.layout else []
    tight = yaml12.tight_comment(text, _YamlLoader)
    return [SYNTAX.finding(Location(path, p.line, p.column), p.message, hint=p.hint)
            for p in (*problems, *([tight] if tight else []))]


def _unreadable(text: str, path: str) -> Finding | None:
    """A merge-conflict marker, a character YAML versions read differently, or nesting too deep to read, found
    before the YAML reader sees the text."""
    conflict = _CONFLICT_RE.search(text)
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        return CONFLICT_MARKER.finding(
            Location(path, line, 1), f"merge-conflict marker '{conflict.group(0).strip()}' left in the file",
            hint="resolve the merge: keep the right side, delete the marker lines")
    ambiguous = yaml12.ambiguous_break(text)
    if ambiguous:
        return SYNTAX.finding(Location(path, ambiguous.line, ambiguous.column), ambiguous.message,
                              hint=ambiguous.hint)
    # str.count first: the flow pattern needs MAX_DEPTH brackets, and scanning for it costs a quarter of a parse.
    brackets = text.count("[") + text.count("{")
    deep = (brackets >= MAX_DEPTH and _DEEP_FLOW_RE.search(text)) or _DEEP_BLOCK_RE.search(text)
    if deep:
        line = text.count("\n", 0, deep.start()) + 1
        return TOO_DEEP.finding(Location(path, line, 1), f"values nest more than {MAX_DEPTH} levels deep",
                                hint=_DEEP_HINT)
    return None


def _compose(text: str, path: str) -> yaml.Node | Finding:
    """The root node of the file's one YAML document, or the finding that says why there is none."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_YamlLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "malformed YAML"
        if "maximum nesting depth" in problem:
            return TOO_DEEP.finding(Location(path, line, column),
                                    f"values nest deeper than the YAML reader allows ({problem})",
                                    hint=_DEEP_HINT)
        if exc.context:
            problem = f"{exc.context}, {problem}"
        anchor = _anchor_in_broken(text, path, problem, line, column)
        if anchor is not None:
            return anchor
        lines = text.splitlines()
        hint = _SYNTAX_HINT
        if 0 < line <= len(lines) and "\t" in lines[line - 1]:
            hint = "this line holds a tab: YAML indentation must use spaces"
        return SYNTAX.finding(Location(path, line, column), problem, hint=hint)
    except yaml.reader.ReaderError as exc:
        # Its position counts bytes or characters depending on the reader; the character itself is certain,
        # and the reader stops at its first occurrence.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line, column = yaml12.position(text, at) if at >= 0 else (1, 1)
        return SYNTAX.finding(Location(path, line, column), str(exc).splitlines()[0],
                              hint="delete this character; a NUL often means the file was saved as UTF-16 "
                                   "or is not text")
    except yaml.YAMLError as exc:
        return SYNTAX.finding(Location(path, 1, 1), str(exc).splitlines()[0], hint=_SYNTAX_HINT)
    except RecursionError:
        return TOO_DEEP.finding(Location(path, 1, 1), "values nest too deeply to read", hint=_DEEP_HINT)
    return _only_root([n for n in nodes if n is not None], text, path)


def _anchor_in_broken(text: str, path: str, problem: str, line: int, column: int) -> Finding | None:
    """Anchors and aliases are refused whatever else is wrong: when a file that cannot be parsed holds one, that
    is what it is told first (with the syntax problem in the message, so nothing is hidden)."""
    where = (line, column) if "anchor" in problem or "alias" in problem else \
        yaml12.first_anchor_token(text, _YamlLoader, _ANCHOR_HINT_RE)
    if where is None:
        return None
    return ALIAS.finding(Location(path, *where),
                         f"anchor (&name) or alias (*name) is not allowed; the YAML is also malformed at line "
                         f"{line}, column {column}: {problem}",
                         hint="remove the &anchor and *alias, write each value out, then check that line")


def _only_root(nodes: list[yaml.Node], text: str, path: str) -> yaml.Node | Finding:
    if not nodes:
        return EMPTY.finding(Location(path, 1, 1), "file holds no YAML document",
                             hint="add the file's content, or delete the file")
    if len(nodes) > 1:
        second = nodes[1]
        line = second.start_mark.line + 1 if second.start_mark else 1
        return MULTI_DOC.finding(Location(path, line, 1), "file holds more than one YAML document",
                                 hint="remove the '---' before this line; move that content to its own file")
    anchor = _first_anchor(text)
    if anchor is not None:
        return ALIAS.finding(Location(path, anchor[0], anchor[1]), "anchor (&name) is not allowed",
                             hint="remove the &anchor and write each value out")
    root = nodes[0]
    if isinstance(root, yaml.ScalarNode) and root.tag == _NULL:
        # A document that is only `~` or `null` would otherwise load as "no data" without a word.
        return EMPTY.finding(Location(path, root.start_mark.line + 1, 1), "file holds only an empty value",
                             hint="add the file's content, or delete the file")
    return root


def read_file(path: Path, display: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
              root: Path | None = None) -> Document:
    """Read and parse one file; a missing, oversized or escaping file is a finding, not an exception."""
    raw = read_bytes(path, display, max_bytes=max_bytes, root=root)
    return raw if isinstance(raw, Document) else parse_text(raw, display)


def read_bytes(path: Path, display: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               root: Path | None = None) -> bytes | Document:
    """The file's bytes, or a document holding the finding that says why they cannot be read: missing,
    unreadable, too large, not a regular file (a FIFO, socket or device), or a link that loops or leaves root."""
    where = Location(display, 1, 1)
    reason = files.reason_not_read(path, root)
    try:
        if reason is None:
            # Non-blocking, and asked again once open: a file swapped for a FIFO since the question cannot hang.
            with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC), "rb") as handle:
                status = os.fstat(handle.fileno())
                kind = files.kind_of(status.st_mode)
                if kind is not None:
                    reason = files.not_regular(kind)
                elif status.st_size > max_bytes:
                    return Document(display, None, {}, [TOO_LARGE.finding(
                        where, f"file is {status.st_size:,} bytes, over the limit of {max_bytes:,}",
                        hint="split the records into several files, or raise policy.max_file_bytes")])
                else:
                    return handle.read()
    except OSError as exc:
        reason = files.Unreadable(f"cannot read file: {exc.strerror or exc}",
                                  "check that the file exists and is readable")
    return Document(display, None, {}, [UNREADABLE.finding(where, reason.message, hint=reason.hint)])
