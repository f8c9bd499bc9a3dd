"""How conflict detection scales: the CON checks on synthetic corpora of 10k and 100k recommendations.

    python benchmarks/conflicts_scale.py                    # 10k and 100k, prints times and the ratio
    python benchmarks/conflicts_scale.py --sizes 1k 10k
    python benchmarks/conflicts_scale.py --corpus benchmarks/corpora/100k   # a project from generate.py

The corpus is built in memory with a vocabulary of realistic size (2,500 conditions in 50 families, 1,600
drugs in 200 classes under 20 groups), one condition per topic of 40 records, so that records meet across
topics of a family. About 1% of the records contradict, or dose differently from, the rest. Only the
conflict checks are timed; loading is reported separately. Times are CPU seconds of this process (the machine
may be shared).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "pipelines"))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from guideline.checks import Context, conflicts
from guideline.corpus.grading import GradingSchemes
from guideline.corpus.loader import gc_paused, parse_text, read_file
from guideline.corpus.model import Corpus, add_document
from guideline.corpus.policy import Policy
from guideline.corpus.project import Project, load_project
from guideline.corpus.vocabulary import Vocabulary

RECORDS_PER_TOPIC = 40
FAMILIES, CONDITIONS_PER_FAMILY = 50, 50
GROUPS, CLASSES_PER_GROUP, DRUGS_PER_CLASS = 20, 10, 8
QUALIFIERS = ("older adults", "renal impairment", "pregnancy", "severe", "first episode", "recurrent")
WORDS = ("adults", "patients", "people", "early", "first-line", "treatment", "therapy", "with", "for", "in",
         "symptoms", "control", "prevention", "outcomes", "relief", "course", "benefit", "follow-up")
GRADES = (("GRADE", "Strong", "strong"), ("GRADE", "Conditional", "conditional"), ("UNGRADED", "Not graded",
                                                                                    "not-graded"))


def vocabulary_data() -> dict[str, object]:
    concepts: list[dict[str, object]] = []
    for family in range(FAMILIES):
        concepts.append({"id": f"family-{family}", "label": f"Family {family}", "kind": "condition"})
        concepts.extend({"id": f"cond-{family}-{n}", "label": f"Condition {family}-{n}", "kind": "condition",
                         "parents": [f"family-{family}"]} for n in range(CONDITIONS_PER_FAMILY))
    for group in range(GROUPS):
        concepts.append({"id": f"group-{group}", "label": f"Group {group}", "kind": "drug-class"})
        for klass in range(CLASSES_PER_GROUP):
            class_id = f"class-{group}-{klass}"
            concepts.append({"id": class_id, "label": class_id, "kind": "drug-class",
                             "parents": [f"group-{group}"]})
            concepts.extend({"id": f"drug-{group}-{klass}-{n}", "label": f"Drug {group}-{klass}-{n}",
                             "kind": "drug", "parents": [class_id]} for n in range(DRUGS_PER_CLASS))
    return {"concepts": concepts}


def topic_texts(records: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    regimen = {}
    for number in range(max(1, records // RECORDS_PER_TOPIC)):
        family = number % FAMILIES
        condition = f"cond-{family}-{(number // FAMILIES) % CONDITIONS_PER_FAMILY}"
        group = family % GROUPS
        pool = [f"drug-{group}-{rng.randrange(CLASSES_PER_GROUP)}-{rng.randrange(DRUGS_PER_CLASS)}"
                for _ in range(6)]
        topic_id = f"t{number:05d}"
        lines = ["topic:", f"  id: {topic_id}", "  question: What helps?", f"  title: Topic {number}",
                 f"  summary: {topic_id}-000", "  audience:", "    - clinicians",
                 '  last_updated: "2026-01-01"', "  review_state: draft", "  sections:", "    - id: care",
                 "      title: Care", "recommendations:"]
        for index in range(RECORDS_PER_TOPIC):
            chosen = rng.sample(pool, rng.choice((1, 1, 1, 2)))
            roll = rng.random()
            # Directions are fixed per concept, as in real guidelines; 1% of records contradict them.
            direction = "against" if (zlib.crc32(chosen[0].encode()) % 10 == 0) != (roll < 0.01) else "for"
            if roll > 0.97:
                direction = "none"
            scheme, grade, klass = GRADES[zlib.crc32(f'{condition} {chosen[0]}'.encode()) % len(GRADES)]
            words = " ".join(rng.sample(WORDS, 8))
            section = "summary" if index == 0 else "care"
            lines += [f"  - id: {topic_id}-{index:03d}", f"    section: {section}",
                      f"    statement: Offer {' or '.join(chosen)} {words} ({number}-{index})",
                      "    statement_type: recommendation", f"    direction: {direction}", "    strength:",
                      f"      scheme: {scheme}", f"      grade: {grade}", f"      class: {klass}",
                      "    certainty: moderate", "    population:", "      condition:",
                      f"        - {condition}"]
            if rng.random() < 0.4:
                lines += ["      qualifiers:", f"        - {rng.choice(QUALIFIERS)}"]
            lines += ["    intervention:", *(f"      - {c}" for c in chosen)]
            if direction == "for" and rng.random() < 0.5:
                agent = chosen[0]
                dose = regimen.setdefault(agent, rng.choice((5, 10, 20, 50, 100)))
                if rng.random() < 0.01:
                    dose *= 2
                lines += ["    dosing:", f"      - agent: {agent}", f"        dose: {dose}",
                          "        unit: mg",
                          "        route: oral", "        frequency: once daily"]
            lines += ["    citations: []", "    review_state: draft"]
        yield f"guidelines/topics/{topic_id}.yaml", "\n".join(lines) + "\n"


def synthetic(records: int) -> tuple[Project, Corpus, float]:
    grading_doc = read_file(REPO_ROOT / "guidelines" / "grading-schemes.yaml", "grading-schemes.yaml")
    project = Project(REPO_ROOT, REPO_ROOT / "guidelines", Vocabulary.from_data(vocabulary_data()),
                      GradingSchemes.from_data(grading_doc.data), Policy())
    started = time.process_time()
    corpus = Corpus()
    with gc_paused():
        for path, text in topic_texts(records):
            add_document(corpus, parse_text(text.encode(), path))
    return project, corpus, time.process_time() - started


def from_project(root: Path) -> tuple[Project, Corpus, float]:
    from guideline.engine.pipeline import load_corpus

    project = load_project(root)
    started = time.process_time()
    corpus = load_corpus([root / "guidelines"], project)
    return project, corpus, time.process_time() - started


def measure(project: Project, corpus: Corpus) -> tuple[float, Counter[str]]:
    ctx = Context(corpus, project, date(2026, 11, 25))
    started = time.process_time()
    counts: Counter[str] = Counter()
    for check in conflicts.CHECKS:
        counts.update(f.rule for f in check.run(ctx))
    return time.process_time() - started, counts


def parse_size(text: str) -> int:
    text = text.lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k"], help="corpus sizes (default 10k 100k)")
    parser.add_argument("--corpus", type=Path, help="time an existing project instead of a synthetic corpus")
    args = parser.parse_args(argv)
    if args.corpus:
        project, corpus, load = from_project(args.corpus.resolve())
        seconds, counts = measure(project, corpus)
        print(f"{len(corpus.recommendations):>7} records  load {load:6.2f}s  conflicts {seconds:6.2f}s  "
              f"{dict(counts)}")
        return 0
    times: list[float] = []
    for size in args.sizes:
        project, corpus, load = synthetic(parse_size(size))
        seconds, counts = measure(project, corpus)
        times.append(seconds)
        print(f"{len(corpus.recommendations):>7} records  load {load:6.2f}s  conflicts {seconds:6.2f}s  "
              f"{dict(sorted(counts.items()))}")
    if len(times) > 1:
        print(f"ratio {args.sizes[-1]} / {args.sizes[0]}: {times[-1] / times[0]:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
