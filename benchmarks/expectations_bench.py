"""What the expectation suite costs on a large corpus, with the great-expectations import timed on its own.

    python benchmarks/expectations_bench.py --records 100k
    python benchmarks/expectations_bench.py --corpus benchmarks/corpora/100k   # reuse a generated project

Generates a synthetic project with benchmarks/generate.py (unless --corpus names one), copies the repository's
suite into it, then prints the time to load the corpus, build the frames, import great-expectations and run
the suite, and the findings per rule.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "pipelines"))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
os.environ["GX_ANALYTICS_ENABLED"] = "false"

from generate import generate, parse_size
from guideline.checks import expectations
from guideline.checks.frames import build_frames
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus

SUITE = Path("guidelines") / "expectations.yaml"


@contextmanager
def timed(label: str, results: dict[str, tuple[float, float]]) -> Iterator[None]:
    """Wall and CPU seconds: CPU time stays meaningful on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    results[label] = (time.perf_counter() - wall, time.process_time() - cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", "-n", type=parse_size, default=100_000, help="records to generate (100k)")
    parser.add_argument("--corpus", type=Path, help="an existing generated project to use instead")
    parser.add_argument("--runs", type=int, default=2, help="suite runs after the first (default 2)")
    args = parser.parse_args(argv)
    if "great_expectations" in sys.modules:
        raise SystemExit("great_expectations is already imported; its import time would not be measured")
    workdir = None
    if args.corpus:
        root = args.corpus.absolute()
    else:
        workdir = Path(tempfile.mkdtemp(prefix="gx-bench-"))
        root = workdir / "project"
        print(f"generating {args.records:,} records in {root} ...", flush=True)
        generate(root, args.records)
    try:
        if not (root / SUITE).is_file():
            shutil.copy(REPO_ROOT / SUITE, root / SUITE)
        today = date(2026, 11, 25)
        times: dict[str, tuple[float, float]] = {}
        project = load_project(root)
        with timed("load corpus", times):
            corpus = load_corpus([root / "guidelines"], project)
        gc.collect()
        with timed("build frames", times):
            frames = build_frames(corpus, today)
        with timed("import great_expectations", times):
            expectations._great_expectations()
        suite = expectations.load_suite(project)
        assert suite is not None
        parameters = expectations.parameter_values(project, today)
        with timed("run suite (first)", times):
            findings = expectations.run_suite(suite, frames, parameters)
        for run in range(args.runs):
            with timed(f"run suite (again, #{run + 1})", times):
                expectations.run_suite(suite, frames, parameters)
        rows = {name: len(table) for name, table in frames.tables.items()}
        print(f"corpus: {len(corpus.recommendations):,} recommendations, {len(corpus.references):,} references, "
              f"{len(corpus.documents):,} files; frame rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        print(f"suite: {len(suite.entries)} expectations")
        print(f"{'':<32} {'wall':>8} {'cpu':>8}")
        for label, (wall, cpu) in times.items():
            print(f"{label:<32} {wall:7.2f}s {cpu:7.2f}s")
        counts = Counter(f.rule for f in findings)
        print("findings: " + (", ".join(f"{rule} {n:,}" for rule, n in sorted(counts.items())) or "none"))
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
