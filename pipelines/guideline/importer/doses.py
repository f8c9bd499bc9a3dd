"""Doses from a statement's words: agent, amount, unit, route, frequency, duration and the criterion that
applies; a threshold ('below 30 mL/min'), a cap ('maximum 1000 mg') or a concentration is not a dose."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DRUG_KINDS = frozenset({"drug", "drug-class"})

_NUM = r"\d+(?:[.,]\d+)?"
_DOSE_RE = re.compile(
    rf"(?<![\w.,/-])(?P<num>{_NUM})(?:\s*(?:-|–|—|to)\s*(?P<max>{_NUM}))?\s*"
    r"(?P<unit>mg/kg|mcg/kg|µg/kg|μg/kg|mg|mcg|µg|μg|ug|g|IU|iu|international\s+units|units?|mL|ml|mmol|mEq|meq|"
    r"puffs?|tablets?|capsules?|drops?)(?![A-Za-z0-9µμ])"
    r"(?P<per>\s*/\s*(?:day|d|24\s*h)\b|\s+per\s+day\b)?")
# A threshold ('below 30 mL/min'), a cap ('maximum 1000 mg') or a titration step ('increase by 500 mg').
_THRESHOLD_BEFORE_RE = re.compile(r"(?:[<>≤≥=]|less\s+than|more\s+than|greater\s+than|below|above|under|over|"
                                  r"at\s+least|exceeds?|exceeding|maximum(?:\s+of)?|max\.?|not\s+exceeding|"
                                  r"no\s+more\s+than|\bby)\s*$", re.IGNORECASE)
_CONCENTRATION_AFTER_RE = re.compile(r"^\s*/\s*(?:dl|l|min|ml|m2|m²|h|hr|hour)\b", re.IGNORECASE)
_UNITS = {"µg": "mcg", "μg": "mcg", "ug": "mcg", "iu": "IU", "unit": "units", "ml": "mL", "meq": "mEq",
          "µg/kg": "mcg/kg", "μg/kg": "mcg/kg", "tablet": "tablets", "capsule": "capsules", "puff": "puffs",
          "drop": "drops"}
_ROUTES: tuple[tuple[str, str, int], ...] = (
    ("intranasal", r"nasal\s+spray|intranasal(?:ly)?|nasally|nasal", re.IGNORECASE),
    ("rectal", r"suppositor(?:y|ies)|rectal(?:ly)?|per\s+rectum", re.IGNORECASE),
    ("subcutaneous", r"subcutaneous(?:ly)?|subcut", re.IGNORECASE),
    ("intramuscular", r"intramuscular(?:ly)?", re.IGNORECASE),
    ("intravenous", r"intravenous(?:ly)?|infusion", re.IGNORECASE),
    ("oral", r"oral(?:ly)?|by\s+mouth|tablets?|capsules?", re.IGNORECASE),
    ("inhaled", r"inhaled|inhalation|inhaler|nebuli[sz]ed", re.IGNORECASE),
    ("sublingual", r"sublingual(?:ly)?", re.IGNORECASE),
    ("transdermal", r"transdermal(?:ly)?|patch(?:es)?", re.IGNORECASE),
    ("topical", r"topical(?:ly)?", re.IGNORECASE),
    ("subcutaneous", r"SC|SQ|s\.c\.", 0),
    ("intramuscular", r"IM|i\.m\.", 0),
    ("intravenous", r"IV|i\.v\.", 0),
    ("oral", r"PO|p\.o\.", 0),
    ("rectal", r"PR", 0),
)
_ROUTE_RES = tuple((name, re.compile(rf"(?<![\w.])(?:{pattern})(?![\w])", flags)) for name, pattern, flags in _ROUTES)
_FREQUENCIES: tuple[tuple[str, str], ...] = (
    ("every other day", r"every\s+other\s+day|(?:on\s+)?alternate\s+days|every\s+second\s+day"),
    ("twice daily", (r"twice[\s-](?:a\s+|per\s+)?(?:daily|day)|two\s+times\s+(?:a\s+|per\s+)?(?:daily|day)|"
                     r"\bbid\b|b\.i\.d\.|every\s+12\s+hours|\bq12h\b")),
    ("three times daily", (r"three\s+times\s+(?:a\s+|per\s+)?(?:daily|day)|thrice\s+daily|\btid\b|t\.i\.d\.|"
                           r"every\s+8\s+hours|\bq8h\b")),
    ("four times daily", (r"four\s+times\s+(?:a\s+|per\s+)?(?:daily|day)|\bqid\b|q\.i\.d\.|"
                          r"every\s+6\s+hours|\bq6h\b")),
    ("twice weekly", r"twice[\s-](?:a\s+|per\s+)?week(?:ly)?|two\s+times\s+(?:a\s+|per\s+)?week(?:ly)?"),
    ("times weekly", r"(?:\d+|three|four|five|six)\s+times\s+(?:a\s+|per\s+)?week(?:ly)?"),
    ("weekly", r"once[\s-](?:a\s+|per\s+)?week(?:ly)?|\bweekly\b|every\s+week\b"),
    ("monthly", r"once[\s-](?:a\s+|per\s+)?month(?:ly)?|\bmonthly\b|every\s+month\b"),
    ("yearly", r"once[\s-](?:a\s+|per\s+)?year(?:ly)?|\byearly\b|\bannually\b|every\s+year\b"),
    ("daily", r"once[\s-](?:a\s+|per\s+)?(?:daily|day)|\bdaily\b|every\s+day\b|each\s+day\b|per\s+day\b|\bqd\b"),
    ("at bedtime", r"at\s+bedtime|\bnightly\b|at\s+night\b"),
    ("once", r"(?:as\s+a\s+)?single\s+dose|once\s+only|one[\s-]time\s+dose"),
    ("every", r"every\s+\d+(?:\s*[-–]\s*\d+)?\s*(?:hours?|days?|weeks?|months?|years?)\b|\bq\d+h\b"),
)
_FREQUENCY_RE = re.compile("|".join(f"(?P<f{i}>{pattern})" for i, (_, pattern) in enumerate(_FREQUENCIES)),
                           re.IGNORECASE)
_DURATION_RE = re.compile(r"\bfor\s+(?:a\s+(?:total\s+)?of\s+|up\s+to\s+|at\s+least\s+)?"
                          r"(\d+(?:\s*[-–]\s*\d+)?\s*(?:days?|weeks?|months?|years?))\b|[x×]\s*(\d+\s*(?:days?|weeks?))\b",
                          re.IGNORECASE)
_NOT_NAMES = frozenset({"from", "to", "of", "and", "or", "by", "with", "at", "in", "for", "than", "dose", "doses",
                        "daily", "then", "up", "about", "approximately", "total", "maximum", "minimum", "plus"})
_NUMBER_WORDS = {"three": "3", "four": "4", "five": "5", "six": "6"}
_ALTERNATIVE_RE = re.compile(r"^\s*alternative(?:ly)?\b|\balternative\s+(?:dosing|regimen|dose|schedule)\b|"
                             r"\bas\s+an\s+alternative\b", re.IGNORECASE)
_CRITERION_RE = re.compile(
    r"\b(?:if|when|in\s+(?:patients|those)\s+with|for\s+(?:patients|those)\s+with|with)\b[^;]*?"
    r"(?:[<>≤≥]|less\s+than|greater\s+than|more\s+than|at\s+least|or\s+more|or\s+less|below|above)[^;]*",
    re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A vocabulary concept found at [start, end) of a statement."""

    concept: str
    kind: str | None
    start: int
    end: int


