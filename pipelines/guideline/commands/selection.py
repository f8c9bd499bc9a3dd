"""`--select` and `--ignore`: which rules a report shows, as ruff and flake8 choose them.

A code is a rule id (`REF001`) or a prefix of ids (`REF`, `GRD00`). For each finding the most specific code
that matches its rule decides: `--ignore GRD --select GRD004` shows GRD004 only among the GRD rules; the same
code in both is ignored. With no --select every rule is shown unless ignored.

This shapes what a person or a CI log sees, never what the publication gate decides: `guideline publish`
runs every rule at the policy's severities and takes no selection (docs/workflow.md).
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from guideline.errors import UsageError
from guideline.findings import Finding

_CODE = re.compile(r"[A-Z]+[0-9]*")


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--select", type=rule_codes, action="extend", default=[], metavar="RULES",
                        help="show only these rules: ids or family prefixes, comma separated (e.g. REF,EVD004)")
    parser.add_argument("--ignore", type=rule_codes, action="extend", default=[], metavar="RULES",
                        help="hide these rules: ids or family prefixes, comma separated (e.g. --ignore EVD003,CON)")


def rule_codes(text: str) -> list[str]:
    """argparse type: 'ref001, GRD' -> ['REF001', 'GRD']."""
    codes = [part.strip().upper() for part in text.split(",") if part.strip()]
    bad = [code for code in codes if not _CODE.fullmatch(code)]
    if bad or not codes:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of rule ids or prefixes (e.g. REF001,GRD)")
    return codes


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def of(cls, select: Sequence[str], ignore: Sequence[str], known: Iterable[str]) -> Selection:
        """The selection, once every code is known to name at least one rule."""
        ids = sorted(known)
        unknown = [code for code in (*select, *ignore) if not any(rule.startswith(code) for rule in ids)]
        if unknown:
            raise UsageError(f"unknown rule id or prefix: {', '.join(unknown)}", hint=_near(unknown, ids))
        return cls(tuple(select), tuple(ignore))

    @property
    def everything(self) -> bool:
        return not self.select and not self.ignore

    def shows(self, rule: str) -> bool:
        chosen = max((c for c in self.select if rule.startswith(c)), key=len, default="")
        dropped = max((c for c in self.ignore if rule.startswith(c)), key=len, default="")
        if dropped and len(dropped) >= len(chosen):
            return False
        return bool(chosen) or not self.select

    def apply(self, findings: Sequence[Finding]) -> list[Finding]:
        return list(findings) if self.everything else [f for f in findings if self.shows(f.rule)]


def _near(unknown: Sequence[str], ids: Sequence[str]) -> str:
    families = sorted({rule.rstrip("0123456789") for rule in ids})
    candidates = [*families, *ids]
    near = sorted({m for code in unknown for m in difflib.get_close_matches(code, candidates, n=4, cutoff=0.5)})
    listed = f"did you mean {', '.join(near)}? " if near else ""
    return f"{listed}families: {', '.join(families)}; 'guideline rules' lists every id"
