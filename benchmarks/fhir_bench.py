"""Time `guideline export --format fhir` against a cold `guideline validate` on the same generated corpus, in
wall and in CPU time (the process and its workers).

    python benchmarks/fhir_bench.py                      # 10k recommendations, 3 rounds
    python benchmarks/fhir_bench.py --sizes 100k --repeat 1

The goal (issue 22): exporting takes no longer than validating cold. Corpora come from benchmarks/run.py's
`prepare` (generated once into benchmarks/corpora/SIZE/); the code is copied to a temporary folder first, as
run.py does, so edits made during a run change nothing. Stages run in rotation, `--repeat` rounds; the table
gives medians. On a shared machine trust the CPU column: wall times then say more about the other processes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import TODAY, prepare, snapshot_code  # benchmarks/ is not a package: found through sys.path

STAGES = {
    "export --format fhir": ("export", "--format", "fhir", "-o", "{out}"),
    "validate --no-cache": ("validate", "--no-cache", "--exit-zero"),
    "validate --no-cache --no-expectations": ("validate", "--no-cache", "--no-expectations", "--exit-zero"),
}
LAUNCH = "import sys; from guideline.cli import main; sys.exit(main())"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, with the workers it waited for) and exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, process.returncode


def bench(size: str, rounds: int, corpora: Path) -> dict[str, dict[str, float]]:
    root, records = prepare(size, corpora, regenerate=False)
    with tempfile.TemporaryDirectory(prefix="fhir-bench-") as scratch:
        code = snapshot_code(Path(scratch))
        out = Path(scratch) / "export"
        env = {**os.environ, "PYTHONPATH": str(code), "GUIDELINE_TODAY": TODAY, "GX_ANALYTICS_ENABLED": "false",
               "NO_COLOR": "1"}
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in STAGES}
        for round_number in range(rounds):
            names = list(STAGES)
            names = names[round_number % len(names):] + names[:round_number % len(names)]
            for name in names:
                shutil.rmtree(out, ignore_errors=True)
                args = [a.format(out=out) for a in STAGES[name]]
                wall, cpu, _ = timed([sys.executable, "-c", LAUNCH, *args, "--root", str(root)], env)
                samples[name].append((wall, cpu))
                print(f"{size} round {round_number + 1}: {name}: wall {wall:.1f} s, CPU {cpu:.1f} s", file=sys.stderr)
    return {name: {"records": records, "wall": statistics.median(w for w, _ in found),
                   "cpu": statistics.median(c for _, c in found), "rounds": len(found)}
            for name, found in samples.items()}


def table(size: str, results: dict[str, dict[str, float]]) -> str:
    cold = results["validate --no-cache"]
    lines = [f"| {size} ({int(cold['records']):,} records) | wall s | CPU s | wall / validate cold | CPU / validate cold |",
             "|---|---:|---:|---:|---:|"]
    for name, found in results.items():
        lines.append(f"| `guideline {name}` | {found['wall']:.1f} | {found['cpu']:.1f} | "
                     f"{found['wall'] / cold['wall']:.2f} | {found['cpu'] / cold['cpu']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10k", help="comma-separated corpus sizes (1k, 10k, 100k)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the rotation (medians reported)")
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora")
    args = parser.parse_args(argv)
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for size in args.sizes.split(","):
        results = bench(size, args.repeat, args.corpora)
        text = table(size, results)
        print(text)
        (results_dir / f"{stamp}-fhir-{size}.md").write_text(text + "\n", encoding="utf-8")
        (results_dir / f"{stamp}-fhir-{size}.json").write_text(json.dumps(results, indent=2) + "\n",
                                                               encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