def dosing(text: str, spans: Sequence[Span], context_drugs: Sequence[str]) -> tuple[list[dict[str, Any]],
                                                                                   list[str]]:
    """The statement's doses, one per route, and those whose agent could not be told. A dose's agent is the
    drug named before it (in its sentence, after the previous dose) or just after it, else the previous dose's."""
    matches = [m for m in _DOSE_RE.finditer(text)
               if not _THRESHOLD_BEFORE_RE.search(text[max(0, m.start() - 15):m.start()])
               and not _CONCENTRATION_AFTER_RE.match(text[m.end():])
               and _number(m.group("num")) > 0]
    drugs = [s for s in spans if s.kind in DRUG_KINDS]
    alternative = bool(_ALTERNATIVE_RE.search(text))
    doses: list[dict[str, Any]] = []
    missing: list[str] = []
    previous_agent: str | None = None
    for index, match in enumerate(matches):
        next_start = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        earlier_end = matches[index - 1].end() if index else 0
        sentence_start = max(text.rfind(";", 0, match.start()), text.rfind(". ", 0, match.start()))
        agent_span = next((s for s in reversed(drugs) if max(earlier_end, sentence_start) <= s.start
                           and s.end <= match.start()), None)
        if agent_span is None:
            agent_span = next((s for s in drugs if 0 <= s.start - match.end() <= 6
                               and re.fullmatch(r"\s*(?:of\s+)?", text[match.end():s.start])), None)
        agent = agent_span.concept if agent_span else previous_agent
        if agent is None and len(context_drugs) == 1:
            agent = context_drugs[0]
        if agent is None:
            name = re.search(r"([A-Za-z][\w-]{2,})\s*$", text[max(0, match.start() - 40):match.start()])
            guess = (f" ('{name.group(1)}' is not a vocabulary concept)"
                     if name and name.group(1).lower() not in _NOT_NAMES else "")
            missing.append(f"dosing agent for '{match.group(0).strip()}'{guess}")
            continue
        previous_agent = agent
        window_end = min([next_start, *(p for p in (text.find(c, match.end()) for c in ",;") if p >= 0)])
        window = text[match.end():window_end]
        pre_start = agent_span.start - 25 if agent_span and agent_span.end <= match.start() else match.start() - 25
        boundary = max(text.rfind(c, 0, match.start()) for c in ",;(")
        pre = text[max(0, pre_start, boundary + 1, earlier_end):match.start()]
        routes = _routes(pre + " " + window)
        frequency = _frequency(window) or ("daily" if match.group("per") else None)
        duration = _duration(window)
        criterion = _criterion(text[match.end():min(next_start, _sentence_end(text, match.end()))])
        unit = " ".join(match.group("unit").split())
        unit = _UNITS.get(unit.lower(), _UNITS.get(unit, unit)) if unit not in ("IU", "mg", "mL") else unit
        if unit.lower() == "international units":
            unit = "IU"
        amount = _number(match.group("num"))
        upper = _number(match.group("max")) if match.group("max") else None
        for route in routes or [""]:
            dose: dict[str, Any] = {"agent": agent, "dose": amount}
            if upper is not None and upper > amount:
                dose["dose_max"] = upper
            dose["unit"] = unit
            for key, value in (("route", route), ("frequency", frequency), ("duration", duration),
                               ("criterion", criterion)):
                if value:
                    dose[key] = value
            if alternative:
                dose["alternative"] = True
            doses.append(dose)
    return doses, missing


