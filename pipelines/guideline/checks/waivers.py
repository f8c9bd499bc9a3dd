"""Board waivers: a finding the board has accepted is reported as waived instead of counting against the run.

A waiver names its finding by fingerprint (rule, file, record and key; no line number, so it survives edits
that move lines). Waivers live in guidelines/waivers.yaml; one that matches nothing is itself reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guideline.corpus.loader import Document
from guideline.corpus.project import Project
from guideline.corpus.roster import BOARD_FILE, load_roster
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

if TYPE_CHECKING:
    from guideline.checks.base import Context

WAIVERS_FILE = "waivers.yaml"

UNMATCHED = Rule(
    "WVR001", "Waiver matches no finding", Severity.WARNING,
    "A waiver in guidelines/waivers.yaml whose fingerprint (and rule) matches no finding of this run: the "
    "problem was fixed, or the finding changed (another rule, file, record or related record). Delete the "
    "waiver, or copy the new fingerprint from `guideline validate --format json`. Only reported when the "
    "waiver's file was among the checked files.")
NOT_APPROVER = Rule(
    "WVR002", "Waiver not approved by the board", Severity.WARNING,
    "The waiver's approved_by is not a member of guidelines/board.yaml with the board-member or chair role "
    "(matched on member id, email or name), so the waiver does not count and its finding is reported as "
    "usual. Not checked when the project has no board roster.")
DUPLICATE_WAIVER = Rule(
    "WVR003", "Duplicate waiver id", Severity.WARNING,
    "Two waivers share an id; waived findings show the id, so each waiver needs its own.")

RULES = (UNMATCHED, NOT_APPROVER, DUPLICATE_WAIVER)


@dataclass(frozen=True)
class Waiver:
    id: str
    rule: str
    file: str
    fingerprint: str
    reason: str
    approved_by: str
    approved_on: str
    record: str | None
    index: int
    location: Location

    def describe(self) -> str:
        return f"{self.id}: {self.reason} (approved by {self.approved_by} on {self.approved_on})"


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def load_waivers(project: Project) -> tuple[Document | None, list[Waiver]]:
    """Waivers with the fields a match needs; malformed entries are left to the schema check."""
    doc = project.data_document(WAIVERS_FILE)
    if doc is None or not isinstance(doc.data, dict) or not isinstance(doc.data.get("waivers"), list):
        return doc, []
    waivers = []
    for index, item in enumerate(doc.data["waivers"]):
        if not isinstance(item, dict):
            continue
        fields = {name: _text(item, name)
                  for name in ("id", "rule", "file", "fingerprint", "reason", "approved_by", "approved_on")}
        if not fields["id"] or not fields["fingerprint"]:
            continue
        record = item.get("record") if isinstance(item.get("record"), str) else None
        location = doc.location(("waivers", index), fields["id"])
        waivers.append(Waiver(record=record, index=index, location=location, **fields))
    return doc, waivers


def approvers(project: Project) -> frozenset[str] | None:
    """Ids, emails and names of members who may approve; None when there is no roster to check against."""
    roster = load_roster(project)
    if not any(member.roles for member in roster.members):
        return None
    return frozenset(value.strip().lower() for member in roster.members if member.approver
                     for value in (member.id, member.email, member.name) if value)


def _approved(waiver: Waiver, allowed: frozenset[str] | None) -> bool:
    return allowed is None or waiver.approved_by.lower() in allowed


def root_relative(path: str, project: Project) -> str:
    """A finding's display path (relative to where the project is shown from) as a path relative to its root."""
    try:
        return project.located(path).resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _fingerprints(finding: Finding, project: Project) -> set[str]:
    """The printed fingerprint, and the one a run from the project root prints (display paths follow the
    working directory)."""
    prints = {finding.fingerprint}
    relative = root_relative(finding.file, project)
    if relative != finding.file:
        prints.add(replace(finding, location=replace(finding.location, file=relative)).fingerprint)
    return prints


def apply_waivers(findings: list[Finding], project: Project,
                  scanned: Iterable[str] | None = None) -> list[Finding]:
    """Mark waived findings; report waivers that match nothing among the checked files (`scanned`)."""
    _, waivers = load_waivers(project)
    if not waivers:
        return findings
    allowed = approvers(project)
    by_print: dict[str, list[Waiver]] = {}
    for waiver in waivers:
        if _approved(waiver, allowed):
            by_print.setdefault(waiver.fingerprint.lower(), []).append(waiver)
    used: set[str] = set()
    out: list[Finding] = []
    for finding in findings:
        match = None
        if by_print and not finding.rule.startswith("WVR"):
            for fingerprint in _fingerprints(finding, project):
                match = next((w for w in by_print.get(fingerprint, ())
                              if not w.rule or w.rule == finding.rule), None)
                if match:
                    break
        if match is not None:
            used.add(match.id)
            finding = replace(finding, waiver=match.describe())
        out.append(finding)
    checked = None if scanned is None else {root_relative(path, project) for path in scanned}
    for waiver in waivers:
        if waiver.id in used or not _approved(waiver, allowed):
            continue
        if checked is not None and Path(waiver.file).as_posix() not in checked:
            continue
        out.append(UNMATCHED.finding(
            waiver.location,
            f"waiver '{waiver.id}' ({waiver.rule or 'any rule'}, fingerprint {waiver.fingerprint}) "
            f"matches no finding", key=waiver.id,
            hint="if the problem was fixed, delete the waiver; otherwise copy the finding's new fingerprint "
                 "from `guideline validate --format json`"))
    return out


def run_check(ctx: Context) -> Iterator[Finding]:
    """Problems in the waivers file itself; matching waivers to findings happens after all checks ran."""
    doc, waivers = load_waivers(ctx.project)
    if doc is None:
        return
    allowed = approvers(ctx.project)
    seen: dict[str, Waiver] = {}
    for index, waiver in enumerate(waivers):
        if waiver.id in seen:
            first = seen[waiver.id].location
            yield DUPLICATE_WAIVER.finding(waiver.location,
                                           f"waiver id '{waiver.id}' is already used at line {first.line}",
                                           hint="give each waiver its own id", related=(first,),
                                           key=f"{waiver.id}#{index}")
        seen.setdefault(waiver.id, waiver)
        if not _approved(waiver, allowed):
            yield NOT_APPROVER.finding(
                doc.location(("waivers", waiver.index, "approved_by"), waiver.id),
                f"waiver '{waiver.id}' is approved by '{waiver.approved_by}', who is not a board member or "
                f"chair in guidelines/{BOARD_FILE}; the waiver does not count",
                hint="have a board member or the chair approve it, or add them to the roster", key=waiver.id)

