"""Consistency within one record: GRADE paradigms for strong-on-low-certainty, wording that matches the grade,
and statement text that agrees with the structured direction, strength and doses."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from guideline.checks.base import Check, Context
from guideline.corpus.dose_text import dose_matches, dose_unit, frequency_in, number
from guideline.corpus.grading import Grade, GradingSchemes
from guideline.corpus.model import ADVISING_TYPES, INACTIVE_STATES, Record
from guideline.corpus.project import Project
from guideline.corpus.units import Frequency, Quantity, frequency, quantity
from guideline.findings import Finding, Severity
from guideline.rules import Rule

PARADIGMS_FILE = "paradigms.yaml"
LOW_CERTAINTY = frozenset({"low", "very-low"})

NO_PARADIGM = Rule(
    "GRD004", "Strong recommendation on low certainty without a paradigm", Severity.ERROR,
    "GRADE allows a strong recommendation on low or very-low certainty evidence only in five paradigmatic "
    "situations (guidelines/paradigms.yaml). Such a record must name one in strength.paradigm and explain it "
    "in strength.rationale.\nBad: class strong, certainty low, no paradigm. Good: add 'paradigm: "
    "life-threatening' and a rationale, or make the recommendation conditional.")
UNKNOWN_PARADIGM = Rule(
    "GRD005", "Unknown paradigm", Severity.ERROR,
    "strength.paradigm is not one of the paradigm ids in guidelines/paradigms.yaml. Skipped when a project "
    "has no paradigms.yaml.")
PARADIGM_DIRECTION = Rule(
    "GRD006", "Paradigm implies the other direction", Severity.ERROR,
    "The paradigm named in strength.paradigm implies a direction that the record does not have: 'uncertain "
    "benefit, certain harm' and 'potential catastrophic harm' justify only a strong recommendation against, "
    "'life-threatening situation' only one for.")
WORDING = Rule(
    "GRD007", "Wording does not match the grade", Severity.WARNING,
    "The statement uses the verb its grading scheme reserves for another grade (the 'wording' lists in "
    "guidelines/grading-schemes.yaml): GRADE recommend (strong) / suggest (conditional); NICE offer / "
    "consider / do not offer; AAOS recommend / suggest / option / unable to recommend. Checked only for "
    "statements of type recommendation that use one of the scheme's verbs; information statements are never "
    "checked.\nBad: AAOS Weak worded 'is specifically recommended'. Good: 'is an option'.")
TEXT_CONTRADICTS = Rule(
    "GRD008", "Statement contradicts its fields", Severity.WARNING,
    "The statement text says the opposite of the structured fields: it says 'do not', 'avoid' or 'recommend "
    "against' while the direction is for; it reads as a plain recommendation with no negation while the "
    "direction is against; or it says 'strong' while the strength class is not strong (or 'weak' or "
    "'conditional' while it is). Double negatives such as 'do not delay' or 'do not forget' count as for.")

STATED_DOSE = Rule(
    "TXT001", "Statement dose differs from its dosing", Severity.ERROR,
    "The statement states a dose (a number with a dose unit) that none of the record's dosing entries has, "
    "so the published text and the structured dose disagree. Doses compare after unit normalisation (1 g is "
    "1000 mg, 1000-1200 mg/day is 1000-1200 mg daily); a range must match the entry's range. Only records "
    "with dosing entries are checked, and thresholds ('CrCl below 30 mL/min'), caps ('maximum 4 g') and "
    "concentrations are not doses.\nBad: 'Vitamin D 100 IU daily' with a dosing entry of 400 IU. Good: the "
    "statement and the entry both say 400 IU.")
UNSTATED_DOSE = Rule(
    "TXT002", "Dosing entry not in its statement", Severity.WARNING,
    "A dosing entry's dose is not among the doses its statement states, while every dose the statement does "
    "state has its entry: the structured data says more than the article prints. Statements that state no "
    "dose at all are not checked.")
STATED_FREQUENCY = Rule(
    "TXT003", "Statement frequency differs from its dosing", Severity.ERROR,
    "The statement gives a dose with a frequency ('200 IU daily', '70 mg weekly', '5 mg/day'), and the "
    "dosing entries with that dose state another frequency. Frequencies compare by doses per day (bid is "
    "twice daily, q8h three times daily).")
NON_FINITE_DOSE = Rule(
    "TXT004", "Dose not a finite number", Severity.ERROR,
    "A dosing entry's dose or dose_max is NaN or infinite (YAML .nan, .inf): no article can print it and no "
    "dose check can compare it.")
HIDDEN_CHARACTER = Rule(
    "TXT005", "Invisible or bidirectional control character", Severity.ERROR,
    "A text field of a topic, recommendation or reference holds a character that is not displayed or that "
    "reorders the text around it: bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, "
    "U+061C), zero-width characters (U+200B-U+200D, U+2060, U+FEFF), the soft hyphen or another control "
    "character. '10\\u202e01' displays as '1010': what the board reads is not what is stored.")

RULES = (NO_PARADIGM, UNKNOWN_PARADIGM, PARADIGM_DIRECTION, WORDING, TEXT_CONTRADICTS, STATED_DOSE,
         UNSTATED_DOSE, STATED_FREQUENCY, NON_FINITE_DOSE, HIDDEN_CHARACTER)



def _in_force(rec: Record) -> bool:
    return rec.valid and rec.get("review_state") not in INACTIVE_STATES


@dataclass(frozen=True)
class Paradigm:
    id: str
    label: str
    direction: str | None


def load_paradigms(project: Project) -> dict[str, Paradigm] | None:
    """Paradigms by id, or None when the project has no (readable) paradigms.yaml."""
    doc = project.data_document(PARADIGMS_FILE)
    if doc is None or not isinstance(doc.data, dict) or not isinstance(doc.data.get("paradigms"), list):
        return None
    found: dict[str, Paradigm] = {}
    for item in doc.data["paradigms"]:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            direction = item.get("direction")
            found[item["id"]] = Paradigm(item["id"], str(item.get("label", item["id"])),
                                         direction if direction in ("for", "against") else None)
    return found


def grade_of(rec: Record, grading: GradingSchemes) -> Grade | None:
    strength = rec.get("strength")
    if not isinstance(strength, dict) or not isinstance(strength.get("scheme"), str) \
            or not isinstance(strength.get("grade"), str):
        return None
    version = str(strength["version"]) if strength.get("version") is not None else None
    return grading.lookup(strength["scheme"], version, strength["grade"])


def strength_class(rec: Record, grading: GradingSchemes) -> str | None:
    strength = rec.get("strength")
    if isinstance(strength, dict) and isinstance(strength.get("class"), str):
        return str(strength["class"])
    grade = grade_of(rec, grading)
    return grade.strength_class if grade else None


def _paradigms(ctx: Context) -> Iterator[Finding]:
    known = load_paradigms(ctx.project)
    for rec in ctx.corpus.recommendations:
        strength = rec.get("strength")
        if not _in_force(rec) or not isinstance(strength, dict):
            continue
        paradigm = strength.get("paradigm")
        if (strength_class(rec, ctx.project.grading) == "strong" and rec.get("certainty") in LOW_CERTAINTY
                and rec.get("statement_type") in ADVISING_TYPES):
            missing = [name for name in ("paradigm", "rationale")
                       if not isinstance(strength.get(name), str) or not strength[name].strip()]
            if missing:
                options = ", ".join(sorted(known)) if known else "see guidelines/paradigms.yaml"
                yield NO_PARADIGM.finding(
                    rec.location("strength"),
                    f"strong recommendation on {rec.get('certainty')} certainty evidence without "
                    f"{' and '.join('strength.' + m for m in missing)}",
                    hint=f"name the GRADE paradigm that justifies it ({options}) and explain it in "
                         f"strength.rationale, or make the recommendation conditional",
                    key="+".join(missing))
        if not isinstance(paradigm, str) or known is None:
            continue
        if paradigm not in known:
            yield UNKNOWN_PARADIGM.finding(rec.location("strength", "paradigm"),
                                           f"'{paradigm}' is not a paradigm of guidelines/{PARADIGMS_FILE}",
                                           hint="paradigms: " + ", ".join(sorted(known)), key=paradigm)
            continue
        implied = known[paradigm].direction
        direction = rec.get("direction")
        if implied and direction in ("for", "against", "none") and direction != implied:
            yield PARADIGM_DIRECTION.finding(
                rec.location("direction"),
                f"paradigm '{paradigm}' ({known[paradigm].label}) justifies a strong recommendation "
                f"{implied}, but the direction is '{direction}'",
                hint=f"set direction: {implied}, or name the paradigm that applies", key=paradigm)


# Wording in the statement is matched on words, with the usual inflections (recommends, recommended,
# recommendation) and a few paraphrases of "unable to" that articles use.
_PARAPHRASES = (
    (re.compile(r"\binability to\b"), "unable to"),
    (re.compile(r"\b(?:cannot|can not|can't|could not|not able to)\b"), "unable to"),
    (re.compile(r"\bdon't\b"), "do not"),
    (re.compile(r"[\u2010-\u2015]"), " - "),
)
_SUFFIX = r"(?:s|es|ed|d|ing|ation|ations|ion|ions)?"


# The paraphrase patterns run only on text holding one of their literals: most statements hold none.
_PARAPHRASE_LITERALS = re.compile("inability|can|could|not able|don't|[\u2010-\u2015]")


@lru_cache(maxsize=4096)
def normalise_statement(text: str) -> str:
    out = " ".join(text.lower().replace("’", "'").split())
    if _PARAPHRASE_LITERALS.search(out):
        for pattern, replacement in _PARAPHRASES:
            out = pattern.sub(replacement, out)
    return out


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    # The cue's first word, which a matching text must contain: a cheap test before the pattern.
    first_word: str
    grades: tuple[str, ...]


def _cue_pattern(words: list[str]) -> re.Pattern[str]:
    parts = [re.escape(w) + (_SUFFIX if len(w) >= 4 else "") for w in words]
    return re.compile(r"\b" + r"\s+".join(parts) + r"\b")


@cache
def _scheme_cues(cues: tuple[tuple[str, str], ...]) -> tuple[_Cue, ...]:
    """Cues with the grades that use them, longest first so that 'recommend against' wins over 'recommend'."""
    grades_of: dict[str, list[str]] = {}
    for grade, cue in cues:
        grades_of.setdefault(normalise_statement(cue), []).append(grade)
    ordered = sorted(grades_of, key=lambda cue: (-len(cue), cue))
    return tuple(_Cue(_cue_pattern(cue.split()), cue.split()[0], tuple(grades_of[cue])) for cue in ordered)


def cues_of(grades: dict[str, Grade]) -> tuple[_Cue, ...]:
    return _scheme_cues(tuple((g.grade, cue) for g in grades.values() for cue in g.wording))


def wording_matches(text: str, cues: tuple[_Cue, ...]) -> list[tuple[str, str]]:
    """(grade, matched text) for every scheme verb (`cues_of` a scheme's grades) found; each stretch of text
    counts once."""
    remaining = normalise_statement(text)
    found: list[tuple[str, str]] = []
    for cue in cues:
        if cue.first_word not in remaining:
            continue
        matches = list(cue.pattern.finditer(remaining))
        for match in matches:
            found.extend((grade, match.group(0)) for grade in cue.grades)
        if matches:
            remaining = cue.pattern.sub(lambda m: " " * len(m.group(0)), remaining)
    return found


def _wording(ctx: Context) -> Iterator[Finding]:
    grading = ctx.project.grading
    scheme_cues: dict[tuple[str, str | None], tuple[_Cue, ...]] = {}
    for rec in ctx.corpus.recommendations:
        statement = rec.get("statement")
        if (not _in_force(rec) or rec.get("statement_type") != "recommendation"
                or not isinstance(statement, str)):
            continue
        grade = grade_of(rec, grading)
        if grade is None or not grade.wording:
            continue
        scheme = (grade.scheme, grade.version)
        cues = scheme_cues.get(scheme)
        if cues is None:
            cues = scheme_cues[scheme] = cues_of(grading.grades_of(*scheme) or {})
        if not cues:
            continue
        matches = wording_matches(statement, cues)
        if not matches or any(g.lower() == grade.grade.lower() for g, _ in matches):
            continue
        other_grade, said = matches[0]
        label = f"{grade.scheme} {grade.version}" if grade.version else grade.scheme
        expected = " / ".join(f"'{w}'" for w in grade.wording)
        yield WORDING.finding(
            rec.location("statement"),
            f"the statement says '{said}', which {label} uses for grade '{other_grade}'; "
            f"grade '{grade.grade}' is worded {expected}",
            hint=f"reword the statement with {expected}, or correct the grade", key=grade.grade)


_DOUBLE_NEGATIVE = (r"(?:be\s+)?(?:delay|forget|withhold|withheld|omit|stop|discontinu|miss|neglect|"
                    r"interrupt|defer|overlook|hesitat|wait|underus|undertreat|ignor|skip|postpon|fail)")
_NEGATIVE = (
    re.compile(r"(?:^|[.;:!?,(\-]\s*|\b(?:and|but|then|so)\s+)(do not|never|avoid)\s+(?!"
               + _DOUBLE_NEGATIVE + r")\w+"),
    re.compile(r"\b(?:should|must|shall) not\s+(?!" + _DOUBLE_NEGATIVE + r")\w+"),
    re.compile(r"\bnot (?:be )?(?:recommended|advised|indicated|offered|prescribed|used|given)\b"),
    re.compile(r"\b(?:recommend|suggest|advis|advice|option)\w*\s+(?:\w+\s+){0,3}?against\b"),
)
_FOR_OR_AGAINST = re.compile(r"\bfor\s+(?:or|nor)\s+against\b")
_ANY_NEGATION = re.compile(r"\b(?:not|no|never|against|avoid\w*|without|insufficient|unable|discourag\w*|"
                           r"stop\w*|discontinu\w*|withdraw\w*|contraindicat\w*|neither|nor|instead)\b")
_POSITIVE = re.compile(r"\b(?:recommend\w*|suggest\w*|offer\w*|advise\w*|is an option)\b")
_STRONG = re.compile(r"\bstrong(?:ly)?\s+(?:\w+\s+){0,1}?(?:recommend\w*|suggest\w*|advis\w*|in favou?r)")
_WEAK = re.compile(r"\b(?:weak(?:ly)?|conditional(?:ly)?)\s+(?:\w+\s+){0,1}?(?:recommend\w*|suggest\w*)")


# Every negative pattern needs one of these words; text without any cannot match.
_NEGATIVE_LITERALS = ("not", "never", "avoid", "against")


def negative_cue(text: str) -> str | None:
    normalised = normalise_statement(text)
    if not any(literal in normalised for literal in _NEGATIVE_LITERALS):
        return None
    normalised = _FOR_OR_AGAINST.sub(" ", normalised)
    for pattern in _NEGATIVE:
        match = pattern.search(normalised)
        if match:
            return match.group(0).strip(" .;:!?,(-")
    return None


def _text_vs_fields(ctx: Context) -> Iterator[Finding]:
    grading = ctx.project.grading
    for rec in ctx.corpus.recommendations:
        statement = rec.get("statement")
        if (not _in_force(rec) or rec.get("statement_type") not in ADVISING_TYPES
                or not isinstance(statement, str)):
            continue
        direction = rec.get("direction")
        text = normalise_statement(statement)
        if direction == "for":
            cue = negative_cue(statement)
            if cue:
                yield TEXT_CONTRADICTS.finding(
                    rec.location("direction"), f"the statement says '{cue}' but the direction is 'for'",
                    hint="set direction: against, or reword the statement", key="direction")
        elif direction == "against" and not _ANY_NEGATION.search(_FOR_OR_AGAINST.sub(" ", text)):
            positive = _POSITIVE.search(text)
            if positive:
                yield TEXT_CONTRADICTS.finding(
                    rec.location("direction"),
                    f"the statement reads as a recommendation for ('{positive.group(0)}', no negation) "
                    f"but the direction is 'against'",
                    hint="set direction: for, or reword the statement", key="direction")
        declared = strength_class(rec, grading)
        strong = _STRONG.search(text) if "strong" in text else None
        weak = _WEAK.search(text) if "weak" in text or "conditional" in text else None
        if strong and declared not in (None, "strong"):
            yield TEXT_CONTRADICTS.finding(
                rec.location("strength"),
                f"the statement says '{strong.group(0)}' but the strength class is '{declared}'",
                hint="correct the grade, or drop 'strong' from the statement", key="strength")
        elif weak and declared == "strong":
            yield TEXT_CONTRADICTS.finding(
                rec.location("strength"),
                f"the statement says '{weak.group(0)}' but the strength class is 'strong'",
                hint="correct the grade, or reword the statement", key="strength")


@dataclass(frozen=True)
class _Dose:
    """A dose as the statement states it or a dosing entry records it; position is the entry's index."""

    amount: Quantity
    frequency: Frequency | None
    text: str
    position: int = -1

    def daily(self) -> Quantity | None:
        if self.amount.per_day:
            return self.amount
        per_day = self.frequency.per_day if self.frequency else None
        return replace(self.amount.scaled(per_day), per_day=True) if per_day is not None else None

    def same_amount(self, other: _Dose) -> bool:
        """Whether this stated dose is the entry other: the same amount per dose, or per day. A stated dose
        with no frequency of its own may be either ('the total daily dose is 10 mg' for 5 mg twice daily)."""
        theirs = other.daily()
        if self.frequency is None and not self.amount.per_day and theirs is not None and _equal(
                replace(self.amount, per_day=True), theirs):
            return True
        if self.amount.per_day != other.amount.per_day:
            mine = self.daily()
            return mine is not None and theirs is not None and _equal(mine, theirs)
        return _equal(self.amount, other.amount)


def _equal(a: Quantity, b: Quantity) -> bool:
    return a.unit == b.unit and math.isclose(a.low, b.low) and math.isclose(a.high, b.high)


def _finite(value: Any) -> float | None:
    """The value as a float when it is a finite number."""
    finite = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if finite else None


def _shown(value: float) -> str:
    return f"{value:g}"


def _stated_doses(statement: str) -> list[_Dose]:
    """The doses the statement states, each with the frequency written after it (before the next dose or the
    next comma), or daily for a per-day unit."""
    matches = dose_matches(statement)
    doses = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(statement)
        stops = [p for p in (statement.find(c, match.end()) for c in ",;") if p >= 0]
        said = frequency_in(statement[match.end():min([end, *stops])])
        top = number(match.group("max")) if match.group("max") else None
        unit = dose_unit(match) + ("/day" if match.group("per") else "")
        doses.append(_Dose(quantity(number(match.group("num")), top, unit),
                           frequency(said) if said else None, " ".join(match.group(0).split())))
    return doses


def _entry_doses(rec: Record) -> Iterator[tuple[int, dict[str, Any], _Dose | None]]:
    """Each dosing entry, with its dose when it has a finite amount and a unit."""
    for position, raw in enumerate(rec.list_of("dosing")):
        if not isinstance(raw, dict):
            continue
        dose, top, unit = _finite(raw.get("dose")), _finite(raw.get("dose_max")), raw.get("unit")
        if dose is None or not isinstance(unit, str) or (top is None and raw.get("dose_max") is not None):
            yield position, raw, None
            continue
        said = raw.get("frequency")
        amount = quantity(dose, top, unit)
        written = f"{_shown(dose)}-{_shown(top)}" if top is not None else _shown(dose)
        label = " ".join(str(v) for v in (raw.get("agent"), written, unit, raw.get("route"), said) if v)
        yield position, raw, _Dose(amount, frequency(said) if isinstance(said, str) else None, label, position)


def _non_finite(rec: Record, position: int, raw: dict[str, Any]) -> Iterator[Finding]:
    for name in ("dose", "dose_max"):
        value = raw.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            yield NON_FINITE_DOSE.finding(rec.location("dosing", position, name),
                                          f"dosing entry {position + 1} has {name} {value}",
                                          hint="write the dose as a number", key=f"{position} {name}")


def _dose_findings(rec: Record, statement: str) -> Iterator[Finding]:
    entries: list[_Dose] = []
    for position, raw, dose in _entry_doses(rec):
        if dose is None:
            yield from _non_finite(rec, position, raw)
        else:
            entries.append(dose)
    stated = _stated_doses(statement) if entries else []
    if not stated:
        return
    matched: set[int] = set()
    unmatched: list[_Dose] = []
    for said in stated:
        same = [entry for entry in entries if said.same_amount(entry)]
        matched.update(entry.position for entry in same)
        if not same:
            unmatched.append(said)
        elif said.frequency and all(e.frequency and not said.frequency.same_as(e.frequency) for e in same):
            yield STATED_FREQUENCY.finding(
                rec.location("dosing", same[0].position, "frequency"),
                f"the statement says '{said.text}' {said.frequency.label} but the dosing entry says "
                f"{same[0].text}", hint="make the statement and the dosing entry give the same frequency",
                related=(rec.location("statement"),), key=said.text)
    others = [entry for entry in entries if entry.position not in matched]
    for said in unmatched:
        candidates = [e for e in others if e.amount.unit == said.amount.unit] or others or entries
        yield STATED_DOSE.finding(
            rec.location("statement"),
            f"the statement says '{said.text}' but no dosing entry has that dose (dosing: "
            f"{'; '.join(e.text for e in candidates)})",
            hint="correct the statement or the dosing entry: the article prints the statement",
            related=tuple(rec.location("dosing", e.position, "dose") for e in candidates), key=said.text)
    if not unmatched:
        for entry in others:
            yield UNSTATED_DOSE.finding(
                rec.location("dosing", entry.position, "dose"),
                f"dosing entry {entry.text} is not a dose the statement states "
                f"({', '.join(s.text for s in stated)})",
                hint="state the dose in the statement, or remove the entry", key=str(entry.amount))


def _statement_doses(ctx: Context) -> Iterator[Finding]:
    for rec in ctx.corpus.recommendations:
        statement = rec.get("statement")
        if _in_force(rec) and isinstance(statement, str) and rec.list_of("dosing"):
            yield from _dose_findings(rec, statement)


# Tab and line breaks are ordinary text; everything else here is invisible or reorders what follows it.
_HIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _may_hide(data: Any) -> bool:
    """Whether a record may hold a hidden character: one C-speed pass over it as JSON, which escapes C0
    controls as \\u00XX and leaves the rest as they are; only records that pass it are walked."""
    dumped = json.dumps(data, ensure_ascii=False, default=str)
    if "\\u00" in dumped:
        return True
    return ("\x7f" in dumped) if dumped.isascii() else _HIDDEN_RE.search(dumped) is not None


def _hidden_characters(ctx: Context) -> Iterator[Finding]:
    for rec in ctx.corpus.records():
        if not rec.valid or not _may_hide(rec.data):
            continue
        for path, text in _strings(rec.data, ()):
            match = _HIDDEN_RE.search(text)
            if match:
                shown = ".".join(str(p) for p in path)
                yield HIDDEN_CHARACTER.finding(
                    rec.location(*path),
                    f"{shown} holds U+{ord(match.group(0)):04X} at character {match.start() + 1}, which is "
                    f"invisible or reorders the text",
                    hint="delete the character (retype the text around it if unsure)", key=shown)


CHECKS = (
    Check("grade-paradigms", (NO_PARADIGM, UNKNOWN_PARADIGM, PARADIGM_DIRECTION), _paradigms, per_record=True),
    Check("grade-wording", (WORDING,), _wording, per_record=True),
    Check("statement-fields", (TEXT_CONTRADICTS,), _text_vs_fields, per_record=True),
    Check("statement-doses", (STATED_DOSE, UNSTATED_DOSE, STATED_FREQUENCY, NON_FINITE_DOSE), _statement_doses,
          per_record=True),
    Check("hidden-characters", (HIDDEN_CHARACTER,), _hidden_characters, per_record=True),
)
