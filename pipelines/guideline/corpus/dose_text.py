"""Doses as written in text: a number with a dose unit (a threshold, a cap or a concentration is not a dose), and
the route and frequency words near it. The importer reads statements with it and the checks compare a statement
with its dosing entries through it, so both read a dose the same way."""

from __future__ import annotations

import re

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
_NUMBER_WORDS = {"three": "3", "four": "4", "five": "5", "six": "6"}


def dose_matches(text: str) -> list[re.Match[str]]:
    """Every dose in text (groups num, max, unit, per), in order; thresholds, caps, concentrations and zero
    amounts are left out."""
    return [m for m in _DOSE_RE.finditer(text)
            if not _THRESHOLD_BEFORE_RE.search(text[max(0, m.start() - 15):m.start()])
            and not _CONCENTRATION_AFTER_RE.match(text[m.end():])
            and number(m.group("num")) > 0]


def dose_unit(match: re.Match[str]) -> str:
    """The unit of a dose_matches match as dosing entries write it (mcg, IU, units, mL...)."""
    unit = " ".join(match.group("unit").split())
    unit = _UNITS.get(unit.lower(), _UNITS.get(unit, unit)) if unit not in ("IU", "mg", "mL") else unit
    return "IU" if unit.lower() == "international units" else unit


def number(text: str) -> int | float:
    value = float(text.replace(",", "") if re.fullmatch(r"\d{1,3},\d{3}", text) else text.replace(",", "."))
    return int(value) if value.is_integer() else value


def routes_in(text: str) -> list[str]:
    hits = sorted((m.start(), name) for name, pattern in _ROUTE_RES for m in pattern.finditer(text))
    return list(dict.fromkeys(name for _, name in hits))


def frequency_in(text: str) -> str | None:
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
