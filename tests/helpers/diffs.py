"""Throwaway guideline projects in real git repositories, for the diff report's tests.

Data files are written here (not copied from guidelines/) and commits carry fixed authors and dates, so
commit ids, and with them the golden reports, do not change when the shipped corpus does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import git
import yaml
from guideline.render.report_json import report_document
from guideline.report.compare import compare

from helpers import FIXED_TODAY, GitRepo, run_cli

EDITOR = git.Actor("Edith Editor", "edith@example.org")
BASE_DATE = "1772442000 +0000"  # 2026-03-02 09:00 UTC, git's internal date format
HEAD_DATE = "1773046800 +0000"  # 2026-03-09 09:00 UTC
AS_OF = date.fromisoformat(FIXED_TODAY)

POLICY = """# yaml-language-server: $schema=../schemas/policy.schema.json
policy:
  review_interval_days: 730
  evidence_max_age_years: 10
  max_file_bytes: 10485760
  approval:
    material_quorum: 2
    editorial_quorum: 1
    chair_required: false
  severity: {}
  max_strong_low_certainty_share: 0.1
"""

VOCABULARY = """# yaml-language-server: $schema=../schemas/vocabulary.schema.json
concepts:
  - id: vertebral-fracture
    label: Vertebral fracture
    kind: condition
  - id: calcitonin
    label: Calcitonin
    kind: drug
  - id: alendronate
    label: Alendronate
    kind: drug
  - id: calcium
    label: Calcium
    kind: drug
  - id: vitamin-d
    label: Vitamin D
    kind: drug
  - id: bracing
    label: Spinal bracing
    kind: device
"""

GRADING = """# yaml-language-server: $schema=../schemas/grading-schemes.schema.json
classes:
  - id: not-graded
    description: The source gives no grade for the statement.
schemes:
  - id: UNGRADED
    name: Not graded
    grades:
      - grade: Not graded
        class: not-graded
        mapping: exact
