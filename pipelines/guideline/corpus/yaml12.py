"""What YAML 1.2 refuses and libyaml (a YAML 1.1 reader) lets pass, found on the text and the composed nodes.

The loader (corpus/loader.py) turns each problem into a YML001 finding. Each check is asked only where it can
apply: the builder notes the values spread over several lines in block context, and the tokens are scanned
only when a '#' follows a character after which libyaml would wrongly start a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

import yaml

# Scalar styles whose later lines YAML 1.2 requires to be indented, which libyaml does not check.
LAYOUT_STYLES = frozenset({'"', "'", "|", ">"})
COMMENT_HINT = "put a space before the '#': without one, YAML 1.2 readers refuse the line and others differ"
_BLOCK_HEADER_COMMENT_RE = re.compile(r"[|>][1-9+-]{0,2}#")
# Line breaks in YAML 1.1 (PyYAML, libyaml) but ordinary characters in YAML 1.2: readers disagree on the lines.
_AMBIGUOUS_BREAKS = {"\x85": "U+0085 (next line)", "\u2028": "U+2028 (line separator)",
                     "\u2029": "U+2029 (paragraph separator)"}
_CLOSERS = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.FlowEntryToken)


class Problem(NamedTuple):
    line: int  # 1-based, like column
    column: int
    message: str
    hint: str


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column of a character offset, counting only '\\n' as a line break (as editors do)."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def ambiguous_break(text: str) -> Problem | None:
    """A character YAML 1.1 reads as a line break and YAML 1.2 as text: the two read different keys."""
    for char, name in _AMBIGUOUS_BREAKS.items():
        at = text.find(char)
        if at != -1:
            return Problem(*position(text, at),
                           f"{name} character: YAML 1.1 readers (PyYAML, libyaml) end the line here, YAML 1.2 "
                           "readers do not, so they read different keys and values",
                           "replace it with a space or a line break; a U+0085 is often an ellipsis (…) pasted "
                           "from Windows-1252 text")
    return None


def layout_problems(text: str, layout: list[tuple[yaml.Node, int]]) -> Iterator[Problem]:
    """Each later line of a quoted value or of a list or mapping in brackets is indented past the column of the
    block collection holding it; a block scalar's header holds no '#' without a space before it, and its
    leading empty lines hold no more spaces than its first line of text. layout: (node, that column)."""
    lines = text.split("\n")
    for node, column in layout:
        if type(node) is yaml.ScalarNode and node.style in ("|", ">"):
            yield from _block_scalar_problems(text, lines, node, column)
            continue
        start, end = node.start_mark, node.end_mark
        for index in range(start.line + 1, min(end.line + 1, len(lines))):
            line = lines[index]
            content = line.lstrip(" ")
            # Comment lines between the items of a bracketed value may sit anywhere.
            if not content.strip() or (type(node) is not yaml.ScalarNode and content.startswith("#")):
                continue
            indent = len(line) - len(content)
            if indent <= column:
                what = "quoted text" if type(node) is yaml.ScalarNode else "value in brackets"
                yield Problem(index + 1, indent + 1,
                              f"this line continues the {what} begun on line {start.line + 1} but is not "
                              f"indented past column {column + 1}, where the value's key or '-' is",
                              f"indent this line by at least {column + 1} space(s); a tab does not count")
                break


def _block_scalar_problems(text: str, lines: list[str], node: yaml.Node, column: int) -> Iterator[Problem]:
    start = node.start_mark
    header = _BLOCK_HEADER_COMMENT_RE.match(text, start.index)
    if header:
        yield Problem(*position(text, header.end() - 1), "comment without a space before its '#'", COMMENT_HINT)
        return
    if any(char.isdigit() for char in text[start.index:start.index + 3]):
        return  # an explicit indentation indicator: nothing is inferred from the empty lines
    widest, widest_at = 0, 0
    for index in range(start.line + 1, len(lines)):
        line = lines[index].rstrip("\r")
        if line.strip(" "):
            indent = len(line) - len(line.lstrip(" "))
            if column < indent < widest:
                yield Problem(widest_at + 1, 1,
                              f"this empty line holds {widest} spaces, more than the first line of the block "
                              f"text holds before it (line {index + 1}: {indent})",
                              "remove the spaces from the empty lines at the start of the block text")
            return
        if len(line) > widest:
            widest, widest_at = len(line), index


def tight_comment(text: str, loader: type[yaml.SafeLoader | yaml.CSafeLoader]) -> Problem | None:
    """A '#' directly after a closing quote, bracket or comma: libyaml starts a comment there, YAML 1.2 refuses
    the line. The tokens are asked only when the character before some '#' makes it possible."""
    at = text.find("#", 1)
    # Past a few hundred '#', one scan of the tokens costs less than looking at each of them.
    few = text.count("#") < 256
    while few and at != -1 and text[at - 1] not in "\"']},":
        at = text.find("#", at + 1)
    if at == -1:
        return None
    for token in yaml.scan(text, Loader=loader):
        end = token.end_mark
        if (isinstance(token, _CLOSERS) or (isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'))) \
                and text.startswith("#", end.index):
            return Problem(end.line + 1, end.column + 1, "comment without a space before its '#'", COMMENT_HINT)
    return None


def first_anchor_token(text: str, loader: type[yaml.SafeLoader | yaml.CSafeLoader],
                       fallback: re.Pattern[str]) -> tuple[int, int] | None:
    """Where the first anchor or alias of a text libyaml cannot parse is: from its tokens, or, when it stops
    before handing the anchor over, from the text (fallback: a pattern whose match holds the '&')."""
    if "&" not in text and "*" not in text:
        return None
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                return token.start_mark.line + 1, token.start_mark.column + 1
    except yaml.YAMLError:
        found = fallback.search(text)
        if found:
            return position(text, text.index("&", found.start()))
    return None
