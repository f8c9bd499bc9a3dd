"""guideline publish: the publication gate, then the article as Markdown and self-contained HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, add_today_option, emit, open_project, today_of
from guideline.corpus.project import CORPUS_DIR
from guideline.engine.pipeline import validate
from guideline.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from guideline.fileio import write_atomic
from guideline.registry import all_rules
from guideline.render import REPORTERS
from guideline.render.article import ArticleStatus, Publication, records_by_topic, render_article
from guideline.workflow.review import (
    APPROVED_STATES,
    Approvals,
    GateResult,
    LoggedTransition,
    append_review_log,
    gate,
    load_publication,
    load_review_log,
    load_workflow,
    reviewer_identity,
    set_states,
)

EXAMPLES = """examples:
  guideline publish                                 every topic, into published/
  guideline publish osteoporotic-spine-fracture --out site/
  guideline publish osteoporotic-spine-fracture --preview
      render content still under review, with the "pending human review" banner, into preview/
  guideline publish --format github                 refusal reasons as GitHub annotations
  guideline publish --ready                         only topics the board approved (what CI runs on main)

The gate refuses, listing every reason, when a topic has validation errors (in its files, in the
references it cites, or in the data files), a record that is not approved or whose approvals do not count,
an unresolved review comment, or a citation that resolves to no reference. Nothing is written then.
Publishing records approved -> published in guidelines/reviews/<topic>.yaml and the topic file: commit them.

exit codes: 0 published (or previewed), 1 refused by the gate, 2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("publish", help="render approved topics as Markdown and HTML articles",
                            description="Check the publication gate and render each topic as an article "
                                        "(Markdown and self-contained HTML).",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="topic ids (default: every topic)")
    parser.add_argument("--out", "-o", type=Path, metavar="DIR",
                        help="output folder (default: published/, or preview/ with --preview)")
    parser.add_argument("--ready", action="store_true",
                        help="only topics whose review_state is approved or published (for CI: topics still in "
                             "review are skipped, not refused)")
    parser.add_argument("--preview", action="store_true",
                        help="render even if the gate refuses, marked as pending human review; records nothing")
    parser.add_argument("--format", "-f", choices=sorted(REPORTERS), default="text",
                        help="format of the refusal reasons")
    parser.add_argument("--by", metavar="EMAIL", help="who publishes (default: git config user.email)")
    add_root_option(parser)
    add_today_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    publication = load_publication(project)
    workflow = load_workflow(project)
    today = today_of(args)
    result = validate([project.root / CORPUS_DIR], project, today=today)
    corpus = result.corpus
    unknown = [t for t in args.topics if corpus.first("topic", t) is None]
    if unknown:
        raise UsageError(f"unknown topic: {', '.join(unknown)}", hint="`guideline status` lists the topics")
    topics = [t for t in (corpus.first("topic", i) for i in dict.fromkeys(args.topics)) if t] or corpus.topics
    if not topics:
        raise UsageError("no topics to publish", hint=f"topic files live under {CORPUS_DIR}/topics/")
    if args.ready:
        waiting = [t for t in topics if t.get("review_state") not in APPROVED_STATES]
        for topic in waiting:
            print(f"note: {topic.id} is {topic.get('review_state')}; not ready, skipped", file=sys.stderr)
        topics = [t for t in topics if t.get("review_state") in APPROVED_STATES]
        if not topics:
            print("nothing ready to publish")
            return EXIT_OK
    approvals = Approvals.open(project)
    by_topic = records_by_topic(corpus)
    results: list[GateResult] = []
    for topic in topics:
        log = load_review_log(project, topic.id, corpus)
        results.append(gate(topic, corpus, project, result.findings, approvals, by_topic.get(topic.id, []), log))
    refused = [r for r in results if not r.ok]
    out_dir = (args.out or project.root / ("preview" if args.preview else "published")).absolute()

    if args.preview:
        for item in results:
            _write(item, out_dir, publication, preview=True)
        for item in refused:
            print(f"note: {item.topic.id} cannot be published yet ({len(item.reasons)} reason(s)); "
                  f"`guideline publish {item.topic.id}` lists them", file=sys.stderr)
        return EXIT_OK

    if refused:
        reasons = [f for r in refused for f in r.reasons]
        emit(REPORTERS[args.format](sorted(reasons, key=lambda f: f.sort_key()), all_rules(), False), None)
        for item in refused:
            print(f"guideline: publish refused for {item.topic.id}: {len(item.reasons)} reason(s)", file=sys.stderr)
        print("  hint: `guideline status` shows what each topic waits on; nothing was written", file=sys.stderr)
        return EXIT_FINDINGS

    stamp = today.isoformat()
    publisher: str | None = None
    for item in results:
        written = _write(item, out_dir, publication, preview=False)
        transitions = []
        for record_id, status in item.statuses.items():
            target = workflow.target("publish", status.state)
            if target is not None and target != status.state:
                publisher = publisher or reviewer_identity(approvals.history, args.by, "--by")
                transitions.append(LoggedTransition(record_id, "publish", status.state, target, publisher, stamp,
                                                    None, status.content_hash))
        if transitions:
            log = load_review_log(project, item.topic.id, corpus)
            append_review_log(log.path, item.topic.id, transitions=transitions)
            set_states(Path(item.topic.file).absolute(), {t.record: t.target for t in transitions})
        print(f"published {item.topic.id}: {', '.join(_shown(p) for p in written)}"
              + (f" ({len(transitions)} record(s) now published; commit guidelines/)" if transitions else ""))
    return EXIT_OK


def _write(item: GateResult, out_dir: Path, publication: Publication, *, preview: bool) -> list[Path]:
    topic = item.topic
    state = "published" if not preview else str(topic.get("review_state") or "draft")
    status = ArticleStatus(state, () if preview else item.reviewers())
    markdown, html = render_article(topic, item.corpus, item.numbering, recommendations=item.recommendations,
                                    publication=publication, status=status, preview=preview)
    paths = [out_dir / f"{topic.id}.md", out_dir / f"{topic.id}.html"]
    write_atomic(paths[0], markdown.encode("utf-8"))
    write_atomic(paths[1], html.encode("utf-8"))
    return paths


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
