"""The article layout: question, site boilerplate, 'Last updated', title, summary, sections with lead lines
and bullets, a References block of (type, title, 'source, year') entries, then a disclaimer and more
boilerplate.

Boilerplate is recognised by its shape and position rather than its exact wording: everything before the
'Last updated' line, short interface lines, lines that address the reader ('you', 'our'), loosely matched
site phrases, and whatever follows the last cited line when it is not article text. Parsing never raises:
whatever cannot be read becomes a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from guideline.findings import Finding, Location
from guideline.importer.rules import MALFORMED_REFERENCE, MISSING_HEADER, NOT_UTF8, OUTSIDE_SECTION

_BREAK_RE = re.compile(r"\r\n|\r|\n")
_SPACES = {**{c: " " for c in range(0x20)}, **{c: " " for c in range(0x7F, 0xA1)},
           0x1680: " ", 0x2028: " ", 0x2029: " ", 0x202F: " ", 0x205F: " ", 0x3000: " ",
           **{c: " " for c in range(0x2000, 0x200B)},
           0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None, 0x00AD: None}
_TRANSLATE = str.maketrans(_SPACES)

_BULLET_RE = re.compile(r"^(\s*)(?:[•●◦▪▫‣∙·○■□►▸➢➤*\-–—]|(?<=\s)\d{1,2}[.)])\s+(\S.*)$")
_REFERENCES_RE = re.compile(r"^\s*(?:references?|sources?|bibliography|citations|works cited|literature cited|"
                            r"cited (?:works|literature))\s*:?\s*$", re.IGNORECASE)
_DISCLAIMER_RE = re.compile(r"disclaim", re.IGNORECASE)
# Site phrases, matched loosely: any one of them marks a line as boilerplate.
_SITE_PHRASE_RE = re.compile(
    r"advisory\s+board|editorial\s+(?:policy|process|standards|team)|review\s+status|pending\s+(?:human\s+)?review|"
    r"educational\s+purposes?|personali[sz]e|tailor\s+(?:your|the|our)\s+experience|describes\s+you|"
    r"follow[- ]?up\s+questions?|ask\s+(?:a|any|your|another)\s+(?:follow[- ]?up\s+)?question|medical\s+a\.?\s?i\b|"
    r"\bsign\s+(?:in|up)\b|\blog\s?in\b|subscribe|newsletter|share\s+(?:this|article|on)|print\s+(?:this|article)|"
    r"cookies?\b|privacy\s+policy|terms\s+(?:of|and)\s+(?:use|service|conditions)|all\s+rights\s+reserved|"
    r"copyright|©|was\s+this\s+(?:article|page|answer)\s+helpful|download\s+(?:the|our)\s+app|"
    r"no\s+liability|assumes\s+no\s+(?:liability|responsibility)|disclaim|not\s+(?:a\s+substitute|intended\s+to\s+"
    r"replace)|for\s+informational\s+purposes|view\s+(?:editorial|our)|rate\s+this|related\s+(?:articles|questions)|"
    r"table\s+of\s+contents|back\s+to\s+top|read\s+more|advertisement", re.IGNORECASE)
_ADDRESS_RE = re.compile(r"\b(?:[Yy]ou|[Yy]our|[Yy]ours|[Ww]e|[Oo]ur|us)\b")
_LAST_UPDATED_RE = re.compile(r"^\s*(?:last\s+)?(?:updated|reviewed|revised|modified)\b|"
                              r"\blast\s+(?:updated|reviewed|revised|modified)\b", re.IGNORECASE)
_AFTER_CUE_RE = re.compile(r"(?:updated|reviewed|revised|modified)\b\s*(?:on\b)?\s*:?\s*", re.IGNORECASE)
_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), 1) for name in names}
_DATE_RES = (
    re.compile(r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?!\d)"),
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[A-Za-z]{3,9})\.?,?\s+(?P<year>\d{4})(?!\d)"),
    re.compile(r"(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
)
_YEAR_TAIL_RE = re.compile(r"[,;.]?\s*\(?(?P<year>(?:1[89]|20|21)\d\d)\)?\.?\s*$")
_CITE_CHARS = frozenset("0123456789 ,;")
_CLEAN_CITES_RE = re.compile(r"[1-9]\d{0,2}(?:\s*,\s*[1-9]\d{0,2})*")
# In square brackets a dash is a range ('[2-4]'); a dangling one ('[2-]') is a malformed list, not prose.
_BRACKET_CHARS = _CITE_CHARS | frozenset("-\u2013")
_CITE_ITEM = r"[1-9]\d{0,2}(?:\s*[-\u2013]\s*[1-9]\d{0,2})?"
_CLEAN_BRACKET_RE = re.compile(rf"{_CITE_ITEM}(?:\s*,\s*{_CITE_ITEM})*")
_RANGE_RE, MAX_RANGE = re.compile(r"(\d+)(?:\s*[-\u2013]\s*(\d+))?"), 20
# NICE's history label after the citations ('[new 2026]', '[2019, amended 2022]'), as published articles print it.
_HISTORY_RE = re.compile(r"\s*\*?\[(?:(?:19|20)\d\d(?:,\s*)?)?(?:(?:new|updated|amended|withdrawn)\s+(?:19|20)\d\d)?\]\*?$")
_NUMBER_GAP_RE = re.compile(r"\d(\s+)\d")
# A number right after one of these words is part of the sentence ('below 7', 'stage 4'), not a citation.
_NUMBER_WORDS = frozenset({
    "below", "above", "under", "over", "than", "least", "most", "to", "of", "and", "or", "stage", "grade",
    "class", "type", "level", "phase", "step", "score", "tier", "category", "aged", "age", "visit", "number",
    "no", "version", "per", "x", "×", "nyha", "gold", "ckd", "equals", "within", "every", "about",
    "approximately", "around"})
_COMPARATORS = ("<", ">", "≤", "≥", "=", "~", "±", "+")
_TERMINAL = ".,;:!"

REFERENCE_TYPES: dict[str, str] = {}
for _type, _labels in (
        ("guideline", ("guideline", "guidelines", "practice guideline", "clinical practice guideline",
                       "clinical guideline", "consensus statement", "position statement", "recommendation",
                       "recommendations", "guidance", "consensus guideline")),
        ("systematic-review", ("systematic review", "systematic reviews", "meta analysis", "metaanalysis",
                               "systematic review and meta analysis", "cochrane review", "meta analyses")),
        ("rct", ("randomized controlled trial", "randomised controlled trial", "rct", "clinical trial", "trial",
                 "randomized trial", "randomised trial")),
        ("cohort", ("cohort", "cohort study", "observational study", "prospective study", "retrospective study",
                    "case control study", "registry", "registry study")),
        ("narrative-review", ("review", "narrative review", "review article", "literature review",
                              "clinical review")),
        ("secondary-summary", ("summary", "clinical summary", "evidence summary", "topic overview",
                               "secondary summary", "practice summary")),
        ("label", ("label", "drug label", "fda label", "prescribing information", "package insert",
                   "product information", "smpc", "summary of product characteristics")),
        ("other", ("research", "study", "original research", "journal article", "article", "research article",
                   "case report", "case series", "editorial", "letter", "book", "textbook", "book chapter",
                   "other", "expert opinion", "website", "web page"))):
    for _label in _labels:
        REFERENCE_TYPES[_label] = _type


@dataclass(frozen=True)
class Line:
    number: int
    text: str


@dataclass(frozen=True)
class Citations:
    """The numbers at the end of a statement; `malformed` holds the printed list when it is not clean."""

    numbers: tuple[int, ...] = ()
    line: int = 0
    column: int = 0
    malformed: str = ""
    # A trailing number was read as text because of the word before it.
    held_back: str = ""

    @property
    def present(self) -> bool:
        return bool(self.numbers or self.malformed)


@dataclass(frozen=True)
class Statement:
    text: str
    line: int
    citations: Citations
    section: int | None
    group: int | None
    bullet: bool


@dataclass(frozen=True)
class Group:
    lead: str
    line: int


@dataclass(frozen=True)
class Section:
    title: str | None
    line: int
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Reference:
    number: int
    line: int
    title_line: int
    listed_as: str
    type: str | None
    title: str | None
    source: str | None
    year: int | None


@dataclass(frozen=True)
class Article:
    path: str
    question: str | None = None
    question_line: int = 0
    title: str | None = None
    title_line: int = 0
    last_updated: str | None = None
    summary: Statement | None = None
    sections: tuple[Section, ...] = ()
    statements: tuple[Statement, ...] = ()
    references: tuple[Reference, ...] = ()
    references_line: int = 0
    findings: tuple[Finding, ...] = ()


def decode(raw: bytes, path: str) -> tuple[str, list[Finding]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), []
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        finding = NOT_UTF8.finding(Location(path, line, 1),
                                   f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; the article was read as "
                                   "Windows-1252", hint="check the imported wording; save the article as UTF-8")
        return raw.decode("cp1252", errors="replace"), [finding]


def split_lines(text: str) -> list[Line]:
    return [Line(number, part.translate(_TRANSLATE).rstrip())
            for number, part in enumerate(_BREAK_RE.split(text), 1)]


def bullet_content(text: str) -> tuple[str, int] | None:
    """The text of a bullet line and its 0-based offset, or None for a line that is not a bullet."""
    match = _BULLET_RE.match(text)
    return (match.group(2), match.start(2)) if match else None


def is_site_text(text: str) -> bool:
    return bool(_SITE_PHRASE_RE.search(text))


def addresses_reader(text: str) -> bool:
    return bool(_ADDRESS_RE.search(text))


def is_boilerplate(text: str) -> bool:
    return is_site_text(text) or addresses_reader(text)


def split_citations(text: str) -> tuple[str, Citations, int]:
    """(statement, citations, offset of the citation list in text) for a line that may end in numbers."""
    text = text.rstrip()
    text = text[:match.start()] if (match := _HISTORY_RE.search(text)) and match.group().strip(" *[]") else text
    end = len(text)
    if text.endswith("]"):
        opening = text.rfind("[")
        inner = text[opening + 1:-1] if opening >= 0 else ""
        if inner and all(c in _BRACKET_CHARS for c in inner) and any(c.isdigit() for c in inner):
            return _citation_list(text, opening + 1, inner.strip(), text[:opening].rstrip(), bracketed=True)
    start = end
    while start > 0 and text[start - 1] in _CITE_CHARS:
        start -= 1
    if start > 0 and not text[start - 1].isspace():
        while start < end and text[start].isdigit():
            start += 1
    while start < end and text[start] in " ,;":
        start += 1
    if start >= end or start == 0 or not text[start - 1].isspace():
        return text, Citations(), 0
    run = text[start:]
    gaps = list(_NUMBER_GAP_RE.finditer(run))
    if gaps:
        start += gaps[-1].end(1)
        run = text[start:]
    before = text[:start].rstrip()
    if not before or not any(c.isalnum() for c in before):
        return text, Citations(), 0
    previous = before.split()[-1].lower().strip("([{\"'")
    if previous in _NUMBER_WORDS or previous.endswith(_COMPARATORS) or any(len(n) > 3 for n in re.findall(r"\d+",
                                                                                                         run)):
        return text, Citations(held_back=run.strip()), 0
    return _citation_list(text, start, run, before)


def _citation_list(text: str, start: int, run: str, before: str, bracketed: bool = False) -> tuple[str, Citations, int]:
    numbers: list[int] = []
    clean = (_CLEAN_BRACKET_RE if bracketed else _CLEAN_CITES_RE).fullmatch(run.strip()) is not None
    for match in _RANGE_RE.finditer(run):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first > last or last - first > MAX_RANGE:
            clean, last = False, first
        numbers.extend(n for n in range(first, last + 1) if n > 0)
    return before, Citations(tuple(numbers), 0, 0, "" if clean else run.strip()), start


def parse_date(text: str) -> tuple[str | None, bool]:
    """(ISO date, whether anything date-like was there) from the text after 'Last updated'."""
    for pattern in _DATE_RES:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        month = int(parts["mnum"]) if parts.get("mnum") else _MONTHS.get(parts["month"].lower())
        if month is None:
            continue
        try:
            return date(int(parts["year"]), month, int(parts["day"])).isoformat(), True
        except ValueError:
            return None, True
    return None, bool(re.search(r"\d", text[:40]))


def _words(text: str) -> int:
    return len(text.split())


def _title_shaped(text: str) -> bool:
    stripped = text.strip()
    return 0 < _words(stripped) <= 20 and len(stripped) <= 200 and stripped[-1] not in _TERMINAL


def _heading_shaped(text: str) -> bool:
    stripped = text.strip()
    return 0 < _words(stripped) <= 12 and len(stripped) <= 120 and stripped[-1] not in _TERMINAL


def _type_shaped(text: str) -> bool:
    stripped = text.strip()
    return (0 < _words(stripped) <= 5 and len(stripped) <= 48 and stripped[-1] not in _TERMINAL + "?"
            and not is_boilerplate(stripped))


def reference_type(label: str) -> str | None:
    key = " ".join(re.sub(r"[-_/]", " ", label.lower()).split())
    return REFERENCE_TYPES.get(key)


@dataclass
class _Body:
    path: str
    sections: list[Section] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def section_index(self, line: int) -> int:
        if not self.sections:
            self.sections.append(Section(None, line))
            self.findings.append(OUTSIDE_SECTION.finding(
                Location(self.path, line, 1), "statements before the first section heading go into a section "
                "called 'General'", hint="give them a heading in the article, or move them in the draft"))
        return len(self.sections) - 1

    def add_group(self, lead: str, line: int) -> int:
        index = self.section_index(line)
        section = self.sections[index]
        self.sections[index] = Section(section.title, section.line, (*section.groups, Group(lead, line)))
        return len(self.sections[index].groups) - 1


def _statement(text: str, offset: int, first: Line, last: Line, section: int | None, group: int | None,
               bullet: bool) -> Statement | None:
    """A statement from text whose last characters lie on `last`, `offset` being text's column there."""
    body, cites, start = split_citations(text)
    body = " ".join(body.split())
    if not body:
        return None
    if cites.present:
        column = offset + start + 1 if first is last else max(last.text.rfind(text[start:].strip()) + 1, 1)
        cites = Citations(cites.numbers, last.number, column, cites.malformed)
    return Statement(body, first.number, cites, section, group, bullet)


