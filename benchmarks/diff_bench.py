"""What a board report costs on a large corpus with 1% of its records changed, against parsing only those files.

    python benchmarks/diff_bench.py --records 10k
    python benchmarks/diff_bench.py --records 100k --changed 1000
    python benchmarks/diff_bench.py --corpus /tmp/corpus-100k     # reuse a project generated earlier

Generates a project with benchmarks/generate.py (a small built-in generator when that is missing), commits it
in a throwaway git repository, changes 1% of the recommendations (generate.change_records when available) and
commits again. Then it times, in one process:

  parse floor     reading the changed files at both revisions from git and loading them with libyaml, gc paused
  record diff     guideline diff --no-findings --no-cache: revisions, tree diff, blobs, parse, record and
                  field diff
  full report     the same plus the findings delta (every check on both whole revisions) and review status,
                  with the project's cache as `guideline diff` uses it, three times:
                    empty: nothing was ever validated here;
                    validate at base: the cache `guideline validate` leaves at the base revision, which is
                    what CI restores from main's last run, or what an editor has after validating before
                    branching;
                    again: the cache the previous report left
  render          Markdown, HTML and JSON of the full report

and prints a Markdown table of wall and CPU time (this process and the children it forked), each also as a
multiple of the parse floor.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "pipelines"))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from guideline.corpus.cache import CACHE_DIR, open_cache
from guideline.corpus.loader import gc_paused
from guideline.git.revisions import Repository
from guideline.render import report_html, report_json, report_md
from guideline.report.compare import compare

AS_OF = date(2026, 11, 25)
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


def parse_size(text: str) -> int:
    return SIZES.get(text.lower()) or int(text.lower().replace("k", "000"))


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def _fallback_generate(target: Path, records: int) -> None:
    """A plain corpus of 40 recommendations per topic file, for when benchmarks/generate.py is absent."""
    corpus = target / "guidelines"
    (corpus / "topics").mkdir(parents=True, exist_ok=True)
    for name in ("policy.yaml", "vocabulary.yaml", "grading-schemes.yaml"):
        shutil.copy(REPO_ROOT / "guidelines" / name, corpus / name)
    for topic in range((records + 39) // 40):
        lines = [(f"topic:\n  id: t{topic:05d}\n  question: Question {topic}?\n  title: Topic {topic}\n"
                  f"  summary: t{topic:05d}-00\n  audience:\n    - clinicians\n  last_updated: \"2026-01-02\"\n"
                  f"  review_state: submitted\n  sections:\n    - id: care\n      title: Care\n"
                  "recommendations:\n")]
        for number in range(40):
            lines.append(f"  - id: t{topic:05d}-{number:02d}\n    section: {'summary' if number == 0 else 'care'}\n"
                         f"    statement: \"Give calcitonin daily in case {topic}-{number}.\"\n"
                         f"    statement_type: information\n    citations: []\n    review_state: submitted\n")
        (corpus / "topics" / f"t{topic:05d}.yaml").write_text("".join(lines), encoding="utf-8")


def _fallback_change(target: Path, count: int) -> None:
    files = sorted((target / "guidelines" / "topics").glob("*.yaml"))
    for number in range(count):
        path = files[(number * 7919) % len(files)]
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("daily in case", "twice daily in case", 1), encoding="utf-8")


def prepare(target: Path, records: int, changed: int) -> None:
    try:
        from generate import change_records, generate
    except ImportError:
        _fallback_generate(target, records)
        _git(target, "init", "-q", "-b", "main")
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "-m", "base")
        _fallback_change(target, changed)
    else:
        generate(target, records)
        _git(target, "init", "-q", "-b", "main")
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "-m", "base")
        change_records(target, changed)
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "head")
    _git(target, "tag", "base", "HEAD~1")
    _git(target, "tag", "head", "HEAD")


Row = tuple[str, float, float, str]


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the report forks one per revision)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, rows: list[Row], fn: Callable[[], Any], note: str = "") -> Any:
    gc.collect()
    start, cpu = time.perf_counter(), _cpu()
    result = fn()
    rows.append((label, time.perf_counter() - start, _cpu() - cpu, note))
    return result


def parse_changed(root: Path) -> tuple[int, int]:
    """The floor: read the changed files at both revisions out of git and load them with libyaml (PyYAML's C
    loader, the collector paused), nothing more: the least any tool reading those files spends."""
    with Repository(root) as repo:
        base, head = repo.resolve("base"), repo.resolve("head")
        files = repo.changed_files(base, head, "guidelines")
        blobs = repo.read_blobs([b for f in files for b in (f.base_blob, f.head_blob) if b])
    with gc_paused():
        for change in files:
            for sha in (change.base_blob, change.head_blob):
                if sha:
                    yaml.load(blobs[sha], Loader=yaml.CSafeLoader)
    return len(files), sum(len(b) for b in blobs.values())


def cache_of_validate_at_base(root: Path, scratch: Path) -> Path:
    """The cache `guideline validate` leaves at the base revision (what CI restores from main's last run)."""
    tree = scratch / "base-tree"
    _git(scratch, "clone", "-q", "--shared", str(root), str(tree))
    _git(tree, "checkout", "-q", "--detach", "base")
    subprocess.run([sys.executable, "-c", "import sys; from guideline.cli import main; sys.exit(main())",
                    "validate", "--no-expectations", "--exit-zero", "--format", "json"], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "pipelines")})
    saved = scratch / "base-cache"
    shutil.copytree(tree / CACHE_DIR, saved)
    shutil.rmtree(tree, ignore_errors=True)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", "-n", type=parse_size, default=10_000, help="1k, 10k or 100k (default 10k)")
    parser.add_argument("--changed", type=int, help="records to change (default: 1%% of --records)")
    parser.add_argument("--corpus", type=Path, help="reuse a git project prepared by an earlier run")
    parser.add_argument("--with-expectations", action="store_true", help="include the great-expectations suite")
    parser.add_argument("--no-findings", action="store_true",
                        help="skip the full report (its findings delta validates both whole revisions)")
    args = parser.parse_args(argv)
    changed = args.changed or max(1, args.records // 100)
    scratch = None
    if args.corpus:
        root = args.corpus.absolute()
        if not (root / ".git").exists():
            prepare(root, args.records, changed)
    else:
        scratch = tempfile.mkdtemp(prefix="diff-bench-")
        root = Path(scratch) / "project"
        start = time.perf_counter()
        prepare(root, args.records, changed)
        print(f"prepared {args.records:,} records, {changed:,} changed, in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
    rows: list[Row] = []
    work = tempfile.mkdtemp(prefix="diff-bench-work-")
    try:
        files, size = timed("parse floor (changed files, both sides)", rows, lambda: parse_changed(root))
        rows[-1] = (*rows[-1][:3], f"{files} files, {size / 1e6:.1f} MB")
        quick = timed("record diff (--no-findings --no-cache)", rows,
                      lambda: compare(root, "base", "head", as_of=AS_OF, with_findings=False,
                                      with_expectations=args.with_expectations))
        rows[-1] = (*rows[-1][:3], f"{len(quick.changes)} record changes")
        full = quick
        if not args.no_findings:
            base_cache = cache_of_validate_at_base(root, Path(work))
            for label, cache_before in (("full report, empty cache", None),
                                        ("full report, cache of validate at base", base_cache),
                                        ("full report again (cache of the report above)", "keep")):
                if cache_before != "keep":
                    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
                    if cache_before:
                        shutil.copytree(cache_before, root / CACHE_DIR)
                full = timed(label, rows, lambda: compare(root, "base", "head", as_of=AS_OF,
                                                          with_expectations=args.with_expectations,
                                                          cache=open_cache(root)))
                counts = full.findings_counts() or {}
                outcome = f"{counts.get('introduced', 0)} introduced, {counts.get('resolved', 0)} resolved"
                rows[-1] = (*rows[-1][:3], outcome)
        for name, render in (("render md", report_md.render), ("render html", report_html.render),
                             ("render json", report_json.render)):
            text = timed(name, rows, lambda render=render: render(full))  # type: ignore[misc]
            rows[-1] = (*rows[-1][:3], f"{len(text.encode()) / 1e3:,.0f} kB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    floor, floor_cpu = rows[0][1], rows[0][2]
    print(f"\n{args.records:,} recommendations, {changed:,} changed ({changed / args.records:.1%})\n")
    print("| stage | wall s | CPU s | wall × floor | CPU × floor | note |\n|---|---:|---:|---:|---:|---|")
    for label, seconds, cpu, note in rows:
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} | {seconds / floor:.2f} | {cpu / floor_cpu:.2f} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
