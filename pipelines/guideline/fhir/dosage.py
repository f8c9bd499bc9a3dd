"""A dosing entry as a FHIR Dosage: the dose as a UCUM quantity (or range), the route as SNOMED CT, the
frequency as Timing.repeat and the duration as its bounds. What does not parse stays as text."""

from __future__ import annotations

import re
from typing import Any

from guideline.corpus import units
from guideline.fhir.codes import GUIDELINE_CODES, SNOMED, UCUM, coding, concept

# Canonical units (corpus/units.py) -> UCUM codes; units without one (tablets, puffs) stay unit text only.
_UCUM = {"mg": "mg", "g": "g", "kg": "kg", "mcg": "ug", "µg": "ug", "μg": "ug", "ug": "ug", "ng": "ng",
         "ml": "mL", "l": "L", "iu": "[iU]", "units": "[U]", "unit": "[U]", "mmol": "mmol", "meq": "meq"}
_PER_DAY = re.compile(r"\s*(?:/\s*(?:day|d)|per\s+day|daily|a\s+day)\s*$", re.IGNORECASE)
_PER_KG = re.compile(r"\s*(?:/\s*kg|per\s+kg)", re.IGNORECASE)

# Route (corpus/units.route) -> SNOMED CT route of administration (FHIR R5 route-codes value set).
ROUTES = {
    "oral": ("26643006", "Oral route"),
    "intravenous": ("47625008", "Intravenous route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
    "intramuscular": ("78421000", "Intramuscular route"),
    "intranasal": ("46713006", "Nasal route"),
    "rectal": ("37161004", "Rectal route"),
    "inhaled": ("447694001", "Respiratory tract route"),
    "sublingual": ("37839007", "Sublingual route"),
    "transdermal": ("45890007", "Transdermal route"),
    "topical": ("6064005", "Topical route"),
}

_SPANS = {"h": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d", "wk": "wk", "week": "wk",
          "weeks": "wk", "mo": "mo", "month": "mo", "months": "mo", "a": "a", "year": "a", "years": "a"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(?:\s*(?:-|to)\s*(\d+(?:\.\d+)?))?\s*([a-z]+)$")
# Dose fields with no Dosage element of their own: kept as coded additional instructions.
INSTRUCTIONS = ("qualifier", "criterion", "duration")
ALTERNATIVE = {True: "alternative regimen", False: "main regimen"}


def ucum(unit: str) -> str | None:
    """The UCUM code of a dose unit such as 'mg', 'mcg/day', 'mg/kg', 'IU'; None when it has none."""
    text = unit.strip()
    per_day = bool(_PER_DAY.search(text))
    text = _PER_DAY.sub("", text)
    per_kg = bool(_PER_KG.search(text))
    base = _UCUM.get(_PER_KG.sub("", text).strip().lower())
    if base is None:
        return None
    return base + ("/kg" if per_kg else "") + ("/d" if per_day else "")


def quantity(value: float, unit: str) -> dict[str, Any]:
    found: dict[str, Any] = {"value": value, "unit": unit}
    code = ucum(unit)
    if code is not None:
        found.update(system=UCUM, code=code)
    return found


def _span(value: float, word: str) -> dict[str, Any] | None:
    code = _SPANS.get(word.lower())
    return None if code is None else {"value": value, "unit": word, "system": UCUM, "code": code}


def _number(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() else number


def bounds(duration: str) -> dict[str, Any] | None:
    """'4 weeks' -> boundsDuration, '3-5 years' -> boundsRange; None when the text says more than that."""
    match = _DURATION.match(duration.strip().lower())
    if not match:
        return None
    low = _span(_number(match.group(1)), match.group(3))
    if low is None:
        return None
    if match.group(2) is None:
        return {"boundsDuration": low}
    return {"boundsRange": {"low": low, "high": _span(_number(match.group(2)), match.group(3))}}


def duration_text(limits: dict[str, Any]) -> str:
    """The duration bounds() read, written back: '4 weeks', '3-5 years'."""
    if "boundsDuration" in limits:
        return f"{limits['boundsDuration']['value']:g} {limits['boundsDuration']['unit']}"
    low, high = limits["boundsRange"]["low"], limits["boundsRange"]["high"]
    return f"{low['value']:g}-{high['value']:g} {high['unit']}"


def repeat(text: str) -> dict[str, Any]:
    """Timing.repeat for a frequency: per day, or one dose every so many days, weeks, months or years."""
    found = units.frequency(text)
    if found.label == "once":
        return {"count": 1}
    if found.per_day is None:
        return {}
    if found.per_day >= 1 and float(found.per_day).is_integer():
        return {"frequency": int(found.per_day), "period": 1, "periodUnit": "d"}
    days = 1 / found.per_day
    for unit, length in (("a", 365.0), ("mo", 30.0), ("wk", 7.0), ("d", 1.0), ("h", 1 / 24)):
        count = days / length
        if count >= 1 and abs(count - round(count)) < 1e-6:
            return {"frequency": 1, "period": round(count), "periodUnit": unit}
    return {"frequency": 1, "period": round(days * 24, 6), "periodUnit": "h"}


def dose_text(dose: dict[str, Any]) -> str:
    amount = f"{dose['dose']:g}" + (f"-{dose['dose_max']:g}" if dose.get("dose_max") is not None else "")
    words = [amount, str(dose["unit"]), *(str(dose[k]) for k in ("route", "frequency") if dose.get(k))]
    if dose.get("duration"):
        words.append(f"for {dose['duration']}")
    return " ".join(words)


def dosage(dose: dict[str, Any], sequence: int) -> dict[str, Any]:
    """One record dosing entry as a Dosage; every field it holds is kept (as text where FHIR has no element)."""
    found: dict[str, Any] = {"sequence": sequence, "text": dose_text(dose)}
    if dose.get("dose_max") is not None:
        found["doseAndRate"] = [{"doseRange": {"low": quantity(dose["dose"], dose["unit"]),
                                               "high": quantity(dose["dose_max"], dose["unit"])}}]
    else:
        found["doseAndRate"] = [{"doseQuantity": quantity(dose["dose"], dose["unit"])}]
    if dose.get("route"):
        code = ROUTES.get(units.route(dose["route"]))
        found["route"] = concept(*([coding(SNOMED, *code)] if code else []), text=dose["route"])
    timing: dict[str, Any] = {}
    if dose.get("frequency"):
        timing["code"] = concept(text=dose["frequency"])
        timing["repeat"] = repeat(dose["frequency"])
    limits = bounds(dose["duration"]) if dose.get("duration") else None
    if limits:
        timing.setdefault("repeat", {}).update(limits)
    if timing:
        found["timing"] = timing
    # The duration's own words go along whenever the bounds would not give them back exactly.
    exact = limits is not None and duration_text(limits) == dose["duration"]
    instructions = [concept(coding(GUIDELINE_CODES, name), text=str(dose[name])) for name in INSTRUCTIONS
                    if dose.get(name) and (name != "duration" or not exact)]
    if isinstance(dose.get("alternative"), bool):
        instructions.append(concept(coding(GUIDELINE_CODES, "alternative", "Alternative regimen"),
                                    text=ALTERNATIVE[dose["alternative"]]))
    if instructions:
        found["additionalInstruction"] = instructions
    return found