def _next_text(lines: list[Line], index: int, stop: int) -> int | None:
    while index < stop:
        if lines[index].text.strip():
            return index
        index += 1
    return None


def _paragraph_end(lines: list[Line], index: int, stop: int) -> int:
    """Index after a paragraph wrapped over several lines: it goes on while the text has not ended a sentence."""
    end = index + 1
    text = lines[index].text.strip()
    while (end < stop and lines[end].text.strip() and bullet_content(lines[end].text) is None
           and not split_citations(text)[1].present and text[-1] not in ".:?!"):
        text = lines[end].text.strip()
        end += 1
    return end


def parse_article(raw: bytes, path: str) -> Article:
    text, findings = decode(raw, path)
    lines = split_lines(text)
    count = len(lines)
    first_bullet = next((i for i, line in enumerate(lines) if bullet_content(line.text) is not None), count)

    updated_index, last_updated = _last_updated(lines, first_bullet, path, findings)
    question_limit = updated_index if updated_index is not None else first_bullet
    question_index = next((i for i in range(question_limit) if lines[i].text.rstrip().endswith("?")
                           and _words(lines[i].text) >= 3 and not is_site_text(lines[i].text)), None)
    start = max(i for i in (updated_index, question_index, -1) if i is not None) + 1

    summary_index = _find_summary(lines, start, first_bullet)
    title_end = summary_index if summary_index is not None else first_bullet
    candidates = [i for i in range(start, title_end) if lines[i].text.strip() and _title_shaped(lines[i].text)
                  and not is_boilerplate(lines[i].text) and not split_citations(lines[i].text)[1].present
                  and not _REFERENCES_RE.match(lines[i].text)]
    title_index = (candidates[-1] if summary_index is not None else candidates[0]) if candidates else None

    summary: Statement | None = None
    body_start = start
    if summary_index is not None:
        end = _paragraph_end(lines, summary_index, count)
        joined = " ".join(lines[j].text.strip() for j in range(summary_index, end))
        summary = _statement(joined, len(lines[summary_index].text) - len(lines[summary_index].text.lstrip()),
                             lines[summary_index], lines[end - 1], None, None, False)
        body_start = end
    elif title_index is not None:
        body_start = title_index + 1

    references_index = next((i for i in range(body_start, count) if _REFERENCES_RE.match(lines[i].text)), None)
    body_end = references_index if references_index is not None else count
    body = _parse_body(lines, body_start, _body_cut(lines, body_start, body_end), path)
    references: list[Reference] = []
    if references_index is not None:
        references = _parse_references(lines, references_index + 1, path, findings)

    findings.extend(_missing_headers(path, question_index, title_index, summary_index, updated_index))
    return Article(
        path=path,
        question=lines[question_index].text.strip() if question_index is not None else None,
        question_line=lines[question_index].number if question_index is not None else 0,
        title=lines[title_index].text.strip() if title_index is not None else None,
        title_line=lines[title_index].number if title_index is not None else 0,
        last_updated=last_updated,
        summary=summary,
        sections=tuple(body.sections),
        statements=tuple(body.statements),
        references=tuple(references),
        references_line=lines[references_index].number if references_index is not None else 0,
        findings=(*findings, *body.findings),
    )


