"""Time every validation stage on generated corpora against the parse-only floor, in wall and in CPU time.

    python benchmarks/run.py                          # 1k and 10k, 3 rounds
    python benchmarks/run.py --sizes 100k --repeat 5  # what the README's table reports
    python benchmarks/run.py --sizes 10k --extras     # also the other benchmark scripts found here

Every stage is its own process, as a user runs it, started through /usr/bin/time so that its peak memory is
its own (a child forked from this script would start at this script's size). Stages that do not depend on one
another run in rotation, `--repeat` rounds, and the table gives medians with the spread (max - min over the
median). Each figure is a ratio to two floors measured in the same run:

  floor            yaml.load(CSafeLoader) of every file in one process, gc paused: the least a YAML tool spends
  floor, 2 cores   the same split over two processes: what the floor costs when it, too, uses both cores
  cold             guideline validate --no-cache --no-expectations
  cold, default    guideline validate --no-cache (with the great-expectations suite, as users run it)
  baseline libyaml the 30-line script a user could write instead: CSafeLoader + jsonschema-rs, 2 processes,
                   schema only (no positions, no duplicate keys, no other check)
  baseline yaml-rs the same script with yaml-rs (Rust) as the parser, when it is installed
  check-jsonschema the peer on the same files and schemas, as a fresh `pip install` gives it (ruamel.yaml's
                   C extension is opt-in since 0.19, so pure Python) and, when ruamel.yaml.clib is installed,
                   in its fastest configuration
  cold, caching / warm / changed-since   the cache filled, hit, and 10 records edited (after the rotation)

The code is copied to a temporary folder first, so edits made while the benchmark runs change nothing.
Results go to benchmarks/results/ as Markdown and JSON.
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
# Argument 1 is the folder, argument 2 "i/n": this process takes every n-th file starting at i.
FLOOR_SCRIPT = """
import gc, sys
from pathlib import Path
import yaml
part, parts = map(int, sys.argv[2].split("/"))
files = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".yaml", ".yml"))[part::parts]
gc.disable()
for path in files:
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
"""

# The script a user could write in place of this tool: parse, validate against the schemas, two processes.
BASELINE_SCRIPT = """
import gc, json, sys
from multiprocessing import get_context
from pathlib import Path
import jsonschema_rs
PARSER = sys.argv[3]
if PARSER == "yaml-rs":
    import yaml_rs
    def load(raw): return yaml_rs.loads(raw.decode("utf-8"), parse_datetime=False)
else:
    import yaml
    def load(raw): return yaml.load(raw, Loader=yaml.CSafeLoader)
schemas = [json.loads(p.read_text()) for p in Path(sys.argv[2]).glob("*.schema.json")]
registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas if "$id" in s])
by_id = {s.get("$id", "").rsplit("/", 1)[-1]: s for s in schemas}
validators = {folder: jsonschema_rs.validator_for(by_id[name], registry=registry)
              for folder, name in (("topics", "topic-file.schema.json"), ("references", "references-file.schema.json"))}
def check(paths):
    gc.disable()
    bad = 0
    for path in paths:
        try:
            bad += not validators[path.parent.name].is_valid(load(path.read_bytes()))
        except Exception:
            bad += 1
    return bad
root = Path(sys.argv[1])
files = sorted(p for folder in validators for p in (root / folder).glob("*.yaml"))
with get_context("fork").Pool(2) as pool:
    print(sum(pool.map(check, [files[0::2], files[1::2]])), "files invalid")
"""

# check-jsonschema without ruamel.yaml's C extension, as a fresh install runs it.
PEER_PURE = ("import sys; sys.modules['_ruamel_yaml'] = None; sys.argv[0] = 'check-jsonschema'; "
             "from check_jsonschema import main; sys.exit(main())")
PEER_C = "import sys; sys.argv[0] = 'check-jsonschema'; from check_jsonschema import main; sys.exit(main())"


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
    """One stage's medians over its rounds; spread is (max - min) / median of the wall times."""
    size: str
    records: int
    name: str
    wall: float
    cpu: float
    peak_bytes: int
    spread: float
    rounds: int
    note: str = ""


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float
    peak_bytes: int
    output: str


