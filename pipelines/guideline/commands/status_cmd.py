"""guideline status: where every topic stands in review and whom it waits on."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from guideline.commands.common import add_root_option, emit, open_project
from guideline.corpus.project import CORPUS_DIR
from guideline.engine.pipeline import load_corpus
from guideline.errors import EXIT_OK, UsageError
from guideline.render.article import records_by_topic
from guideline.workflow.review import APPROVED_STATES, Approvals, RecordStatus, load_review_log, topic_records

EXAMPLES = """examples:
  guideline status                              every topic: states, approvals, what it waits on
  guideline status osteoporotic-spine-fracture  one topic
  guideline status --format json                for dashboards and scripts

exit codes: 0 shown, 2 usage or configuration error (an unknown topic id)."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("status", help="show review states and what each topic waits on",
                            description="Show where each topic is in the review workflow: record states, valid "
                                        "approvals against the policy, unresolved comments, and who acts next.",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="topic ids (default: all)")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    add_root_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    corpus = load_corpus([project.root / CORPUS_DIR], project)
    by_topic = records_by_topic(corpus)
    unknown = [t for t in args.topics if corpus.first("topic", t) is None]
    if unknown:
        raise UsageError(f"unknown topic: {', '.join(unknown)}", hint="run `guideline status` to list all topics")
    topics = [corpus.first("topic", t) for t in args.topics] if args.topics else corpus.topics
    approvals = Approvals.open(project)
    quorum = project.policy.material_quorum
    reports: list[dict[str, Any]] = []
    for topic in topics:
        assert topic is not None
        recs = by_topic.get(topic.id, [])
        log = load_review_log(project, topic.id, corpus)
        statuses = [approvals.status(r, recs, log, with_authors=r.get("review_state") in ("submitted", "under-review"))
                    for r in topic_records(topic, recs)]
        unresolved = log.unresolved({s.record.id for s in statuses})
        reports.append({
            "topic": topic.id,
            "file": topic.file,
            "state": statuses[0].state,
            "states": dict(sorted(Counter(s.state for s in statuses).items())),
            "waits_on": _waits_on(statuses, len(unresolved), approvals, quorum),
            "unresolved_comments": [{"id": c.id, "record": c.record, "author": c.author, "text": c.text}
                                    for c in unresolved],
            "records": [_record(s) for s in statuses],
        })
    if args.format == "json":
        emit(json.dumps({"quorum": quorum, "chair_required": project.policy.chair_required, "topics": reports},
                        indent=2, ensure_ascii=False) + "\n", None)
    else:
        emit(_text(reports, approvals.git_problem()), None)
    return EXIT_OK


def _record(status: RecordStatus) -> dict[str, Any]:
    return {
        "id": status.record.id,
        "kind": status.record.kind,
        "state": status.state,
        "approved": status.approved,
        "valid_approvals": sorted(c.decision.reviewer for c in status.valid),
        "not_counted": {c.decision.reviewer: list(c.problems) for c in status.checks if c.problems},
        "missing": list(status.missing),
        "authors": list(status.authors),
    }


def _waits_on(statuses: list[RecordStatus], unresolved: int, approvals: Approvals, quorum: int) -> list[str]:
    out: list[str] = []
    drafts = [s for s in statuses if s.state == "draft"]
    changes = [s for s in statuses if s.state == "changes-requested"]
    in_review = [s for s in statuses if s.state in ("submitted", "under-review")]
    approved = [s for s in statuses if s.state in APPROVED_STATES]
    broken = [s for s in approved if not s.approved]
    if drafts:
        out.append(f"editors: {len(drafts)} draft record(s) to submit")
    if changes or unresolved:
        out.append(f"editors: {len(changes)} record(s) with changes requested, {unresolved} unresolved comment(s)")
    if in_review:
        short = [s for s in in_review if not s.approved]
        eligible = _eligible(short, approvals)
        names = ", ".join(eligible) if eligible else "no eligible board member left"
        out.append(f"board: {len(short)} record(s) need approvals ({quorum} valid each); eligible: {names}")
    if broken:
        out.append(f"editors: {len(broken)} record(s) say approved/published without valid approvals "
                   f"(stale or edited by hand); submit them again")
    if approved and len(approved) == len(statuses) and not broken and not unresolved:
        pending = [s for s in approved if s.state == "approved"]
        out.append(f"publisher: guideline publish ({len(pending)} approved record(s) not yet published)"
                   if pending else "nobody: published")
    return out


def _eligible(statuses: list[RecordStatus], approvals: Approvals) -> list[str]:
    """Board members who could approve the waiting records: approvers who authored none and approved not all."""
    names = []
    for member in approvals.roster.members:
        if not member.approver:
            continue
        authored = any(member.email in s.authors for s in statuses)
        done = all(member.email in {c.decision.reviewer for c in s.valid} for s in statuses)
        if not authored and not done:
            names.append(f"{member.name} <{member.email}>")
    return names


def _text(reports: list[dict[str, Any]], git_problem: str | None) -> str:
    lines: list[str] = []
    if git_problem:
        lines.append(f"note: {git_problem}; no approval can count")
    for report in reports:
        states = ", ".join(f"{n} {state}" for state, n in report["states"].items())
        lines.append(f"{report['topic']}  [{report['state']}]  {report['file']}")
        lines.append(f"  records: {states}")
        for wait in report["waits_on"] or ["nothing"]:
            lines.append(f"  waits on {wait}")
        for comment in report["unresolved_comments"]:
            lines.append(f"  unresolved {comment['id']} on {comment['record']} by {comment['author']}: "
                         f"{' '.join(comment['text'].split())[:100]}")
        for record in report["records"]:
            if record["state"] in APPROVED_STATES and not record["approved"]:
                lines.append(f"  ! {record['id']} is {record['state']} but: {'; '.join(record['missing'])}")
    if not reports:
        lines.append("no topics")
    return "\n".join(lines) + "\n"
