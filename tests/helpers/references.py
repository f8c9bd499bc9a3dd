"""Builders for small corpora of topics and references (REF and EVD tests); tests find lines by searching the
text they wrote."""

from __future__ import annotations

from pathlib import Path

from helpers import rule_hits

TOPIC = "guidelines/topics/spine.yaml"

BIB = "guidelines/references/spine.yaml"

STRENGTHS = {
    "strong": ("GRADE", "Strong", "strong"),
    "conditional": ("GRADE", "Conditional", "conditional"),
}


def rec(rec_id: str, *, citations: tuple[str, ...] = ("ref-a",), statement_type: str = "recommendation",
        direction: str | None = "for", strength: str = "conditional", intervention: tuple[str, ...] = ("alendronate",),
        dosing: tuple[str, ...] = (), last_reviewed: str | None = None, review_state: str = "draft") -> str:
    lines = [f"  - id: {rec_id}", "    section: care", f"    statement: Statement of {rec_id}",
             f"    statement_type: {statement_type}"]
    if direction:
        lines.append(f"    direction: {direction}")
    scheme, grade, klass = STRENGTHS[strength]
    lines += ["    strength:", f"      scheme: {scheme}", f"      grade: {grade}", f"      class: {klass}",
              "    certainty: moderate"]
    if intervention:
        lines.append("    intervention:")
        lines += [f"      - {concept}" for concept in intervention]
    if dosing:
        lines.append("    dosing:")
        for agent in dosing:
            lines += [f"      - agent: {agent}", "        dose: 70", "        unit: mg"]
    if citations:
        lines.append("    citations:")
        lines += [f"      - {citation}" for citation in citations]
    else:
        lines.append("    citations: []")
    lines.append(f"    review_state: {review_state}")
    if last_reviewed:
        lines.append(f'    last_reviewed: "{last_reviewed}"')
    return "\n".join(lines) + "\n"


def topic_file(*recs: str, topic_id: str = "spine", last_reviewed: str | None = None) -> str:
    reviewed = f'  last_reviewed: "{last_reviewed}"\n' if last_reviewed else ""
    return (f"topic:\n  id: {topic_id}\n  question: What helps?\n  title: Spine\n  summary: {topic_id}-00\n"
            f"  audience:\n    - clinicians\n  last_updated: \"2026-01-01\"\n{reviewed}  review_state: draft\n"
            f"  sections:\n    - id: care\n      title: Care\n"
            f"recommendations:\n  - id: {topic_id}-00\n    section: summary\n    statement: Summary.\n"
            f"    statement_type: information\n    citations: []\n    review_state: draft\n" + "".join(recs))


def ref(ref_id: str, *, title: str | None = None, year: int = 2020, kind: str = "rct", **ids: str) -> str:
    lines = [f"  - id: {ref_id}", f"    type: {kind}", f"    title: \"{title or 'Title of ' + ref_id}\"",
             "    source: Journal", f"    year: {year}"]
    if ids:
        lines.append("    identifiers:")
        lines += [f'      {name}: "{value}"' for name, value in ids.items()]
    return "\n".join(lines) + "\n"


def references_file(*refs: str) -> str:
    return "references:\n" + "".join(refs)


def write(project: Path, relative: str, text: str) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str, *, after: str | None = None) -> int:
    """1-based line of the first line holding needle (after the first line holding `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start) if needle in line) + 1


def hits(report: dict, rule: str) -> list[tuple[str, int, str | None]]:  # type: ignore[type-arg]
    return sorted(rule_hits(report, rule))