TIME = Path("/usr/bin/time")
# Findings go to a scratch file: guideline refuses to replace a device such as /dev/null.
FINDINGS_OUT = Path(tempfile.gettempdir()) / "guideline-bench-findings.json"


def run_measured(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> Measured:
    """Wall and CPU seconds (the process and every child it waited for) and peak resident bytes of its largest
    process. Started through /usr/bin/time: wait4 in a process the size of this script would report this
    script's size for every small child, since a forked child's peak starts at its parent's."""
    with tempfile.TemporaryDirectory() as tmp:
        stats, out_path = Path(tmp) / "time", Path(tmp) / "out"
        wrapped = [str(TIME), "-f", "%e %U %S %M", "-o", str(stats), *command] if TIME.exists() else list(command)
        start = time.perf_counter()
        with out_path.open("wb") as out:
            process = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        text = out_path.read_text("utf-8", "replace")
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed ({code}):\n{text[-3000:]}")
        if TIME.exists():
            _, user, system, peak_kib = stats.read_text().split()[-4:]
            return Measured(wall, float(user) + float(system), int(peak_kib) * 1024, text)
        return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, text)


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - started


def parallel_speedup(trials: int = 3) -> float:
    """How much faster two CPU-bound processes finish than one doing both jobs (2.0 on an idle 2-core machine),
    the median of a few trials of about two seconds each. Other processes on the cores lower it."""
    import multiprocessing
    import statistics
    work = 20_000_000
    figures = []
    for _ in range(trials):
        alone = _spin(work) * 2
        with multiprocessing.get_context("fork").Pool(2) as pool:
            started = time.perf_counter()
            pool.map(_spin, [work, work])
            together = time.perf_counter() - started
        figures.append(alone / together)
    return statistics.median(figures)


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


@dataclass(frozen=True)
class Command:
    name: str
    argv: tuple[str, ...]
    note: str = ""
    rounds: int | None = None  # None: the run's --repeat


def _median_stage(size: str, records: int, command: Command, runs: list[Measured]) -> Stage:
    import statistics
    walls = [r.wall for r in runs]
    wall = statistics.median(walls)
    return Stage(size, records, command.name, wall, statistics.median(r.cpu for r in runs),
                 int(statistics.median(r.peak_bytes for r in runs)), (max(walls) - min(walls)) / wall if wall else 0,
                 len(runs), command.note)


def independent_commands(root: Path, env: dict[str, str], peer_rounds: int) -> list[Command]:
    python, guidelines = sys.executable, str(root / "guidelines")
    validate = (str(Path(python).parent / "guideline"), "validate", "--no-cache", "--format", "json",
                "--output", str(FINDINGS_OUT))
    out = [Command("floor", (python, "-c", FLOOR_SCRIPT, guidelines, "0/1"), "libyaml, one process, gc paused"),
           Command("floor, 2 cores", (sys.executable, "-c", _two_floors(guidelines)), "the floor split over 2 processes"),
           Command("cold", (*validate, "--no-expectations"), "every check but great-expectations"),
           Command("cold, default", validate, "with the great-expectations suite"),
           Command("baseline libyaml", (python, "-c", BASELINE_SCRIPT, guidelines, str(REPO_ROOT / "schemas"),
                                        "libyaml"), "CSafeLoader + jsonschema-rs, 2 processes, schema only")]
    if _importable("yaml_rs", env):
        out.append(Command("baseline yaml-rs", (python, "-c", BASELINE_SCRIPT, guidelines,
                                                str(REPO_ROOT / "schemas"), "yaml-rs"),
                           "yaml-rs + jsonschema-rs, 2 processes, schema only"))
    for name, code, note in (("check-jsonschema", PEER_PURE, "fresh install: pure-Python ruamel.yaml"),
                             ("check-jsonschema + clib", PEER_C, "with ruamel.yaml.clib: its fastest")):
        if code is PEER_C and not _importable("_ruamel_yaml", env):
            continue
        out.append(Command(name, (python, "-c", _peer_script(code, root)), note, peer_rounds))
    return out