def _last_updated(lines: list[Line], stop: int, path: str,
                  findings: list[Finding]) -> tuple[int | None, str | None]:
    """Index and ISO date of the 'Last updated' line before `stop`; a date it cannot read is a finding."""
    for i in range(stop):
        line_text = lines[i].text
        if _LAST_UPDATED_RE.search(line_text):
            cue = _AFTER_CUE_RE.search(line_text)
            iso, datelike = parse_date(line_text[cue.end():] if cue else "")
            if iso or datelike:
                if iso is None:
                    findings.append(MISSING_HEADER.finding(
                        Location(path, lines[i].number, 1), "the 'Last updated' date cannot be read",
                        hint="write it as 'Last updated: January 2, 2026' and re-import, or fill in "
                             "topic.last_updated"))
                return i, iso
    return None, None


def _missing_headers(path: str, question: int | None, title: int | None, summary: int | None,
                     updated: int | None) -> list[Finding]:
    headers = (("question line", question), ("title", title), ("summary paragraph", summary))
    findings = [MISSING_HEADER.finding(Location(path, 1, 1), f"no {missing} found", hint=_HEADER_HINTS[missing])
                for missing, where in headers if where is None]
    if updated is None:
        findings.append(MISSING_HEADER.finding(Location(path, 1, 1), "no 'Last updated: <date>' line found",
                                               hint=_HEADER_HINTS["date"]))
    return findings


