"""Evidence behind the recommendations: support strong enough for a strong grade, reviews and sources that
are current, regulatory safety notices taken into account, and no retracted paper cited."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from guideline.checks.base import Check, Context
from guideline.checks.references import Bibliography, bibliography, citation_keys
from guideline.corpus import identifiers
from guideline.corpus.identity import BoardDecisions
from guideline.corpus.loader import Document
from guideline.corpus.model import INACTIVE_STATES, Record
from guideline.corpus.reviews import REVIEWS_DIR, ReviewLog, review_log_of
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

NOTICES_FILE = "safety-notices.yaml"
RETRACTIONS_FILE = "retractions.yaml"
WEAK_SUPPORT_TYPES = frozenset({"secondary-summary", "narrative-review"})
# Records no longer in force are not re-reviewed.
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

WEAK_SUPPORT = Rule(
    "EVD001", "Strong recommendation on weak support", Severity.WARNING,
    "A strong recommendation (strength class strong) whose only resolved citations are secondary summaries or "
    "narrative reviews. A strong grade needs primary evidence or a guideline behind it: cite the systematic "
    "review, trial or guideline the summary rests on, or lower the strength.")
REVIEW_OVERDUE = Rule(
    "EVD002", "Review overdue", Severity.WARNING,
    "The record's last_reviewed date is older than policy.review_interval_days (guidelines/policy.yaml). "
    "A record that was never reviewed (no last_reviewed) is not reported by this rule; retired and superseded "
    "records are skipped. Review the record and update last_reviewed.")
EVIDENCE_OUTDATED = Rule(
    "EVD003", "Evidence possibly outdated", Severity.WARNING,
    "The newest reference a recommendation cites (by publication year, among citations that resolve) is older "
    "than policy.evidence_max_age_years. Search for newer evidence and cite it, or confirm the old evidence "
    "still stands.")
SAFETY_NOTICE = Rule(
    "EVD004", "Safety notice not reviewed", Severity.ERROR,
    "A recommendation for a concept (direction: for, or a dosing entry for the agent) that a regulatory safety "
    "notice in guidelines/safety-notices.yaml covers, directly or through a broader concept of the vocabulary "
    "(a notice on calcitonin covers every kind of calcitonin), that no board member has reviewed against the "
    "notice: the topic's review log holds no `reviewed-notice` decision for the record and notice dated on or "
    "after the notice. A typed last_reviewed date clears nothing. Review the recommendation against the notice, "
    "change it if needed, and record the review as a signed board decision: `guideline review review-notice "
    "REC --notice ID`; the publication gate counts it only when its commit is signed by a board member. A "
    "notice dated by month only counts from the end of that month.")
FUTURE_REVIEW = Rule(
    "EVD007", "Review date in the future", Severity.ERROR,
    "A record's last_reviewed date is after today: nobody reviewed it on a day that has not come. Set the "
    "date the board actually reviewed it (safety-notice reviews are recorded as board decisions, not dates).")
RETRACTED = Rule(
    "EVD005", "Retracted reference cited", Severity.ERROR,
    "A recommendation cites a reference whose DOI or PMID is listed in guidelines/retractions.yaml. A retracted "
    "paper is no evidence: remove the citation and re-check what the recommendation still rests on.")
NOTICE_CONCEPT = Rule(
    "EVD006", "Safety notice names an unknown concept", Severity.ERROR,
    "A safety notice lists a concept id that the vocabulary does not define, so no recommendation would ever "
    "be matched to it. Use a concept id of guidelines/vocabulary.yaml.")


@dataclass(frozen=True)
class Notice:
    id: str
    agency: str
    action: str
    title: str
    url: str
    date_text: str
    effective: date
    concepts: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class Retraction:
    title: str
    date_text: str
    reason: str
    source: str
    location: Location


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def notice_date(value: Any) -> date | None:
    """YYYY-MM-DD, or YYYY-MM meaning the last day of that month (a review must postdate the whole month)."""
    month = _MONTH_RE.match(value) if isinstance(value, str) else None
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if 1 <= number <= 12:
            return date(year, number, calendar.monthrange(year, number)[1])
        return None
    return _date(value)


def _items(doc: Document | None, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = doc.data.get(key) if doc is not None and isinstance(doc.data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield index, item


def load_notices(ctx: Context) -> tuple[list[Notice], Document | None]:
    doc = ctx.project.data_document(NOTICES_FILE)
    notices: list[Notice] = []
    for index, item in _items(doc, "notices"):
        assert doc is not None
        effective = notice_date(item.get("date"))
        concepts = item.get("concepts")
        if not isinstance(item.get("id"), str) or effective is None or not isinstance(concepts, list):
            continue
        notices.append(Notice(
            item["id"], str(item.get("agency", "")), str(item.get("action", "notice")), str(item.get("title", "")),
            str(item.get("url", "")), str(item["date"]), effective, tuple(c for c in concepts if isinstance(c, str)),
            doc.location(("notices", index), item["id"])))
    return notices, doc


def load_retractions(ctx: Context) -> dict[tuple[str, str], Retraction]:
    """(identifier kind, normalised value) -> the retraction, for DOIs and PMIDs."""
    doc = ctx.project.data_document(RETRACTIONS_FILE)
    index: dict[tuple[str, str], Retraction] = {}
    for position, item in _items(doc, "retractions"):
        assert doc is not None
        entry = Retraction(str(item.get("title", "")), str(item.get("date", "")), str(item.get("reason", "")),
                           str(item.get("source", "")), doc.location(("retractions", position)))
        for kind in ("doi", "pmid"):
            value = item.get(kind)
            key = identifiers.normalise(kind, value) if isinstance(value, str) else None
            if key is not None:
                index.setdefault((kind, key), entry)
    return index


def _active(rec: Record) -> bool:
    return rec.valid and rec.get("review_state") not in INACTIVE_STATES


def _strength_class(ctx: Context, rec: Record) -> str | None:
    strength = rec.get("strength")
    if not isinstance(strength, dict):
        return None
    if isinstance(strength.get("class"), str):
        return str(strength["class"])
    scheme, grade = strength.get("scheme"), strength.get("grade")
    if not isinstance(scheme, str) or not isinstance(grade, str):
        return None
    version = str(strength["version"]) if strength.get("version") is not None else None
    known = ctx.project.grading.lookup(scheme, version, grade)
    return known.strength_class if known else None


def _evidence(ctx: Context) -> Iterator[Finding]:
    bib = bibliography(ctx)
    yield from _support(ctx, bib)
    yield from _review_age(ctx)
    yield from _evidence_age(ctx, bib)
    yield from _retractions(ctx, bib)


def _support(ctx: Context, bib: Bibliography) -> Iterator[Finding]:
    for rec in ctx.corpus.recommendations:
        if not _active(rec) or _strength_class(ctx, rec) != "strong":
            continue
        cited = bib.cited(rec)
        if cited and all(ref.get("type") in WEAK_SUPPORT_TYPES for ref in cited):
            kinds = ", ".join(sorted({str(ref.get("type")) for ref in cited}))
            strength = rec.get("strength")
            where = ("strength", "class") if isinstance(strength, dict) and "class" in strength else ("strength",)
            yield WEAK_SUPPORT.finding(
                rec.location(*where), f"strong recommendation rests only on {kinds} sources",
                hint="cite the trial, systematic review or guideline behind the summary, or lower the strength",
                related=tuple(ref.location("type") for ref in cited))


def _review_age(ctx: Context) -> Iterator[Finding]:
    policy = ctx.project.policy
    for record in (*ctx.corpus.topics, *ctx.corpus.recommendations):
        reviewed = _date(record.get("last_reviewed"))
        if not _active(record) or reviewed is None:
            continue
        days = (ctx.today - reviewed).days
        if days > policy.review_interval_days:
            yield REVIEW_OVERDUE.finding(
                record.location("last_reviewed"),
                f"{record.kind} last reviewed {reviewed.isoformat()}, {days} days ago; policy asks for a review "
                f"every {policy.review_interval_days} days",
                hint="review it and update last_reviewed", key="review")


def _evidence_age(ctx: Context, bib: Bibliography) -> Iterator[Finding]:
    policy = ctx.project.policy
    for rec in ctx.corpus.recommendations:
        if not _active(rec):
            continue
        dated = [ref for ref in bib.cited(rec) if isinstance(ref.get("year"), int)]
        if not dated:
            continue
        newest = max(dated, key=lambda ref: int(ref.get("year")))
        age = ctx.today.year - int(newest.get("year"))
        if age > policy.evidence_max_age_years:
            yield EVIDENCE_OUTDATED.finding(
                rec.location("citations"),
                f"newest cited evidence is from {newest.get('year')} ('{newest.id}'), {age} years old; policy "
                f"flags evidence older than {policy.evidence_max_age_years} years",
                hint="look for newer evidence and cite it, or confirm the old evidence still stands",
                related=(newest.location("year"),), key=newest.id)


def _concerned_fields(rec: Record) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Concepts a recommendation advises using: its interventions when it is for them, and dosed agents."""
    if rec.get("direction") == "for":
        for index, value in enumerate(rec.list_of("intervention")):
            if isinstance(value, str):
                yield ("intervention", index), value
    for index, dose in enumerate(rec.list_of("dosing")):
        if isinstance(dose, dict) and isinstance(dose.get("agent"), str):
            yield ("dosing", index, "agent"), dose["agent"]