def _two_floors(guidelines: str) -> str:
    """A driver that runs the floor script as two processes at once."""
    return ("import subprocess, sys\n"
            f"procs = [subprocess.Popen([sys.executable, '-c', {FLOOR_SCRIPT!r}, {guidelines!r}, f'{{i}}/2']) "
            "for i in range(2)]\n"
            "sys.exit(max(p.wait() for p in procs))\n")


def _peer_script(code: str, root: Path) -> str:
    """check-jsonschema over the topic files, then over the bibliography files, in one driver process (which
    lists the files itself: at 100k they do not fit in one command line)."""
    runs = []
    for schema, folder in (("topic-file", "topics"), ("references-file", "references")):
        uri = (REPO_ROOT / "schemas" / f"{schema}.schema.json").as_uri()
        runs.append((uri, str(root / "guidelines" / folder)))
    return ("import subprocess, sys\nfrom pathlib import Path\n"
            f"codes = [subprocess.run([sys.executable, '-c', {code!r}, '--base-uri', uri, '--schemafile', "
            "uri.removeprefix('file://'), *sorted(str(p) for p in Path(folder).glob('*.yaml'))]).returncode "
            f"for uri, folder in {runs!r}]\n"
            "sys.exit(1 if any(codes) else 0)\n")


def _importable(module: str, env: dict[str, str]) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], check=False, env=env, capture_output=True).returncode == 0


def bench_size(size: str, args: argparse.Namespace, env: dict[str, str]) -> list[Stage]:
    root, records = prepare(size, args.corpora, args.regenerate)
    _restore(root)
    cache = root / ".guideline-cache"
    commands = independent_commands(root, env, args.peer_repeat)
    runs: dict[str, list[Measured]] = {c.name: [] for c in commands}
    for round_ in range(args.repeat):
        # Rotation: each stage runs at a different point of each round, so a slow spell of the machine does not
        # fall on one stage every time.
        shift = round_ % len(commands)
        for command in commands[shift:] + commands[:shift]:
            if len(runs[command.name]) >= (command.rounds or args.repeat):
                continue
            shutil.rmtree(cache, ignore_errors=True)
            runs[command.name].append(run_measured(command.argv, cwd=root, env=env))
            print(f"  {size:>5} {command.name:<24} {runs[command.name][-1].wall:8.2f} s", file=sys.stderr)
    stages = [_median_stage(size, records, c, runs[c.name]) for c in commands]
    stages.extend(_cache_stages(size, records, root, cache, args.repeat, env))
    costs = run_measured([sys.executable, "-c", CHECK_COSTS_SCRIPT], cwd=root, env=env)
    args.check_costs[size] = json.loads(costs.output.strip().splitlines()[-1])
    if args.extras:
        for script in EXTRAS:
            if (HERE / script).is_file():
                option = ["--records", size] if script == "diff_bench.py" else ["--corpus", str(root)]
                measured = run_measured([sys.executable, str(HERE / script), *option], cwd=root, env=env)
                args.extra_output.append(f"### {script} ({size})\n\n```\n{measured.output.strip()}\n```\n")
    return stages


def _cache_stages(size: str, records: int, root: Path, cache: Path, repeat: int,
                  env: dict[str, str]) -> list[Stage]:
    """Stages that depend on what the one before left: an empty cache filled, then hit, then 10 edits."""
    validate = (str(Path(sys.executable).parent / "guideline"), "validate", "--no-expectations", "--format",
                "json", "--output", str(FINDINGS_OUT))
    names = (Command("cold, caching", validate, "an empty cache, filled"),
             Command("warm", validate, "nothing changed: the run cache answers"),
             Command("changed-since", (*validate, "--changed-since", "HEAD"), "10 records edited"))
    runs: dict[str, list[Measured]] = {c.name: [] for c in names}
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        runs["cold, caching"].append(run_measured(names[0].argv, cwd=root, env=env))
        runs["warm"].append(run_measured(names[1].argv, cwd=root, env=env))
        try:
            generate.change_records(root, 10, seed=2)
            runs["changed-since"].append(run_measured(names[2].argv, cwd=root, env=env))
        finally:
            _restore(root)
    return [_median_stage(size, records, c, runs[c.name]) for c in names]