_HEADER_HINTS = {
    "question line": "the article should start with its question, ending in '?'; fill in topic.question",
    "title": "fill in topic.title",
    "summary paragraph": "the summary is the paragraph after the title that ends in citation numbers; the topic "
                         "is imported without a summary record",
    "date": "fill in topic.last_updated (YYYY-MM-DD)",
}


def _find_summary(lines: list[Line], start: int, stop: int) -> int | None:
    """The first paragraph that ends in citations; failing that, the first long sentence."""
    for prose_only in (False, True):
        i = start
        while i < stop:
            if not lines[i].text.strip():
                i += 1
                continue
            end = _paragraph_end(lines, i, stop)
            text = " ".join(lines[j].text.strip() for j in range(i, end))
            cited = split_citations(text)[1].present
            if is_site_text(text) or (not cited and addresses_reader(text)):
                i = end
                continue
            if text.endswith(":") and not cited:
                break
            if (cited and not prose_only and _words(text) >= 5) or (
                    prose_only and _words(text) >= 12 and text[-1] in ".!"):
                return i
            i = end
    return None


def _body_cut(lines: list[Line], start: int, stop: int) -> int:
    """Where the body ends: a disclaimer, or the first boilerplate line after the last bullet or cited line."""
    stop = next((i for i in range(start, stop) if _DISCLAIMER_RE.search(lines[i].text)
                 and bullet_content(lines[i].text) is None), stop)
    last = start - 1
    for i in range(start, stop):
        text = lines[i].text
        if bullet_content(text) is not None or split_citations(text.strip())[1].present:
            last = i
    for i in range(last + 1, stop):
        text = lines[i].text.strip()
        if text and (is_boilerplate(text) or _DISCLAIMER_RE.search(text)):
            return i
    return stop