def _safety(ctx: Context) -> Iterator[Finding]:
    notices, doc = load_notices(ctx)
    vocabulary = ctx.project.vocabulary
    by_concept: dict[str, list[Notice]] = defaultdict(list)
    for notice in notices:
        for concept in notice.concepts:
            by_concept[concept].append(notice)
    if doc is not None:
        for index, item in _items(doc, "notices"):
            for position, concept in enumerate(item.get("concepts") or []):
                if isinstance(concept, str) and concept not in vocabulary:
                    yield NOTICE_CONCEPT.finding(
                        doc.location(("notices", index, "concepts", position), str(item.get("id") or "")),
                        f"concept '{concept}' is not in the vocabulary",
                        hint="use a concept id of guidelines/vocabulary.yaml", key=concept)
    if not by_concept:
        return
    logs: dict[str, ReviewLog] = {}
    board = BoardDecisions(ctx.project)
    try:
        yield from _unreviewed(ctx, by_concept, logs, board)
    finally:
        board.close()


def _unreviewed(ctx: Context, by_concept: dict[str, list[Notice]], logs: dict[str, ReviewLog],
                board: BoardDecisions) -> Iterator[Finding]:
    vocabulary = ctx.project.vocabulary
    for rec in ctx.corpus.recommendations:
        if not _active(rec):
            continue
        reported: set[str] = set()
        for path, concept in _concerned_fields(rec):
            covering = sorted(vocabulary.with_ancestors(concept)) if concept in vocabulary else [concept]
            for broader in covering:
                for notice in by_concept.get(broader, ()):
                    if notice.id in reported:
                        continue
                    reviewed, why = _notice_review(ctx, logs, board, rec, notice)
                    if reviewed:
                        continue
                    reported.add(notice.id)
                    via = "" if broader == concept else f" (a kind of {broader})"
                    yield SAFETY_NOTICE.finding(
                        rec.location(*path),
                        f"{concept}{via} is subject to {notice.agency} {notice.action} '{notice.id}' of "
                        f"{notice.date_text} ({notice.title}); no board member has reviewed this recommendation "
                        f"against it{f' ({why})' if why else ''}",
                        hint=f"review it against the notice ({notice.url}), then record it: guideline review "
                             f"review-notice {rec.id} --notice {notice.id}",
                        related=(notice.location,), key=notice.id)


