"""Rules the importer reports: defects of the article itself, found while converting it."""

from __future__ import annotations

from guideline.findings import Severity
from guideline.rules import Rule

UNKNOWN_CITATION = Rule(
    "IMP001", "Citation has no reference", Severity.ERROR,
    "A statement ends in a citation number that the article's References block does not have (the block "
    "numbers its entries 1, 2, 3... in order). The draft keeps the citation as '<topic>-ref-N' so that "
    "'guideline validate' reports it as unresolved (REF001) until an editor adds the reference or removes the "
    "citation. Bad: a bullet ending '5, 6' when the References block lists five entries. Good: every number "
    "has an entry.")
MALFORMED_CITATIONS = Rule(
    "IMP002", "Malformed citation list", Severity.ERROR,
    "The citation numbers at the end of a statement are not a clean comma-separated list of numbers from 1 "
    "up: a doubled comma, a trailing comma or a 0. The numbers that can be read are kept. Bad: '2,, 4', "
    "'1, 2,', '0'. Good: '2, 4'.")
UNCITED_REFERENCE = Rule(
    "IMP003", "Reference never cited", Severity.WARNING,
    "An entry of the References block that no statement cites. It is imported all the same; cite it where it "
    "belongs or drop it from the article.")
DUPLICATE_REFERENCE = Rule(
    "IMP004", "Reference listed twice", Severity.WARNING,
    "Two entries of the References block have the same title, source and year (ignoring case, punctuation "
    "and spacing). Both are imported, because citations use their numbers; the later one carries a note. "
    "Merge them in the article, then point the citations at one.")
NO_REFERENCES = Rule(
    "IMP005", "No References block", Severity.WARNING,
    "The article has no 'References' heading with entries after it, so no citation can be resolved. The "
    "drafts keep their citation ids ('<topic>-ref-N'), which 'guideline validate' reports as unresolved.")
MISSING_HEADER = Rule(
    "IMP006", "Article header incomplete", Severity.WARNING,
    "The article lacks (or the importer could not find) one of: the question line, the 'Last updated: "
    "<date>' line, the title, the summary paragraph. The topic field stays empty and 'guideline validate' "
    "asks for it; fill it in by hand.")
UNCITED_STATEMENT = Rule(
    "IMP007", "Statement without citation", Severity.WARNING,
    "A bullet (or a paragraph that is imported as a statement) does not end in citation numbers. A number "
    "that follows a word such as 'below', 'stage' or '<' is read as part of the text, not as a citation.")
NOT_AN_ARTICLE = Rule(
    "IMP008", "Layout not recognised", Severity.ERROR,
    "No statement could be found: the file has no bullet lines, no summary paragraph and no prose ending in "
    "citation numbers. Nothing is written. Check that the file is an article in the site's plain-text layout.")
UNKNOWN_REFERENCE_TYPE = Rule(
    "IMP009", "Unknown reference type", Severity.INFO,
    "The type line of a reference (Guideline, Research, Systematic review, ...) is not one the importer maps "
    "to a reference type; the reference is imported as 'other' and keeps the printed label in listed_as.")
NOT_EXTRACTED = Rule(
    "IMP010", "Not extracted", Severity.INFO,
    "A field that the importer fills from the statement's words (intervention, population, dosing agent...) "
    "could not be filled: no vocabulary label or synonym occurs in the text, or a dose has no agent. The "
    "field stays empty in the draft; fill it in, or add the missing concept to guidelines/vocabulary.yaml and "
    "re-import with --update.")
MALFORMED_REFERENCE = Rule(
    "IMP011", "Malformed reference entry", Severity.WARNING,
    "A References entry is not the three lines type, title, 'source, year': the title, the source or the "
    "year is missing. The fields that were found are imported; 'guideline validate' reports the missing ones.")
NOT_UTF8 = Rule(
    "IMP012", "Article not UTF-8", Severity.WARNING,
    "The article is not valid UTF-8 text; it was read as Windows-1252. Check the imported wording, then "
    "re-save the article as UTF-8.")
OUTSIDE_SECTION = Rule(
    "IMP013", "Statement outside a section", Severity.WARNING,
    "Bullets or lead lines come before the first section heading; they are imported into a section "
    "called 'General'. Give them a heading in the article, or move them in the draft.")

RULES: tuple[Rule, ...] = (
    UNKNOWN_CITATION, MALFORMED_CITATIONS, UNCITED_REFERENCE, DUPLICATE_REFERENCE, NO_REFERENCES,
    MISSING_HEADER, UNCITED_STATEMENT, NOT_AN_ARTICLE, UNKNOWN_REFERENCE_TYPE, NOT_EXTRACTED,
    MALFORMED_REFERENCE, NOT_UTF8, OUTSIDE_SECTION,
)
