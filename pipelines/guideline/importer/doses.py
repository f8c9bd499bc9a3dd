"""Doses from a statement's words: agent, amount, unit, route, frequency, duration and the criterion that
applies; a threshold ('below 30 mL/min'), a cap ('maximum 1000 mg') or a concentration is not a dose."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guideline.corpus.dose_text import dose_matches, dose_unit, frequency_in, number, routes_in

DRUG_KINDS = frozenset({"drug", "drug-class"})

_DURATION_RE = re.compile(r"\bfor\s+(?:a\s+(?:total\s+)?of\s+|up\s+to\s+|at\s+least\s+)?"
                          r"(\d+(?:\s*[-–]\s*\d+)?\s*(?:days?|weeks?|months?|years?))\b|[x×]\s*(\d+\s*(?:days?|weeks?))\b",
                          re.IGNORECASE)
_NOT_NAMES = frozenset({"from", "to", "of", "and", "or", "by", "with", "at", "in", "for", "than", "dose", "doses",
                        "daily", "then", "up", "about", "approximately", "total", "maximum", "minimum", "plus"})
_ALTERNATIVE_RE = re.compile(r"^\s*alternative(?:ly)?\b|\balternative\s+(?:dosing|regimen|dose|schedule)\b|"
                             r"\bas\s+an\s+alternative\b", re.IGNORECASE)
_CRITERION_RE = re.compile(
    r"\b(?:if|when|in\s+(?:patients|those)\s+with|for\s+(?:patients|those)\s+with|with)\b[^;]*?"
    r"(?:[<>≤≥]|less\s+than|greater\s+than|more\s+than|at\s+least|or\s+more|or\s+less|below|above)[^;]*",
    re.IGNORECASE)

_LEADING_CLAUSE_RE = re.compile(r"^\s*(?:if|when|in\s+(?:patients|those)\s+with)\b[^,;]{3,160},", re.IGNORECASE)


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
    matches = dose_matches(text)
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
        routes = routes_in(pre + " " + window)
        frequency = frequency_in(window) or ("daily" if match.group("per") else None)
        duration = _duration(window)
        criterion = (_criterion(text[match.end():min(next_start, _sentence_end(text, match.end()))])
                     or _leading_criterion(text, match.start()))
        unit = dose_unit(match)
        amount = number(match.group("num"))
        upper = number(match.group("max")) if match.group("max") else None
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


def _duration(text: str) -> str | None:
    match = _DURATION_RE.search(text)
    if not match:
        return None
    value = match.group(1) or match.group(2)
    return " ".join(re.sub(r"\s*[-–]\s*", "-", value).split())


def _criterion(text: str) -> str | None:
    match = _CRITERION_RE.search(text)
    return " ".join(match.group(0).split()).rstrip(" ,.") if match else None


def _leading_criterion(text: str, dose_start: int) -> str | None:
    """'If creatinine clearance is below 30 mL/min, reduce X to 250 mg': the condition written before the dose."""
    clause = _LEADING_CLAUSE_RE.match(text)
    return _criterion(clause.group(0)) if clause and clause.end() <= dose_start else None


def _sentence_end(text: str, start: int) -> int:
    match = re.compile(r";|\.(?:\s|$)").search(text, start)
    return match.start() if match else len(text)
