"""How many planted defects `guideline import` + `guideline validate` find, and how many they invent.

    python benchmarks/detection.py                     # the evaluation set, a table per defect kind
    python benchmarks/detection.py --json out.json     # also the full result as JSON ('-' for stdout)
    python benchmarks/detection.py --articles DIR --key KEY.yaml

Each article of the answer key (tests/fixtures/evaluation/answers.yaml) is imported into a fresh temporary
project holding the repository's data files, as a user would (`guideline import ARTICLE --topic NAME`), and
the drafts are validated (`guideline validate`). Findings of both runs, at error or warning level, are placed
on article lines: import findings by their own line, validate findings by their `source` line, and related
records (the other side of a conflict, the original of a duplicate) by their draft's provenance line.

A defect is detected when a finding of one of its rules touches only the defect's lines. A finding of a
kind's rule family that matches no defect of that kind is a false alarm; findings on the same lines of the
same kind count once (IMP001 and REF001 on one citation are one alarm). Near misses of the key are reported
when a false alarm touches them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
EVALUATION = REPO / "tests" / "fixtures" / "evaluation"
LEVELS = ("error", "warning")
# The date-dependent checks (evidence age, review dates) must not change the figures with the calendar.
RUN_ENV = {"GUIDELINE_TODAY": "2026-11-25", "GX_ANALYTICS_ENABLED": "false", "NO_COLOR": "1"}


@dataclass(frozen=True)
class Hit:
    """One finding placed on the article: its rule and every article line it points at."""

    rule: str
    lines: frozenset[int]
    message: str


@dataclass
class ArticleResult:
    name: str
    detected: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    clean: bool = False


def guideline_command() -> list[str]:
    script = Path(sys.executable).parent / "guideline"
    return [str(script)] if script.exists() else [shutil.which("guideline") or "guideline"]


def run_json(args: Sequence[str], cwd: Path) -> dict[str, Any]:
    env = {**os.environ, **RUN_ENV}
    env.pop("CI", None)
    done = subprocess.run([*guideline_command(), *args, "--format", "json"], cwd=cwd, env=env, text=True,
                          capture_output=True, check=False, timeout=900)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"guideline {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def make_project(target: Path) -> Path:
    """The repository's data files (vocabulary, grading schemes, policy...) without its topics."""
    corpus = target / "guidelines"
    corpus.mkdir(parents=True)
    for data in (REPO / "guidelines").glob("*.yaml"):
        shutil.copy(data, corpus / data.name)
    return target