def _notice_review(ctx: Context, logs: dict[str, ReviewLog], board: BoardDecisions, rec: Record,
                   notice: Notice) -> tuple[bool, str]:
    """Whether the topic's review log has a review of the record against the notice, on or after its date, in
    a commit signed by a board member (a review typed into the log by anyone else clears nothing); else why
    the reviews it has do not count."""
    topic = rec.topic or ""
    if topic not in logs:
        doc = ctx.project.data_document(f"{REVIEWS_DIR}/{topic}.yaml")
        logs[topic] = review_log_of(doc, topic, ctx.project.data_dir / REVIEWS_DIR / f"{topic}.yaml")
    refused = []
    for decision in logs[topic].notice_reviews(rec.id, notice.id):
        when = _date(decision.date)
        if when is None or not notice.effective <= when <= ctx.today:
            continue
        member, reason = board.board_signer(decision, logs[topic])
        if member is not None:
            return True, ""
        refused.append(f"the review recorded for {decision.reviewer} does not count: {reason}")
    return False, "; ".join(refused)


def _future_reviews(ctx: Context) -> Iterator[Finding]:
    for rec in ctx.corpus.records():
        reviewed = _date(rec.get("last_reviewed"))
        if reviewed is not None and reviewed > ctx.today:
            yield FUTURE_REVIEW.finding(rec.location("last_reviewed"),
                                        f"last_reviewed {reviewed.isoformat()} is after today ({ctx.today.isoformat()})",
                                        hint="set the date the board actually reviewed it", key="future")


def _retractions(ctx: Context, bib: Bibliography) -> Iterator[Finding]:
    retracted = load_retractions(ctx)
    if not retracted:
        return
    verdicts: dict[str, tuple[Retraction, str] | None] = {}
    for rec in ctx.corpus.recommendations:
        if not rec.valid:
            continue
        for index, citation in enumerate(rec.list_of("citations")):
            ref = bib.resolve(citation) if isinstance(citation, str) else None
            if ref is None:
                continue
            if ref.id not in verdicts:
                verdicts[ref.id] = _retraction_of(ref, retracted)
            verdict = verdicts[ref.id]
            if verdict is None:
                continue
            entry, kind = verdict
            yield RETRACTED.finding(
                rec.location("citations", index),
                f"cites '{ref.id}', retracted on {entry.date_text}: {entry.reason}",
                hint=f"remove the citation and check what the recommendation still rests on (notice: "
                     f"{entry.source})",
                related=(ref.location("identifiers", kind), entry.location), key=ref.id)


def _retraction_of(ref: Record, retracted: dict[tuple[str, str], Retraction]) -> tuple[Retraction, str] | None:
    ids = ref.get("identifiers")
    if not isinstance(ids, dict):
        return None
    for kind, key in identifiers.work_keys(ids).items():
        entry = retracted.get((kind, key))
        if entry is not None:
            return entry, kind
    return None


CHECKS = (
    Check("evidence", (WEAK_SUPPORT, REVIEW_OVERDUE, EVIDENCE_OUTDATED, RETRACTED), _evidence, keys=(citation_keys,)),
    Check("safety-notices", (SAFETY_NOTICE, NOTICE_CONCEPT), _safety, keys=()),
    Check("review-dates", (FUTURE_REVIEW,), _future_reviews, per_record=True),
)