def _parse_body(lines: list[Line], start: int, stop: int, path: str) -> _Body:
    body = _Body(path)
    section: int | None = None
    group: int | None = None
    i = start
    while i < stop:
        line = lines[i]
        text = line.text
        if not text.strip():
            i += 1
            continue
        bullet = bullet_content(text)
        if bullet is not None:
            content, offset = bullet
            indent = len(text) - len(text.lstrip())
            end = i + 1
            while (end < stop and lines[end].text.strip() and bullet_content(lines[end].text) is None
                   and len(lines[end].text) - len(lines[end].text.lstrip()) > indent):
                end += 1
            joined = " ".join([content, *(lines[j].text.strip() for j in range(i + 1, end))])
            section = body.section_index(line.number) if section is None else section
            statement = _statement(joined, offset, line, lines[end - 1], section, group, True)
            if statement:
                body.statements.append(statement)
            i = end
            continue
        stripped = text.strip()
        cited = split_citations(stripped)[1].present
        if not cited and is_site_text(stripped):
            i += 1
            continue
        if not cited and stripped.endswith(":"):
            group = body.add_group(stripped, line.number)
            section = len(body.sections) - 1
            i += 1
            continue
        if not cited and _heading_shaped(stripped) and not _REFERENCES_RE.match(stripped):
            body.sections.append(Section(stripped, line.number))
            section, group = len(body.sections) - 1, None
            i += 1
            continue
        end = _paragraph_end(lines, i, stop)
        joined = " ".join(lines[j].text.strip() for j in range(i, end))
        section = body.section_index(line.number) if section is None else section
        statement = _statement(joined, len(text) - len(text.lstrip()), line, lines[end - 1], section, None, False)
        if statement:
            body.statements.append(statement)
        group = None
        i = end
    return body