def table(stages: list[Stage]) -> str:
    header = ("| corpus | stage | wall s | CPU s | peak MiB | wall × floor | CPU × floor | wall × 2-core floor "
              "| spread | rounds | notes |")
    lines = [header, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    floors = {s.size: s for s in stages if s.name == "floor"}
    doubles = {s.size: s for s in stages if s.name == "floor, 2 cores"}
    for s in stages:
        floor, double = floors.get(s.size), doubles.get(s.size)
        lines.append(f"| {s.size} | {s.name} | {s.wall:.2f} | {s.cpu:.2f} | {s.peak_bytes / 2**20:,.0f} | "
                     f"{_ratio(s.wall, floor.wall if floor else 0)} | {_ratio(s.cpu, floor.cpu if floor else 0)} | "
                     f"{_ratio(s.wall, double.wall if double else 0)} | {s.spread:.0%} | {s.rounds} | {s.note} |")
    return "\n".join(lines) + "\n"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else ""


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
    """The issue's targets, each PASS or FAIL with its figure (ratios within one run)."""
    by = {(s.size, s.name): s for s in stages}
    sizes = sorted({s.size for s in stages}, key=generate.parse_size)
    out = []
    for size in sizes:
        floor = by.get((size, "floor"))
        cold, default = by.get((size, "cold")), by.get((size, "cold, default"))
        if not floor:
            continue
        if cold:
            out.append(_verdict(f"{size}: cold wall <= 0.4x floor", cold.wall <= 0.4 * floor.wall,
                                f"{cold.wall / floor.wall:.2f}x"))
            out.append(_verdict(f"{size}: cold CPU <= 1.0x floor", cold.cpu <= floor.cpu,
                                f"{cold.cpu / floor.cpu:.2f}x"))
        if default:
            out.append(_verdict(f"{size}: default validate wall <= 0.6x floor", default.wall <= 0.6 * floor.wall,
                                f"{default.wall / floor.wall:.2f}x"))
        for peer, factor in (("check-jsonschema + clib", 10), ("baseline libyaml", 1)):
            other = by.get((size, peer))
            if cold and other:
                out.append(_verdict(f"{size}: cold at least {factor}x faster than {peer}",
                                    other.wall >= factor * cold.wall, f"{other.wall / cold.wall:.1f}x"))
        if generate.parse_size(size) >= 100_000:
            for name, limit in (("warm", 0.5), ("changed-since", 0.5)):
                stage = by.get((size, name))
                if stage:
                    out.append(_verdict(f"{size}: {name} <= {limit} s", stage.wall <= limit, f"{stage.wall:.2f} s"))
            peak = max((by[(size, n)].peak_bytes for n in ("cold", "cold, default") if (size, n) in by), default=0)
            out.append(_verdict(f"{size}: validate peak memory under 1 GiB", peak < GIB, f"{peak / GIB:.2f} GiB"))
    for small, large in itertools.pairwise(sizes):
        if generate.parse_size(large) != 10 * generate.parse_size(small):
            continue
        for name in ("floor", "cold", "cold, default", "warm", "changed-since"):
            a, b = by.get((small, name)), by.get((large, name))
            if a and b:
                out.append(_verdict(f"{small} -> {large}: {name} costs at most 11x", b.wall <= 11 * a.wall,
                                    f"{b.wall / a.wall:.1f}x"))
    return out


def _verdict(what: str, ok: bool, figure: str) -> str:
    return f"- {'PASS' if ok else 'FAIL'} {what} ({figure})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k", help="comma-separated corpus sizes (default 1k,10k)")
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora", help="where generated corpora live")
    parser.add_argument("--regenerate", action="store_true", help="generate the corpora again")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per stage; medians count (default 3)")
    parser.add_argument("--peer-repeat", type=int, default=1,
                        help="rounds for check-jsonschema, which takes minutes at 100k (default 1)")
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
              f"{speedup:.2f}x (before) and {after:.2f}x (after) as fast as one, 2.0 being an idle machine; "
              f"load average {os.getloadavg()[0]:.1f}. Medians of {args.repeat} rounds in rotation; peak memory "
              f"per process from /usr/bin/time.\n\n"
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
