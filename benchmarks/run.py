"""Time every validation stage on generated corpora and compare each with the parse-only floor.

    python benchmarks/run.py                         # 1k and 10k
    python benchmarks/run.py --sizes 1k,10k,100k     # the 100k corpus takes minutes to generate and check
    python benchmarks/run.py --sizes 10k --extras    # also the other benchmark scripts found here

Each stage runs in its own process, as a user would run it; wall time, CPU time (user + system, all processes)
and peak memory (largest resident set of the stage's processes) are measured from outside. The floor is PyYAML's
C loader reading every file of the corpus in one process with the garbage collector paused: the least any tool
that reads the YAML must spend. Stages:

  parse floor      yaml.load(CSafeLoader) of every file, gc paused
  cold             guideline validate --no-cache: every check but great-expectations, nothing cached
  cold, caching    the same with an empty cache, which it fills
  warm             again, nothing changed: answered from the run cache
  changed-since    10 records edited (benchmarks/generate.change_records), --changed-since HEAD
  check-jsonschema the peer: schema validation only of the same files (topic and bibliography schemas)

The code is copied to a temporary folder first, so edits made while the benchmark runs neither mix versions nor
invalidate the cache between stages. Results go to benchmarks/results/ as Markdown and JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate

TODAY = "2026-11-25"
GIB = 1024 ** 3
EXTRAS = ("conflicts_scale.py", "expectations_bench.py", "diff_bench.py")
FLOOR_SCRIPT = """
import gc, sys, time
from pathlib import Path
import yaml
files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".yaml", ".yml"))
gc.disable()
for path in files:
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
"""


CHECK_COSTS_SCRIPT = """
import gc, json, os, sys, time
from datetime import date
from pathlib import Path
from guideline.checks import CHECKS, Context
from guideline.corpus.cache import open_cache
from guideline.corpus.project import load_project
from guideline.engine.pipeline import load_corpus
project = load_project(Path.cwd())
corpus = load_corpus([project.data_dir], project, cache=open_cache(project.root))
context = Context(corpus, project, date.fromisoformat(os.environ["GUIDELINE_TODAY"]), expectations=False)
gc.disable()
costs = []
for check in CHECKS:
    started = time.process_time()
    found = sum(1 for _ in check.run(context))
    costs.append((check.name, time.process_time() - started, found))