def _ends_reference(text: str) -> bool:
    """Whether a line ends the reference before it: a disclaimer, or the type line of the next reference."""
    return bool(_DISCLAIMER_RE.search(text)) or (_type_shaped(text) and reference_type(text) is not None)


def _parse_references(lines: list[Line], start: int, path: str, findings: list[Finding]) -> list[Reference]:
    count = len(lines)
    references: list[Reference] = []
    i: int | None = _next_text(lines, start, count)
    while i is not None:
        label = lines[i].text.strip()
        if _DISCLAIMER_RE.search(label) or not _type_shaped(label):
            break
        kind = reference_type(label)
        number = len(references) + 1
        where = Location(path, lines[i].number, 1)
        j = _next_text(lines, i + 1, count)
        second = lines[j].text.strip() if j is not None else ""
        if j is None or _ends_reference(second):
            if kind is None:
                break
            findings.append(MALFORMED_REFERENCE.finding(where, f"reference {number} has a type line only",
                                                        hint="add its title and 'source, year' lines"))
            references.append(Reference(number, lines[i].number, lines[i].number, label, kind, None, None,
                                        None))
            i = j if j is not None and not _DISCLAIMER_RE.search(second) else None
            continue
        k = _next_text(lines, j + 1, count)
        third = lines[k].text.strip() if k is not None else ""
        second_year = _YEAR_TAIL_RE.search(second)
        third_is_next = k is None or _ends_reference(third)
        if second_year and third_is_next and _YEAR_TAIL_RE.search(third) is None:
            if kind is None:
                break
            findings.append(MALFORMED_REFERENCE.finding(where, f"reference {number} has no title line",
                                                        hint="add the title between the type and source lines"))
            source = second[:second_year.start()].rstrip(" ,;.") or None
            references.append(Reference(number, lines[i].number, lines[j].number, label, kind, None, source,
                                        int(second_year.group("year"))))
            i = k if k is not None and not _DISCLAIMER_RE.search(third) else None
            continue
        third_year = _YEAR_TAIL_RE.search(third) if k is not None else None
        if third_year is None:
            if kind is None or is_boilerplate(second):
                break
            if third_is_next:
                findings.append(MALFORMED_REFERENCE.finding(where, f"reference {number} has no source line",
                                                            hint="add a 'source, year' line after the title"))
                references.append(Reference(number, lines[i].number, lines[j].number, label, kind, second, None,
                                            None))
                i = k if k is not None and not _DISCLAIMER_RE.search(third) else None
                continue
            findings.append(MALFORMED_REFERENCE.finding(where, f"reference {number} has no year",
                                                        hint="end the source line with ', YYYY'"))
            references.append(Reference(number, lines[i].number, lines[j].number, label, kind, second,
                                        third.rstrip(" ,;.") or None, None))
        else:
            source = third[:third_year.start()].rstrip(" ,;.") or None
            if source is None:
                findings.append(MALFORMED_REFERENCE.finding(where, f"reference {number} has a year but no source",
                                                            hint="write the journal or publisher before the year"))
            references.append(Reference(number, lines[i].number, lines[j].number, label, kind, second, source,
                                        int(third_year.group("year"))))
        i = _next_text(lines, (k if k is not None else count - 1) + 1, count)
    return references
