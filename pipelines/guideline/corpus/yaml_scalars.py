"""How a string is written in YAML: plain when it reads back as the same string in YAML 1.1 and 1.2, else in
double quotes with YAML's escapes. The importer writes new files this way and `guideline fmt` rewrites quoting
to it."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

# Characters YAML does not allow raw in a document, plus the ones it reads as line breaks.
_PRINTABLE_GAPS = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF), (0xFFFE, 0xFFFF))
_LINE_BREAKS = frozenset({"\x85", "\u2028", "\u2029"})
# Text that is plain YAML as it stands: starts with a letter, ends with a letter, digit or bracket, no indicators.
_PLAIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9 ()/.,;%+'-]*[A-Za-z0-9).%]\Z|[A-Za-z]\Z")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Text in YAML 1.1 but a number in YAML 1.2's core schema (0o17): readers would differ, so it stays quoted.
_YAML12_NUMBER = re.compile(r"[-+]?0o[0-7]+")


def _needs_escape(char: str) -> bool:
    code = ord(char)
    return char in _LINE_BREAKS or any(low <= code <= high for low, high in _PRINTABLE_GAPS)


def double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _needs_escape(char):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def needs_quotes(text: str) -> bool:
    """Whether a string must be quoted to read back as the same string."""
    if _PLAIN_RE.match(text) and ": " not in text and " #" not in text and text.lower() not in _YAML11_WORDS:
        return False
    return _needs_quotes(text)


@lru_cache(maxsize=4096)
def _needs_quotes(text: str) -> bool:
    if not text or text != text.strip() or any(_needs_escape(c) or c in "\n\r\t" for c in text):
        return True
    if _YAML12_NUMBER.fullmatch(text):
        return True
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30)
    body = dumped[:-5] if dumped.endswith("\n...\n") else dumped.rstrip("\n")
    return body != text