def _number(text: str) -> int | float:
    value = float(text.replace(",", "") if re.fullmatch(r"\d{1,3},\d{3}", text) else text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _routes(text: str) -> list[str]:
    hits = sorted((m.start(), name) for name, pattern in _ROUTE_RES for m in pattern.finditer(text))
    return list(dict.fromkeys(name for _, name in hits))


def _frequency(text: str) -> str | None:
    match = _FREQUENCY_RE.search(text)
    if not match:
        return None
    for i, (label, _) in enumerate(_FREQUENCIES):
        if match.group(f"f{i}"):
            if label == "times weekly":
                count = match.group(0).split()[0].lower()
                return f"{_NUMBER_WORDS.get(count, count)} times weekly"
            if label == "every":
                short = re.fullmatch(r"q(\d+)h", match.group(0), re.IGNORECASE)
                return f"every {short.group(1)} hours" if short else " ".join(match.group(0).replace("–", "-").split())
            return label
    return None


def _duration(text: str) -> str | None:
    match = _DURATION_RE.search(text)
    if not match:
        return None
    value = match.group(1) or match.group(2)
    return " ".join(re.sub(r"\s*[-–]\s*", "-", value).split())


def _criterion(text: str) -> str | None:
    match = _CRITERION_RE.search(text)
    return " ".join(match.group(0).split()).rstrip(" ,.") if match else None


def _sentence_end(text: str, start: int) -> int:
    match = re.compile(r";|\.(?:\s|$)").search(text, start)
    return match.start() if match else len(text)