"""

DATA_FILES = {"guidelines/policy.yaml": POLICY, "guidelines/vocabulary.yaml": VOCABULARY,
              "guidelines/grading-schemes.yaml": GRADING}


def rec(rid: str, statement: str, *, section: str = "acute", group: str | None = None,
        intervention: Sequence[str] = ("calcitonin",), citations: Sequence[str] = ("ref-1",),
        notes: str | None = None, state: str = "submitted", dosing: list[dict[str, Any]] | None = None,
        ) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rid, "section": section}
    if group:
        data["group"] = group
    data.update({
        "statement": statement,
        "statement_type": "recommendation",
        "direction": "for",
        "strength": {"scheme": "UNGRADED", "grade": "Not graded", "class": "not-graded"},
        "certainty": "not-rated",
        "population": {"condition": ["vertebral-fracture"]},
        "intervention": list(intervention),
    })
    if dosing:
        data["dosing"] = dosing
    data["citations"] = list(citations)
    data["review_state"] = state
    if notes:
        data["notes"] = notes
    return data


def topic_text(topic_id: str, recs: Sequence[dict[str, Any]], *,
               sections: Sequence[tuple[str, str]] = (("acute", "Acute care"), ("later", "Later care")),
               groups: dict[str, list[dict[str, str]]] | None = None) -> str:
    summary = rec(f"{topic_id}-00", f"Summary of {topic_id}.", section="summary", citations=())
    summary["statement_type"] = "information"
    for name in ("direction", "strength", "certainty"):
        summary.pop(name)
    data = {
        "topic": {"id": topic_id, "question": f"What helps with {topic_id}?", "title": topic_id.title(),
                  "summary": f"{topic_id}-00", "audience": ["clinicians"], "last_updated": "2026-01-02",
                  "review_state": "submitted",
                  "sections": [{"id": s, "title": t, **({"groups": groups[s]} if groups and s in groups else {})}
                               for s, t in sections]},
        "recommendations": [summary, *recs],
    }
    return "# yaml-language-server: $schema=../../schemas/topic-file.schema.json\n" + _dump(data)


def refs_text(refs: Sequence[dict[str, Any]]) -> str:
    return "# yaml-language-server: $schema=../../schemas/references-file.schema.json\n" + _dump({"references": list(refs)})


def ref(rid: str, title: str, *, year: int = 2024, doi: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rid, "type": "guideline", "title": title, "source": "Spine Society", "year": year}
    if doi:
        data["identifiers"] = {"doi": doi}
    return data


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the shipped corpus does."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


class GitProject(GitRepo):
    """A guideline project with these data files, in a git repository on branch main, committed by the editor
    on the base date unless told otherwise."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, identity=EDITOR, date=BASE_DATE, branch="main")
        for path, text in DATA_FILES.items():
            self.write(path, text)

    def line_of(self, path: str, needle: str) -> int:
        for number, line in enumerate((self.root / path).read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
        raise AssertionError(f"{needle!r} not in {path}")

    def diff(self, *args: str, fmt: str = "json", env: dict[str, str] | None = None) -> Any:
        """Run `guideline diff` and return the parsed JSON report (or the text)."""
        result = run_cli("diff", "--format", fmt, "--output", "-", *args, cwd=self.root, env=env)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        return json.loads(result.stdout) if fmt == "json" else result.stdout

    def report(self, base: str | None = "base", head: str | None = None, *, findings: bool = True) -> Any:
        """The JSON report document, computed in-process (the CLI costs a second of start-up per call)."""
        return report_document(compare(self.root, base, head, as_of=AS_OF, with_findings=findings))


def change_of(report: dict[str, Any], record_id: str) -> dict[str, Any]:
    found = [c for c in report["changes"] if c["id"] == record_id]
    assert len(found) == 1, [c["id"] for c in report["changes"]]
    return found[0]


def field_of(change: dict[str, Any], name: str) -> dict[str, Any]:
    found = [f for f in change["fields"] if f["name"] == name]
    assert len(found) == 1, [f["name"] for f in change["fields"]]
    return found[0]


TOPIC = "guidelines/topics/spine.yaml"
REFS = "guidelines/references/spine.yaml"


def standard_recs() -> list[dict[str, Any]]:
    return [
        rec("spine-01", "Give calcitonin 200 IU daily for 4 weeks for acute pain.",
            dosing=[{"agent": "calcitonin", "dose": 200, "unit": "IU", "route": "intranasal", "frequency": "daily"}]),
        rec("spine-02", "Start alendronate to prevent further fractures.", intervention=["alendronate"],
            citations=["ref-1", "ref-2"]),
        rec("spine-03", "Offer calcium and vitamin D to all patients.", section="later",
            intervention=["calcium", "vitamin-d"], citations=["ref-2"], notes="Check dietary intake first."),
        rec("spine-04", "Consider a brace for comfort.", section="later", intervention=["bracing"],
            citations=["ref-3"]),
    ]


def standard_refs() -> list[dict[str, Any]]:
    return [ref("ref-1", "Calcitonin for acute vertebral fracture pain"),
            ref("ref-2", "Bisphosphonates after fragility fracture"),
            ref("ref-3", "Bracing in vertebral fractures")]


def standard_corpus(project: GitProject) -> None:
    """Base content most tests start from: one topic with four recommendations, three references."""
    project.write(TOPIC, topic_text("spine", standard_recs()))
    project.write(REFS, refs_text(standard_refs()))


HOSTILE = ('Use <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> **not bold** '
           '[link](javascript:alert(1)) | pipe # not a heading `tick` ~strike~ @board-chair 1. not a list '
           '<b>bold?</b> \u202eright-to-left override')
HIP = "guidelines/topics/hip.yaml"


def _scenario_side(project: GitProject, *, head: bool) -> None:
    """The spine topic, its references and the hip topic at base or head. Head changes: a dose and its
    frequency (spine-01), a statement reworded (spine-01), a qualifier added and a reference replaced (spine-03),
    a section lead changed, a record moved between sections (spine-04), a rename, an added and a removed record,
    references changed, moved and added, and a reference's year corrected (its finding on spine-04 reworded)."""
    recs = standard_recs()
    # The group goes right after the section, where the documented field order (FMT001) has it.
    recs[2] = {**dict(list(recs[2].items())[:2]), "group": "prevention", **dict(list(recs[2].items())[2:])}
    recs[2]["population"]["qualifiers"] = ["neurologically intact"]
    leads = {"later": [{"id": "prevention", "lead": "To prevent further fractures:"}]}
    refs = standard_refs()
    refs[2]["year"] = 2009 if head else 2005
    hip = [rec("hip-01", "Mobilise early after hip fracture surgery."),
           rec("hip-02", "Give calcitonin for hip fracture pain.")]
    if head:
        recs[0]["statement"] = "Give calcitonin 100 IU every other day for 2 weeks for acute pain."
        recs[0]["dosing"][0].update(dose=100, frequency="every other day")
        recs[1]["id"] = "spine-02-bisphosphonate"
        recs[2]["notes"] = "Ask about dietary intake first."
        recs[2]["population"]["qualifiers"].append("CrCl < 30 mL/min")
        recs[2]["citations"] = ["ref-5"]
        recs[3]["section"] = "acute"
        recs.append(rec("spine-05", HOSTILE, citations=["ref-2", "ref-4"]))
        leads["later"][0]["lead"] = "To prevent further fractures, for every patient:"
        refs[1]["title"] = "Bisphosphonates after fragility fractures: 2026 update"
        hip = hip[:1]
    project.write(TOPIC, topic_text("spine", recs, groups=leads))
    project.write(HIP, topic_text("hip", hip, sections=(("acute", "Acute care"),)))
    if head:
        project.write(REFS, refs_text([refs[0], refs[1], ref("ref-4", "Hostile <b>title</b> & more"),
                                       ref("ref-5", "Calcium and vitamin D after fragility fracture", year=2025)]))
        project.write("guidelines/references/bracing.yaml", refs_text([refs[2]]))
    else:
        project.write(REFS, refs_text(refs))


def build_scenario(root: Path) -> GitProject:
    """Base and head commits with one change of every kind, tagged base and head."""
    project = GitProject(root)
    _scenario_side(project, head=False)
    project.commit("base corpus", tag="base")
    _scenario_side(project, head=True)
    project.commit("head: one change of every kind", date=HEAD_DATE, tag="head")
    return project
