"""Bibliographic identifiers: what a well-formed PMID, DOI, PMCID, ISBN, NCT number or URL looks like,
and the normalised form two entries are compared by. Shared by the reference checks and the importer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

_PMID_RE = re.compile(r"^\d{1,8}$")
_PMCID_RE = re.compile(r"^PMC\d{1,10}$", re.IGNORECASE)
_NCT_RE = re.compile(r"^NCT\d{8}$", re.IGNORECASE)
# Crossref's recommended pattern, which matches almost every modern DOI...
_DOI_RE = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Z0-9]+$", re.IGNORECASE)
# ...plus Crossref's patterns for the older DOIs it misses (Wiley SICI-style DOIs with <, >, # and brackets).
_DOI_LEGACY_RES = (
    re.compile(r"^10\.1002/\S+$", re.IGNORECASE),
    re.compile(r"^10\.\d{4}/\d+-\d+X?(\d+)\d+<[\d\w]+:[\d\w]*>\d+\.\d+\.\w+;\d$", re.IGNORECASE),
)
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/",
                 "dx.doi.org/", "doi:")
_ISBN_SEPARATORS = re.compile(r"[\s-]")
_TITLE_WORD_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class IdentifierKind:
    name: str
    label: str
    example: str
    # Normalised comparison key, or None when the value is malformed.
    normalise: Callable[[str], str | None]
    # Whether two references with the same value are the same work (an ISBN or trial number is shared by many).
    identifies_work: bool


def normalise_doi(value: str) -> str | None:
    """The bare DOI in lower case (DOIs are case-insensitive), without a doi.org or 'doi:' prefix."""
    text = value.strip()
    lowered = text.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):].strip()
            break
    if _DOI_RE.match(text) or any(pattern.match(text) for pattern in _DOI_LEGACY_RES):
        return text.lower()
    return None


def normalise_pmid(value: str) -> str | None:
    text = value.strip()
    return str(int(text)) if _PMID_RE.match(text) else None


def normalise_pmcid(value: str) -> str | None:
    text = value.strip()
    return "PMC" + str(int(text[3:])) if _PMCID_RE.match(text) else None


def normalise_nct(value: str) -> str | None:
    text = value.strip()
    return text.upper() if _NCT_RE.match(text) else None


def normalise_isbn(value: str) -> str | None:
    """The ISBN's digits (X kept) when its length and check digit are right; hyphens and spaces are allowed."""
    digits = _ISBN_SEPARATORS.sub("", value.strip()).upper()
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9]))
        total += 10 if digits[9] == "X" else int(digits[9])
        return digits if total % 11 == 0 else None
    if len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979")):
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
        return digits if total % 10 == 0 else None
    return None


def normalise_url(value: str) -> str | None:
    text = value.strip()
    if not text or any(ch.isspace() for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


KINDS: dict[str, IdentifierKind] = {kind.name: kind for kind in (
    IdentifierKind("pmid", "PMID", "PubMed id, 1 to 8 digits, e.g. 19657121", normalise_pmid, True),
    IdentifierKind("doi", "DOI", "bare DOI such as 10.1056/NEJMoa0900429 (a https://doi.org/ prefix is allowed)",
                   normalise_doi, True),
    IdentifierKind("pmcid", "PMCID", "PMC followed by digits, e.g. PMC7255293", normalise_pmcid, True),
    IdentifierKind("isbn", "ISBN", "ISBN-10 or ISBN-13 with a correct check digit, e.g. 978-0-306-40615-7",
                   normalise_isbn, False),
    IdentifierKind("nct", "NCT number", "NCT followed by 8 digits, e.g. NCT01234567", normalise_nct, False),
    IdentifierKind("url", "URL", "an http:// or https:// address", normalise_url, False),
)}

WORK_IDENTIFIERS = tuple(name for name, kind in KINDS.items() if kind.identifies_work)


def normalise(kind: str, value: str) -> str | None:
    """Comparison key of an identifier of a known kind; None when malformed or of an unknown kind."""
    found = KINDS.get(kind)
    return found.normalise(value) if found else None


def work_keys(identifiers: Mapping[str, object]) -> dict[str, str]:
    """Normalised DOI, PMID and PMCID of a reference's identifiers mapping, leaving out malformed ones."""
    keys: dict[str, str] = {}
    for name in WORK_IDENTIFIERS:
        value = identifiers.get(name)
        if isinstance(value, str):
            key = normalise(name, value)
            if key is not None:
                keys[name] = key
    return keys


def title_key(title: str) -> str:
    """A title reduced to lower-case ASCII words: case, accents, punctuation and spacing do not count."""
    if not title.isascii():
        # Accents fall away with the decomposition; letters outside ASCII are dropped like punctuation.
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return _TITLE_WORD_RE.sub(" ", title.lower()).strip()