def provenance_lines(drafts: Path) -> dict[str, int]:
    """Draft record id (recommendations and references) -> the article line it came from."""
    lines: dict[str, int] = {}
    for path in drafts.glob("*/*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for record in [*(data.get("recommendations") or []), *(data.get("references") or [])]:
            line = (record.get("provenance") or {}).get("line")
            if isinstance(record.get("id"), str) and isinstance(line, int):
                lines[record["id"]] = line
    return lines


def placed(findings: Iterable[dict[str, Any]], article: str, records: dict[str, int]) -> list[Hit]:
    hits = []
    for finding in findings:
        if finding["severity"] not in LEVELS:
            continue
        source = finding.get("source") or {}
        own = finding["line"] if finding["file"] == article else source.get("line")
        lines = {own} if isinstance(own, int) else set()
        for related in finding.get("related") or []:
            if related.get("file") == article:
                lines.add(related["line"])
            elif related.get("record") in records:
                lines.add(records[related["record"]])
        if lines:
            hits.append(Hit(finding["rule"], frozenset(lines), finding["message"]))
    return hits


def article_hits(article: Path, name: str, work: Path) -> list[Hit]:
    project = make_project(work / name)
    copy = project / "articles" / article.name
    copy.parent.mkdir()
    shutil.copy(article, copy)
    relative = copy.relative_to(project).as_posix()
    imported = run_json(["import", relative, "--topic", name], project)
    validated = run_json(["validate"], project)
    records = provenance_lines(project / "guidelines")
    return placed([*imported["findings"], *validated["findings"]], relative, records)


def score(name: str, entry: dict[str, Any], families: dict[str, list[str]], hits: list[Hit]) -> ArticleResult:
    result = ArticleResult(name, clean=bool(entry.get("clean")))
    defects = entry.get("defects") or []
    for defect in defects:
        lines = set(defect["lines"])
        found = sorted({hit.rule for hit in hits if hit.rule in defect["rules"] and hit.lines <= lines})
        (result.detected if found else result.missed).append({**defect, "found_by": found})
    alarms: dict[tuple[str, frozenset[int]], list[str]] = {}
    for hit in hits:
        for kind, rules in families.items():
            matched = any(d["class"] == kind and hit.lines <= set(d["lines"]) for d in defects)
            if hit.rule in rules and not matched:
                alarms.setdefault((kind, hit.lines), []).append(f"{hit.rule} {hit.message}")
    for (kind, lines), messages in sorted(alarms.items(), key=lambda item: (item[0][0], sorted(item[0][1]))):
        near = [m["note"] for m in entry.get("near_misses") or []
                if m["class"] == kind and lines & set(m["lines"])]
        result.false_alarms.append({"class": kind, "lines": sorted(lines), "findings": sorted(set(messages)),
                                    "near_miss": near})
    return result


def summary(results: list[ArticleResult], families: dict[str, list[str]]) -> dict[str, Any]:
    table = {}
    for kind in families:
        planted = sum(1 for r in results for d in [*r.detected, *r.missed] if d["class"] == kind)
        found = sum(1 for r in results for d in r.detected if d["class"] == kind)
        alarms = sum(1 for r in results for a in r.false_alarms if a["class"] == kind)
        table[kind] = {"planted": planted, "detected": found,
                       "recall": round(found / planted, 3) if planted else None, "false_alarms": alarms}
    planted = sum(row["planted"] for row in table.values())
    detected = sum(row["detected"] for row in table.values())
    return {"classes": table, "planted": planted, "detected": detected,
            "recall": round(detected / planted, 3) if planted else None,
            "false_alarms": sum(len(r.false_alarms) for r in results),
            "false_alarms_by_article": {r.name: len(r.false_alarms) for r in results},
            "clean_false_alarms": sum(len(r.false_alarms) for r in results if r.clean)}


def evaluate(articles: Path, key_path: Path, keep: Path | None = None) -> dict[str, Any]:
    key = yaml.safe_load(key_path.read_text(encoding="utf-8"))
    families: dict[str, list[str]] = key["classes"]
    results = []
    with tempfile.TemporaryDirectory(prefix="detection-") as scratch:
        work = keep or Path(scratch)
        for name, entry in key["articles"].items():
            hits = article_hits(articles / f"{name}.txt", name, work)
            results.append(score(name, entry, families, hits))
    return {"summary": summary(results, families), "articles": [asdict(r) for r in results]}


def render(report: dict[str, Any]) -> str:
    total = report["summary"]
    rows = ["| kind | planted | detected | recall | false alarms |", "|---|---:|---:|---:|---:|"]
    for kind, row in total["classes"].items():
        recall = "-" if row["recall"] is None else f"{row['recall']:.0%}"
        rows.append(f"| {kind} | {row['planted']} | {row['detected']} | {recall} | {row['false_alarms']} |")
    rows.append(f"| all | {total['planted']} | {total['detected']} | {total['recall']:.0%} | {total['false_alarms']} |")
    rows.append("")
    rows.append("false alarms per article: " + ", ".join(
        f"{name} {count}" for name, count in total["false_alarms_by_article"].items()))
    rows.append(f"false alarms on the clean article(s): {total['clean_false_alarms']}")
    for article in report["articles"]:
        rows.append(f"\n{article['name']}" + (" (clean)" if article["clean"] else ""))
        rows += [f"  found  {d['class']} {d['lines']} by {', '.join(d['found_by'])}" for d in article["detected"]]
        rows += [f"  MISSED {d['class']} {d['lines']}: {d['note']}" for d in article["missed"]]
        for alarm in article["false_alarms"]:
            near = f" (near miss: {'; '.join(alarm['near_miss'])})" if alarm["near_miss"] else ""
            rows.append(f"  FALSE  {alarm['class']} {alarm['lines']}{near}")
            rows += [f"         {message[:150]}" for message in alarm["findings"]]
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=EVALUATION / "articles")
    parser.add_argument("--key", type=Path, default=EVALUATION / "answers.yaml")
    parser.add_argument("--json", metavar="FILE", help="write the full result as JSON ('-': stdout only)")
    parser.add_argument("--keep", type=Path, help="import into this folder and keep the projects")
    args = parser.parse_args(argv)
    report = evaluate(args.articles, args.key, args.keep)
    if args.json == "-":
        print(json.dumps(report, indent=2))
        return 0
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
