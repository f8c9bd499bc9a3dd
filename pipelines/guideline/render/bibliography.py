"""A reference as a journal lists it (ICMJE/Vancouver style): its type label, up to six authors then "et al.",
title, source and year, then its identifiers, DOI and PMID as links to doi.org and PubMed. The article's
Markdown and HTML print the same entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from guideline.corpus.identifiers import normalise_doi, normalise_pmid
from guideline.corpus.model import Record

MAX_AUTHORS = 6
# A type's label when the reference does not say how the source listed it (listed_as).
TYPE_LABELS = {"rct": "Randomized controlled trial", "systematic-review": "Systematic review", "cohort": "Cohort study",
               "narrative-review": "Review", "secondary-summary": "Summary", "label": "Drug label"}
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Identifier:
    label: str
    value: str
    link: str | None = None

    @property
    def prefix(self) -> str:
        """As journals print it: "doi:10.1056/…", "PMID: 21870978"."""
        return "doi:" if self.label == "doi" else f"{self.label}: "


@dataclass(frozen=True)
class Entry:
    label: str
    authors: str
    title: str
    source: str
    identifiers: tuple[Identifier, ...] = ()


def clean(value: Any) -> str:
    return _SPACE_RE.sub(" ", str(value)).strip()


def stop(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def entry_of(ref: Record | None) -> Entry:
    if ref is None:
        return Entry("", "", "", "")
    kind = str(ref.get("type") or "")
    label = clean(ref.get("listed_as") or TYPE_LABELS.get(kind) or kind.replace("-", " ").capitalize())
    source = ", ".join(clean(v) for v in (ref.get("source"), ref.get("year")) if v not in (None, ""))
    names = [clean(a) for a in ref.list_of("authors") if isinstance(a, str) and a.strip()]
    authors = ", ".join(names[:MAX_AUTHORS]) + (", et al" if len(names) > MAX_AUTHORS else "")
    return Entry(label, authors, clean(ref.get("title") or ""), source, tuple(_identifiers(ref.get("identifiers"))))


def _identifiers(raw: Any) -> list[Identifier]:
    """The identifiers readers can look up, in the order journals print them; a malformed DOI or PMID is printed
    as written, without a link (the reference checks report it)."""
    ids = {k: clean(v) for k, v in raw.items() if isinstance(v, (str, int))} if isinstance(raw, dict) else {}
    out = []
    if ids.get("doi"):
        doi = normalise_doi(ids["doi"])
        # The bare DOI as written (case kept), without a doi.org or doi: prefix.
        shown = ids["doi"][len(ids["doi"]) - len(doi):] if doi else ids["doi"]
        out.append(Identifier("doi", shown, f"https://doi.org/{quote(shown, safe='/:;._-')}" if doi else None))
    if ids.get("pmid"):
        pmid = normalise_pmid(ids["pmid"])
        out.append(Identifier("PMID", pmid or ids["pmid"], f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None))
    for key, label in (("pmcid", "PMCID"), ("nct", "ClinicalTrials.gov"), ("isbn", "ISBN")):
        if ids.get(key):
            out.append(Identifier(label, ids[key]))
    return out