json.dump(costs, sys.stdout)
"""


@dataclass(frozen=True)
class Stage:
    size: str
    records: int
    name: str
    wall: float
    cpu: float
    peak_bytes: int
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.records / self.wall if self.wall else 0.0


def run_measured(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds and peak resident bytes of a command and its children; its output."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    # ru_maxrss is in KiB on Linux; for a process that waited for its workers it covers them too.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, text


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - started


def parallel_speedup() -> float:
    """How much faster two CPU-bound processes finish than one doing both jobs: 2.0 on an idle 2-core machine.
    Other processes on the cores make every wall time of the run longer and this figure smaller."""
    import multiprocessing
    work = 5_000_000
    alone = _spin(work) * 2
    with multiprocessing.get_context("fork").Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_spin, [work, work])
        together = time.perf_counter() - started
    return alone / together


def snapshot_code(into: Path) -> Path:
    target = into / "pipelines"
    shutil.copytree(REPO_ROOT / "pipelines" / "guideline", target / "guideline", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def prepare(size: str, corpora: Path, regenerate: bool) -> tuple[Path, int]:
    records = generate.parse_size(size)
    root = corpora / size
    if regenerate or not (root / "guidelines").is_dir():
        started = time.perf_counter()
        shutil.rmtree(root, ignore_errors=True)
        generate.generate(root, records)
        print(f"generated {root} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "-c", "user.name=Benchmark", "-c", "user.email=bench@example.org", "commit", "-qm", "corpus")
    return root, records


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _restore(root: Path) -> None:
    _git(root, "checkout", "-q", "--", ".")
    _git(root, "clean", "-qfd", "guidelines")


def bench_size(size: str, args: argparse.Namespace, env: dict[str, str]) -> list[Stage]:
    root, records = prepare(size, args.corpora, args.regenerate)
    _restore(root)
    cache = root / ".guideline-cache"
    guideline = [str(Path(sys.executable).parent / "guideline"), "validate", "--no-expectations",
                 "--format", "json", "--output", os.devnull]
    stages: list[Stage] = []

    def stage(name: str, command: Sequence[str], note: str = "") -> str:
        best: tuple[float, float, int, str] | None = None
        for _ in range(args.repeat):
            if name.startswith("cold"):
                shutil.rmtree(cache, ignore_errors=True)
            measured = run_measured(command, cwd=root, env=env)
            best = measured if best is None or measured[0] < best[0] else best
        assert best is not None
        stages.append(Stage(size, records, name, best[0], best[1], best[2], note))
        print(f"  {size:>5} {name:<22} {best[0]:8.2f} s", file=sys.stderr)
        return best[3]

    stage("parse floor", [sys.executable, "-c", FLOOR_SCRIPT, str(root / "guidelines")])
    stage("cold", [*guideline, "--no-cache"], "every check but great-expectations, no cache")
    stage("cold, caching", guideline, "the same, filling an empty cache")
    stage("warm", guideline, "nothing changed: run cache hit")
    try:
        changed = generate.change_records(root, 10, seed=2)
        stage("changed-since", [*guideline, "--changed-since", "HEAD"],
              f"{len(changed)} records edited in {len({f for f, _ in changed if f})} files")
    finally:
        _restore(root)
    topics = sorted(str(p.relative_to(root)) for p in (root / "guidelines" / "topics").glob("*.yaml"))
    bibliographies = sorted(str(p.relative_to(root)) for p in (root / "guidelines" / "references").glob("*.yaml"))
    peer = Path(sys.executable).parent / "check-jsonschema"
    walls = []
    for schema, files in (("topic-file", topics), ("references-file", bibliographies)):
        uri = (REPO_ROOT / "schemas" / f"{schema}.schema.json").as_uri()
        walls.append(run_measured([str(peer), "--base-uri", uri, "--schemafile", uri.removeprefix("file://"), *files],
                                  cwd=root, env=env))
    stages.append(Stage(size, records, "check-jsonschema", sum(w[0] for w in walls), sum(w[1] for w in walls),
                        max(w[2] for w in walls), "schema only: topic and bibliography files"))
    print(f"  {size:>5} {'check-jsonschema':<22} {stages[-1].wall:8.2f} s", file=sys.stderr)
    _, _, _, output = run_measured([sys.executable, "-c", CHECK_COSTS_SCRIPT], cwd=root, env=env)
    costs = json.loads(output.strip().splitlines()[-1])
    args.check_costs[size] = costs
    if args.extras:
        for script in EXTRAS:
            if (HERE / script).is_file():
                option = ["--records", size] if script == "diff_bench.py" else ["--corpus", str(root)]
                output = stage(script, [sys.executable, str(HERE / script), *option], "the script's own table below")
                args.extra_output.append(f"### {script} ({size})\n\n```\n{output.strip()}\n```\n")
    return stages


def table(stages: list[Stage]) -> str:
    lines = ["| corpus | stage | wall s | CPU s | peak MiB | records/s | × floor | notes |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    floors = {s.size: s.wall for s in stages if s.name == "parse floor"}
    for s in stages:
        ratio = s.wall / floors[s.size] if floors.get(s.size) else float("nan")
        lines.append(f"| {s.size} | {s.name} | {s.wall:.2f} | {s.cpu:.2f} | {s.peak_bytes / 2**20:,.0f} | "
                     f"{s.per_second:,.0f} | {ratio:.2f} | {s.note} |")
    return "\n".join(lines) + "\n"


def check_table(costs: dict[str, list[list[Any]]]) -> str:
    """CPU seconds of each check, one at a time in one process, and its findings: where a cold run goes."""
    if not costs:
        return ""
    sizes = list(costs)
    names = [name for name, _, _ in costs[sizes[0]]]
    by = {(size, name): (seconds, found) for size in sizes for name, seconds, found in costs[size]}
    lines = ["### Checks, CPU seconds one at a time (findings)\n", "| check | " + " | ".join(sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    order = sorted(names, key=lambda n: -by.get((sizes[-1], n), (0.0, 0))[0])
    for name in order:
        cells = [f"{by[(size, name)][0]:.2f} ({by[(size, name)][1]})" if (size, name) in by else "" for size in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"{sum(seconds for _, seconds, _ in costs[size]):.2f}" for size in sizes]
    lines.append("| all checks | " + " | ".join(totals) + " |")
    return "\n".join(lines) + "\n"


def verdicts(stages: list[Stage]) -> list[str]:
    by = {(s.size, s.name): s for s in stages}
    sizes = sorted({s.size for s in stages}, key=generate.parse_size)
    out = []
    for size in sizes:
        cold, floor, peer = by.get((size, "cold")), by.get((size, "parse floor")), by.get((size, "check-jsonschema"))
        if cold and floor:
            out.append(_verdict(f"{size}: cold validation no slower than the parse floor",
                                cold.wall <= floor.wall, f"{cold.wall / floor.wall:.2f}x"))
        if cold and peer:
            out.append(_verdict(f"{size}: cold validation at least 3x faster than check-jsonschema",
                                peer.wall >= 3 * cold.wall, f"{peer.wall / cold.wall:.1f}x faster"))
        if generate.parse_size(size) >= 100_000:
            warm, since = by.get((size, "warm")), by.get((size, "changed-since"))
            if warm:
                out.append(_verdict(f"{size}: warm run under 2 s", warm.wall < 2, f"{warm.wall:.2f} s"))
            if since:
                out.append(_verdict(f"{size}: 10-record --changed-since under 1 s", since.wall < 1,
                                    f"{since.wall:.2f} s"))
            peak = max(s.peak_bytes for s in stages if s.size == size and s.name != "check-jsonschema")
            out.append(_verdict(f"{size}: peak memory under 2 GiB", peak < 2 * GIB, f"{peak / GIB:.2f} GiB"))
    for small, large in itertools.pairwise(sizes):
        a, b = by.get((small, "cold")), by.get((large, "cold"))
        factor = generate.parse_size(large) / generate.parse_size(small)
        if a and b and factor == 10:
            out.append(_verdict(f"{small} -> {large}: 10x records cost at most 12x time", b.wall <= 12 * a.wall,
                                f"{b.wall / a.wall:.1f}x"))
    return out


def _verdict(what: str, ok: bool, figure: str) -> str:
    return f"- {'PASS' if ok else 'FAIL'} {what} ({figure})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k", help="comma-separated corpus sizes (default 1k,10k)")
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora", help="where generated corpora live")
    parser.add_argument("--regenerate", action="store_true", help="generate the corpora again")
    parser.add_argument("--repeat", type=int, default=1, help="runs per stage; the fastest counts (default 1)")
    parser.add_argument("--extras", action="store_true", help="also run the other benchmark scripts found here")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="folder for the results")
    args = parser.parse_args(argv)
    args.extra_output = []
    args.check_costs = {}
    speedup = parallel_speedup()
    with tempfile.TemporaryDirectory(prefix="guideline-bench-") as tmp:
        code = snapshot_code(Path(tmp))
        env = {**os.environ, "PYTHONPATH": str(code), "GUIDELINE_TODAY": TODAY, "GX_ANALYTICS_ENABLED": "false",
               "NO_COLOR": "1"}
        env.pop("CI", None)
        stages = [s for size in args.sizes.split(",") for s in bench_size(size.strip(), args, env)]
    after = parallel_speedup()
    report = (f"## Benchmark {datetime.now():%Y-%m-%d %H:%M}\n\n{os.cpu_count()} CPUs; two processes ran "
              f"{speedup:.1f}x (before) and {after:.1f}x (after) as fast as one, 2.0 being an idle machine; "
              f"load average {os.getloadavg()[0]:.1f}.\n\n"
              + table(stages) + "\n" + "\n".join(verdicts(stages)) + "\n")
    report += "\n" + check_table(args.check_costs)
    if args.extra_output:
        report += "\n" + "\n".join(args.extra_output)
    print(report)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{args.sizes.replace(',', '-')}"
    (args.results / f"{stamp}.md").write_text(report, encoding="utf-8")
    (args.results / f"{stamp}.json").write_text(json.dumps([asdict(s) for s in stages], indent=1) + "\n",
                                                 encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
