"""Reference integrity: citations that resolve, references that something cites, well-formed identifiers,
and no work listed twice in the shared bibliography."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from guideline.checks.base import NO_KEYS, Check, Context, Keys, cite_key, id_key
from guideline.corpus import identifiers
from guideline.corpus.loader import Document
from guideline.corpus.model import Corpus, Record, add_document, named_ids
from guideline.corpus.project import Project, collect_files
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

BIBLIOGRAPHY_DIR = "references"
# Statement types that may stand without a citation: a good-practice statement or context that advises nothing.
UNCITED_TYPES = frozenset({"good-practice", "information"})
# Shorter titles ("Editorial", "Calcitonin") say too little to call two entries the same work.
MIN_TITLE_WORDS = 3

UNRESOLVED = Rule(
    "REF001", "Unresolved citation", Severity.ERROR,
    "A recommendation cites a reference id that no entry of the bibliography (guidelines/references/) defines. "
    "Citations from every topic resolve against the one shared bibliography, also when only some files are "
    "checked. Bad: 'citations: [spine-ref-6]' with no reference 'spine-ref-6'. Good: add the reference to a "
    "file under guidelines/references/, or remove or correct the citation.")
ORPHAN = Rule(
    "REF002", "Reference never cited", Severity.WARNING,
    "A reference that no recommendation cites. Reported only when the whole corpus is checked "
    "(guideline validate with no path), since a partial check cannot see every citation. Cite it where it "
    "belongs or delete it.")
SAME_IDENTIFIER = Rule(
    "REF003", "Same work listed twice (identifier)", Severity.ERROR,
    "Two references share a DOI, PMID or PMCID, compared case-insensitively and without a https://doi.org/ or "
    "doi: prefix: the same work is listed twice, so citations and corrections split between the copies. "
    "Reported once, on the later entry, with the earlier one as related location. Bad: one entry with "
    "doi 10.1056/NEJMoa0900429 and another with pmid 19657121 and doi https://doi.org/10.1056/nejmoa0900429. "
    "Good: keep one entry carrying both identifiers and point the citations at it. ISBNs, NCT numbers and "
    "URLs are not compared: chapters share a book's ISBN and papers share a trial's registration.")
SAME_TITLE = Rule(
    "REF004", "Same work listed twice (title and year)", Severity.WARNING,
    "Two references have the same title (ignoring case, accents, punctuation and spacing) and the same year, "
    "and no identifier tells them apart (they do not hold different DOIs, PMIDs or PMCIDs): most often one "
    "entry has only a DOI and the other only a PMID. Reported on the later entry, with the earlier one as "
    "related location. Titles of fewer than three words are not compared. Merge the entries.")
MALFORMED = Rule(
    "REF005", "Malformed identifier", Severity.ERROR,
    "A reference identifier that cannot be right: PMID (1 to 8 digits), DOI (Crossref's pattern "
    "10.NNNN/suffix, with an optional https://doi.org/ or doi: prefix), PMCID (PMC and digits), ISBN-10 or "
    "ISBN-13 (hyphens and spaces allowed; the check digit must match), NCT number (NCT and 8 digits), URL "
    "(http or https only). Bad: 'pmid: PMID 19657121', 'isbn: 978-0-306-40615-8'. Good: 'pmid: \"19657121\"'.")
CITED_TWICE = Rule(
    "REF006", "Reference cited twice", Severity.WARNING,
    "A recommendation lists the same reference more than once in its citations. Remove the repeat.")
UNCITED = Rule(
    "REF007", "Recommendation cites nothing", Severity.ERROR,
    "A recommendation (statement_type: recommendation) has an empty citations list: every graded "
    "recommendation must say which evidence it rests on. Good-practice statements and information may "
    "stand without a citation.")


@dataclass(frozen=True)
class Bibliography:
    """Every reference a citation can resolve to, and whether every citation of the corpus was seen."""

    references: Mapping[str, Record]
    complete: bool
    # Bibliography files that could not be read: a citation found nowhere else may be defined in one of them.
    unread: tuple[Document, ...] = ()

    def resolve(self, reference_id: str) -> Record | None:
        return self.references.get(reference_id)

    def cited(self, rec: Record) -> list[Record]:
        """The references a recommendation cites that exist, each once, in citation order."""
        seen: set[str] = set()
        out: list[Record] = []
        for citation in rec.list_of("citations"):
            if isinstance(citation, str) and citation not in seen:
                seen.add(citation)
                ref = self.references.get(citation)
                if ref is not None:
                    out.append(ref)
        return out


def bibliography(ctx: Context) -> Bibliography:
    """The checked references, completed with the rest of guidelines/references/ when only some files are
    checked, so that a citation resolves the same way whatever subset is validated."""
    references: dict[str, Record] = {ref_id: found[0] for ref_id, found in ctx.corpus.by_id("reference").items()}
    bibliography_dir = (ctx.project.data_dir / BIBLIOGRAPHY_DIR).absolute()
    unread = [doc for doc in ctx.corpus.documents
              if doc.data is None and ctx.project.located(doc.path).absolute().is_relative_to(bibliography_dir)]
    unchecked = [] if ctx.window else _unchecked_files(ctx)
    if unchecked:
        data_dir = ctx.project.data_dir
        extra = Corpus()
        for path in unchecked:
            if path.is_relative_to(bibliography_dir):
                doc = ctx.project.data_document(path.relative_to(data_dir.absolute()).as_posix())
                if doc is not None:
                    add_document(extra, doc)
                    if doc.data is None:
                        unread.append(doc)
        for ref_id, found in extra.by_id("reference").items():
            references.setdefault(ref_id, found[0])
    return Bibliography(references, not unchecked, tuple(unread))


def citation_keys(record: Record, project: Project) -> Keys:
    """A record's findings depend on the records it names (and others with its id); a reference's on the
    records that cite it."""
    named = list(named_ids(record.data))
    return Keys((id_key(record.id), *map(cite_key, named)),
                (id_key(record.id), cite_key(record.id), *map(id_key, named)))


def _work_keys(record: Record, project: Project) -> Keys:
    """References that share an identifier, or a title and year."""
    if record.kind != "reference":
        return NO_KEYS
    ids = record.data.get("identifiers")
    keys = [f"work:{name}:{key}" for name, key in (identifiers.work_keys(ids) if isinstance(ids, dict) else {}).items()]
    title, year = record.data.get("title"), record.data.get("year")
    if isinstance(title, str) and isinstance(year, int):
        keys.append(f"title:{year}:{identifiers.title_key(title)}")
    return Keys(keys, keys)


def _unchecked_files(ctx: Context) -> list[Path]:
    """Corpus files that this run did not check; data files that the project reads itself (vocabulary,
    policy, notices...) do not count, bibliography files always do."""
    checked = {doc.path for doc in ctx.corpus.documents}
    bibliography_dir = (ctx.project.data_dir / BIBLIOGRAPHY_DIR).absolute()
    data_files = {path.absolute() for path in ctx.project.data_documents}
    files, _ = collect_files([ctx.project.data_dir], ctx.project.root)
    return [path for path in files if ctx.project.display(path) not in checked
            and (path not in data_files or path.is_relative_to(bibliography_dir))]


def _citations(ctx: Context) -> Iterator[Finding]:
    bib = bibliography(ctx)
    cited: set[str] = set()
    # With a bibliography file unread, a citation found nowhere may be defined there: one finding says so.
    not_checked: list[tuple[Record, int, str]] = []
    for rec in ctx.corpus.recommendations:
        citations = rec.list_of("citations")
        cited.update(c for c in citations if isinstance(c, str))
        if not rec.valid:
            continue
        if not citations and rec.get("statement_type") not in UNCITED_TYPES:
            yield UNCITED.finding(rec.location("citations"), "recommendation cites no reference",
                                  hint="cite the evidence it rests on, or make it a good-practice statement")
        first_at: dict[str, int] = {}
        for index, citation in enumerate(citations):
            if not isinstance(citation, str):
                continue
            if citation in first_at:
                first = rec.location("citations", first_at[citation])
                yield CITED_TWICE.finding(rec.location("citations", index),
                                          f"'{citation}' is already cited at line {first.line}",
                                          hint="remove the repeated citation", related=(first,), key=citation)
                continue
            first_at[citation] = index
            if bib.resolve(citation) is None and bib.unread:
                not_checked.append((rec, index, citation))
            elif bib.resolve(citation) is None:
                yield UNRESOLVED.finding(rec.location("citations", index),
                                         f"citation '{citation}' resolves to no reference",
                                         hint="add the reference under guidelines/references/, or remove or "
                                              "correct the citation", key=citation)
    if not_checked:
        yield _not_checked(not_checked, bib.unread)
    # A topic file that could not be read hides its citations: every reference they cite would look orphan.
    bibliography_files = {id(doc) for doc in bib.unread}
    if bib.complete and all(doc.data is not None or id(doc) in bibliography_files for doc in ctx.corpus.documents):
        for ref in ctx.corpus.references:
            if ref.id not in cited:
                yield ORPHAN.finding(ref.location("id"), f"reference '{ref.id}' is not cited by any recommendation",
                                     hint="cite it where it supports a recommendation, or delete it", key=ref.id)


def _not_checked(citations: list[tuple[Record, int, str]], unread: tuple[Document, ...]) -> Finding:
    rec, index, citation = citations[0]
    records = len({id(cited[0]) for cited in citations})
    files = ", ".join(doc.path for doc in unread)
    return UNRESOLVED.finding(
        rec.location("citations", index),
        f"citation '{citation}' and {len(citations) - 1} more, in {records} recommendation(s), were not checked: "
        f"they resolve to no reference read, and {files} could not be read",
        hint="fix the file that could not be read (its own finding says where); the citations are checked then",
        related=tuple(doc.findings[0].location if doc.findings else Location(doc.path, 1, 1) for doc in unread),
        key=citation)


def _identifiers(ctx: Context) -> Iterator[Finding]:
    for ref in ctx.corpus.references:
        ids = ref.get("identifiers")
        if not ref.valid or not isinstance(ids, dict):
            continue
        for name, value in ids.items():
            kind = identifiers.KINDS.get(name)
            if kind is None or not isinstance(value, str) or kind.normalise(value) is not None:
                continue
            yield MALFORMED.finding(ref.location("identifiers", name), f"{kind.label} {value!r} is malformed",
                                    hint=f"expected {kind.example}", key=name)


def _duplicates(ctx: Context) -> Iterator[Finding]:
    order: dict[int, int] = {}
    keys_of: dict[int, dict[str, str]] = {}
    owner: dict[tuple[str, str], Record] = {}
    by_title: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for position, ref in enumerate(ctx.corpus.references):
        if not ref.valid:
            continue
        order[id(ref)] = position
        ids = ref.get("identifiers")
        keys = identifiers.work_keys(ids) if isinstance(ids, dict) else {}
        keys_of[id(ref)] = keys
        earlier: Record | None = None
        shared = ""
        for name, key in keys.items():
            first = owner.setdefault((name, key), ref)
            if first is not ref and first.id != ref.id and (
                    earlier is None or order[id(first)] < order[id(earlier)]):
                earlier, shared = first, name
        if earlier is not None:
            label = identifiers.KINDS[shared].label
            yield SAME_IDENTIFIER.finding(
                ref.location("identifiers", shared),
                f"same {label} as reference '{earlier.id}' ({keys[shared]}): the work is listed twice",
                hint=f"keep one entry with all identifiers and cite '{earlier.id}' instead",
                related=(earlier.location("identifiers", shared),), key=earlier.id)
        title, year = ref.get("title"), ref.get("year")
        if not isinstance(title, str) or not isinstance(year, int):
            continue
        normalised = identifiers.title_key(title)
        if len(normalised.split()) < MIN_TITLE_WORDS:
            continue
        same_title = by_title[(normalised, year)]
        if earlier is None:
            for other in same_title:
                if other.id != ref.id and not _conflicting(keys, keys_of[id(other)]):
                    yield SAME_TITLE.finding(
                        ref.location("title"),
                        f"same title and year ({year}) as reference '{other.id}': the work is probably listed twice",
                        hint=f"merge the two entries (keeping every identifier) and cite '{other.id}'",
                        related=(other.location("title"),), key=other.id)
                    break
        same_title.append(ref)


def _conflicting(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """Both name the same kind of identifier with different values: two works that merely share a title."""
    return any(name in b and b[name] != value for name, value in a.items())


CHECKS = (
    Check("citations", (UNRESOLVED, ORPHAN, CITED_TWICE, UNCITED), _citations, keys=(citation_keys,)),
    Check("reference-identifiers", (MALFORMED,), _identifiers, per_record=True),
    Check("duplicate-references", (SAME_IDENTIFIER, SAME_TITLE), _duplicates, keys=(_work_keys,)),
)
