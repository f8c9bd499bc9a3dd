"""Dose units, routes and frequencies in one canonical form, so that doses written differently compare equal.

Mass units convert to mg, volumes to mL; IU, 'units' and mmol stay in their own unit (IU is not converted to
a mass: the factor differs per substance). A per-day unit (mg/day, mg/d, mg daily) means a total daily dose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MASS_MG = {"kg": 1e6, "g": 1e3, "gram": 1e3, "grams": 1e3, "mg": 1.0, "milligram": 1.0, "milligrams": 1.0,
            "mcg": 1e-3, "µg": 1e-3, "μg": 1e-3, "ug": 1e-3, "microgram": 1e-3, "micrograms": 1e-3,
            "ng": 1e-6, "nanogram": 1e-6, "nanograms": 1e-6}
_VOLUME_ML = {"l": 1e3, "litre": 1e3, "liter": 1e3, "ml": 1.0, "millilitre": 1.0, "milliliter": 1.0,
              "microlitre": 1e-3, "microliter": 1e-3, "µl": 1e-3, "ul": 1e-3}
_OTHER = {"iu": "IU", "i.u.": "IU", "international units": "IU", "international unit": "IU",
          "unit": "units", "units": "units", "u": "units",
          "mmol": "mmol", "meq": "mEq", "puff": "puffs", "puffs": "puffs", "tablet": "tablets",
          "tablets": "tablets", "drop": "drops", "drops": "drops"}
_PER_DAY_RE = re.compile(r"\s*(?:/\s*(?:day|d|24\s*h(?:ours?)?)|per\s+day|daily|a\s+day)\s*$")
_PER_KG_RE = re.compile(r"\s*(?:/\s*kg|per\s+kg)\s*$")
_EPSILON = 1e-9


@dataclass(frozen=True)
class Quantity:
    """A dose (or dose range) in a canonical unit; per_day when it is a total daily amount."""

    low: float
    high: float
    unit: str
    per_day: bool = False

    def overlaps(self, other: Quantity) -> bool:
        tolerance = _EPSILON * max(1.0, abs(self.high), abs(other.high))
        return (self.unit == other.unit and self.low <= other.high + tolerance
                and other.low <= self.high + tolerance)

    def scaled(self, factor: float) -> Quantity:
        return Quantity(self.low * factor, self.high * factor, self.unit, self.per_day)

    def __str__(self) -> str:
        amount = _number(self.low) if self.low == self.high else f"{_number(self.low)}-{_number(self.high)}"
        return f"{amount} {self.unit}" + ("/day" if self.per_day else "")


def _number(value: float) -> str:
    return f"{value:.6g}"


def canonical_unit(unit: str) -> tuple[str, float, bool] | None:
    """(canonical unit, factor to it, per day) for a unit such as 'g', 'mcg/day', 'mg/kg'; None if unknown."""
    text = unit.strip().lower()
    per_day = False
    match = _PER_DAY_RE.search(text)
    if match and match.start() > 0:
        text, per_day = text[:match.start()].strip(), True
    per_kg = False
    match = _PER_KG_RE.search(text)
    if match and match.start() > 0:
        text, per_kg = text[:match.start()].strip(), True
    suffix = "/kg" if per_kg else ""
    if text in _MASS_MG:
        return "mg" + suffix, _MASS_MG[text], per_day
    if text in _VOLUME_ML:
        return "mL" + suffix, _VOLUME_ML[text], per_day
    if text in _OTHER:
        return _OTHER[text] + suffix, 1.0, per_day
    return None


def quantity(dose: float, dose_max: float | None, unit: str) -> Quantity:
    """The dose in its canonical unit; an unknown unit is kept verbatim (compared as text)."""
    high = dose_max if dose_max is not None and dose_max >= dose else dose
    known = canonical_unit(unit)
    if known is None:
        return Quantity(float(dose), float(high), unit.strip())
    name, factor, per_day = known
    return Quantity(dose * factor, high * factor, name, per_day)


_ROUTES = {
    "oral": ("oral", "po", "p.o.", "by mouth", "orally", "per os", "tablet", "tablets", "capsule"),
    "intravenous": ("intravenous", "iv", "i.v.", "intravenously", "iv infusion", "intravenous infusion"),
    "subcutaneous": ("subcutaneous", "sc", "s.c.", "subcut", "sq", "subcutaneously", "s/c"),
    "intramuscular": ("intramuscular", "im", "i.m.", "intramuscularly"),
    "intranasal": ("intranasal", "nasal", "nasal spray", "intranasally"),
    "rectal": ("rectal", "pr", "p.r.", "suppository", "rectally"),
    "inhaled": ("inhaled", "inhalation", "inh", "inhaler", "nebulised", "nebulized"),
    "sublingual": ("sublingual", "sl", "s.l."),
    "transdermal": ("transdermal", "patch", "td"),
    "topical": ("topical", "topically", "cutaneous"),
}
_ROUTE_INDEX = {alias: route for route, aliases in _ROUTES.items() for alias in aliases}


def route(text: str) -> str:
    key = " ".join(text.strip().lower().split())
    return _ROUTE_INDEX.get(key, key)


_FREQUENCIES: dict[str, tuple[str, float | None]] = {}
for _label, _per_day, _aliases in (
        ("daily", 1.0, ("daily", "once daily", "once a day", "od", "o.d.", "qd", "q.d.", "every day",
                        "each day", "per day", "q24h", "every 24 hours", "once per day", "nightly",
                        "at night", "every morning", "in the morning", "once every day")),
        ("twice daily", 2.0, ("twice daily", "twice a day", "bid", "b.i.d.", "bd", "b.d.", "q12h",
                              "every 12 hours", "two times daily", "two times a day", "twice per day")),
        ("three times daily", 3.0, ("three times daily", "three times a day", "tid", "t.i.d.", "tds",
                                    "t.d.s.", "q8h", "every 8 hours", "thrice daily")),
        ("four times daily", 4.0, ("four times daily", "four times a day", "qid", "q.i.d.", "qds", "q.d.s.",
                                   "q6h", "every 6 hours")),
        ("every other day", 0.5, ("every other day", "alternate days", "on alternate days", "qod", "q.o.d.",
                                  "every second day", "every 48 hours", "q48h")),
        ("weekly", 1 / 7, ("weekly", "once weekly", "once a week", "every week", "qw", "once per week")),
        ("monthly", 1 / 30, ("monthly", "once monthly", "once a month", "every month", "once per month")),
        ("yearly", 1 / 365, ("yearly", "annually", "once yearly", "once a year", "every year",
                             "once per year", "every 12 months")),
        ("once", None, ("once", "single dose", "stat", "one dose", "as a single dose", "once only")),
):
    for _alias in _aliases:
        _FREQUENCIES[_alias] = (_label, _per_day)

_EVERY_RE = re.compile(r"^(?:once\s+)?every\s+(\d+(?:\.\d+)?)\s*(hours?|h|days?|weeks?|months?)$")
_TIMES_RE = re.compile(r"^(\d+)\s*(?:times|x)\s*(?:a|per|/)?\s*(day|daily|week|weekly)$")


@dataclass(frozen=True)
class Frequency:
    label: str
    per_day: float | None

    def same_as(self, other: Frequency) -> bool:
        if self.per_day is not None and other.per_day is not None:
            return abs(self.per_day - other.per_day) <= 1e-6 * max(self.per_day, other.per_day)
        return self.label == other.label


def frequency(text: str) -> Frequency:
    key = " ".join(text.strip().lower().replace("-", " ").split())
    if key in _FREQUENCIES:
        return Frequency(*_FREQUENCIES[key])
    every = _EVERY_RE.match(key)
    if every:
        amount, span = float(every.group(1)), every.group(2)
        if span.startswith("h"):
            days = amount / 24
        elif span.startswith("d"):
            days = amount
        elif span.startswith("w"):
            days = amount * 7
        else:
            days = amount * 30
        return Frequency(f"every {every.group(1)} {span}", 1 / days if days else None)
    times = _TIMES_RE.match(key)
    if times:
        count = float(times.group(1))
        per_day = count if times.group(2).startswith("da") else count / 7
        return Frequency(key, per_day)
    return Frequency(key, None)
